//! Claims checked against published frameworks.
//!
//! A [`Framework`] is data (loaded from `frameworks/*.toml` by `custody-frameworks`): its sliding
//! thresholds `y <= b - m * s` (or `<`), the scrap-share definition it uses, its boundary and
//! gases, and its stance on chain-of-custody claims. [`assess`] reads a product's [`Footprint`]
//! and an optional [`Claim`] and returns a [`Verdict`] with every reason, per framework.

use crate::coc::CustodyModel;
use crate::exact::{self, Q};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// The line itself passes.
    AtMost,
    /// The line itself fails.
    Below,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::AtMost => "<=",
            Comparison::Below => "<",
        }
    }
    pub fn holds(self, value: Q, limit: Q) -> bool {
        match self {
            Comparison::AtMost => value <= limit,
            Comparison::Below => value < limit,
        }
    }
}

/// How a framework measures the scrap share of the metallic charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScrapDefinition {
    /// Scrap's metallic content over all ferrous inputs' metallic content (ResponsibleSteel, IEA).
    MetallicInput,
    /// Scrap mass over all ferrous input mass.
    ChargeMass,
    /// No scrap dependence (aluminium thresholds, flat lines).
    None,
}

impl ScrapDefinition {
    pub fn as_str(self) -> &'static str {
        match self {
            ScrapDefinition::MetallicInput => "metallic-input",
            ScrapDefinition::ChargeMass => "charge-mass",
            ScrapDefinition::None => "none",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "metallic-input" => Some(ScrapDefinition::MetallicInput),
            "charge-mass" => Some(ScrapDefinition::ChargeMass),
            "none" => Some(ScrapDefinition::None),
            _ => None,
        }
    }
}

/// One threshold line: `limit(s) = intercept - slope * s`, in tCO2e per tonne of product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub name: String,
    pub intercept: Q,
    pub slope: Q,
}

impl Level {
    pub fn limit(&self, scrap_share: Q) -> Q {
        self.intercept - self.slope * scrap_share
    }
}

/// A framework's position on a kind of claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stance {
    Accepted,
    /// Accepted only when the principle checks pass.
    AcceptedWithPrinciples,
    Refused,
    /// The framework says nothing we could find: reported, never assumed.
    NotFound,
}

impl Stance {
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Accepted => "accepted",
            Stance::AcceptedWithPrinciples => "accepted-with-principles",
            Stance::Refused => "refused",
            Stance::NotFound => "not-found",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "accepted" => Some(Stance::Accepted),
            "accepted-with-principles" => Some(Stance::AcceptedWithPrinciples),
            "refused" => Some(Stance::Refused),
            "not-found" => Some(Stance::NotFound),
            _ => None,
        }
    }
}

/// What kind of claim a footprint carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClaimKind {
    /// The product's own physical footprint.
    Physical,
    /// Mass-balance chain of custody: embodied emissions of physical inputs at one boundary.
    MassBalanceChainOfCustody,
    /// Mass-balance credits: pooled reductions against a baseline (avoided emissions).
    MassBalanceCredit,
    BookAndClaim,
}

impl ClaimKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimKind::Physical => "physical",
            ClaimKind::MassBalanceChainOfCustody => "mass-balance-chain-of-custody",
            ClaimKind::MassBalanceCredit => "mass-balance-credit",
            ClaimKind::BookAndClaim => "book-and-claim",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            ClaimKind::Physical,
            ClaimKind::MassBalanceChainOfCustody,
            ClaimKind::MassBalanceCredit,
            ClaimKind::BookAndClaim,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A framework's rules for chain-of-custody claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustodyRules {
    pub mass_balance_chain_of_custody: Stance,
    pub mass_balance_credit: Stance,
    pub book_and_claim: Stance,
    /// Custody models a physical claim may travel under (empty: not stated).
    pub models: Vec<CustodyModel>,
    pub site_level_link: bool,
    pub proportional_only: bool,
    pub max_period_months: Option<u32>,
    pub third_party_verification: bool,
    pub baseline_disclosure: bool,
    pub additionality: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub version: String,
    /// `steel` or `aluminium`.
    pub material: String,
    pub unit: String,
    pub boundary: String,
    pub gases: Vec<String>,
    pub scrap: ScrapDefinition,
    /// Used when the footprint states no scrap inputs (the IEA's default is zero scrap).
    pub default_scrap_share: Option<Q>,
    pub comparison: Comparison,
    /// Weakest first; the level reached is the last one met.
    pub levels: Vec<Level>,
    pub custody: CustodyRules,
    pub sources: Vec<String>,
    pub confidence: String,
    /// Rules searched for and not found: shown in every verdict rather than invented.
    pub not_found: Vec<String>,
}

/// Ferrous inputs of a product, for the scrap share: (mass in g, metallic fraction).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FerrousInputs {
    pub scrap: Vec<(i64, Q)>,
    pub primary: Vec<(i64, Q)>,
}

impl FerrousInputs {
    pub fn share(&self, def: ScrapDefinition) -> Option<Q> {
        let sum = |v: &[(i64, Q)], metallic: bool| -> Q {
            v.iter().map(|(m, f)| Q::from_integer(*m as i128) * if metallic { *f } else { exact::q(1) }).sum()
        };
        let metallic = def == ScrapDefinition::MetallicInput;
        let s = sum(&self.scrap, metallic);
        let total = s + sum(&self.primary, metallic);
        (total > exact::q(0) && def != ScrapDefinition::None).then(|| s / total)
    }
}

/// What is assessed: a product's footprint in the framework's unit (tCO2e per tonne).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    pub product: String,
    pub material: String,
    /// Physical cradle-to-gate intensity, tCO2e per t.
    pub intensity: Q,
    pub ferrous: FerrousInputs,
    /// An explicit scrap share overrides the inputs (imported footprints).
    pub scrap_share: Option<Q>,
    /// Gases the footprint covers.
    pub gases: Vec<String>,
    /// What the boundary excludes that a framework may include (stated, not hidden).
    pub boundary_note: String,
}

/// A claim made on top of the physical footprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub kind: ClaimKind,
    /// The intensity claimed for the product, tCO2e per t.
    pub claimed_intensity: Q,
    /// The pool's transfer boundary is one site (or batch or process).
    pub site_level: bool,
    pub non_proportional: bool,
    pub period_months: u32,
    /// The lowest intensity of any input that entered the pool (stacking line).
    pub lowest_input: Option<Q>,
    /// What the technology in operation delivers: the lowest eligible input's intensity.
    pub technology: Option<Q>,
    pub verified_by: Option<String>,
    pub baseline_disclosed: bool,
    pub model: Option<CustodyModel>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub check: &'static str,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelResult {
    pub name: String,
    pub limit: Q,
    pub met: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub framework: String,
    pub name: String,
    pub version: String,
    pub applicable: bool,
    pub scrap_share: Option<Q>,
    /// The intensity the levels were tested with (claimed if the claim is recognised, else physical).
    pub intensity: Q,
    pub levels: Vec<LevelResult>,
    /// The highest level met, if any.
    pub reached: Option<String>,
    /// Whether the claim (if any) is recognised by the framework.
    pub claim_recognised: Option<bool>,
    pub reasons: Vec<Reason>,
    pub not_found: Vec<String>,
}

fn fmt(q: Q) -> String {
    exact::format_decimal(q, 4)
}

/// Assesses a footprint, and a claim on it, against one framework.
pub fn assess(f: &Framework, fp: &Footprint, claim: Option<&Claim>) -> Verdict {
    let mut reasons = Vec::new();
    let mut push = |check: &'static str, ok: bool, detail: String| reasons.push(Reason { check, ok, detail });
    let applicable = f.material == fp.material || f.material == "any";
    push("material", applicable, format!("framework for {}, product is {}", f.material, fp.material));
    let scrap_share = match (f.scrap, fp.scrap_share) {
        (ScrapDefinition::None, _) => None,
        (_, Some(s)) => Some(s),
        (def, None) => fp.ferrous.share(def).or(f.default_scrap_share),
    };
    if f.scrap != ScrapDefinition::None {
        match scrap_share {
            Some(s) => push(
                "scrap share",
                true,
                format!("{}% by the {} definition", exact::format_decimal(s * exact::q(100), 2), f.scrap.as_str()),
            ),
            None => push(
                "scrap share",
                false,
                "no ferrous inputs stated and no default: cannot place the product on the scale".into(),
            ),
        }
    }
    push("boundary", true, format!("framework: {}; footprint: {}", f.boundary, fp.boundary_note));
    let missing: Vec<&String> = f.gases.iter().filter(|g| !fp.gases.iter().any(|x| x == *g)).collect();
    if !missing.is_empty() {
        push(
            "gases",
            false,
            format!(
                "the footprint does not report {} (counted as zero)",
                missing.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(", ")
            ),
        );
    }

    // The claim: recognised or not, and every principle check.
    let mut intensity = fp.intensity;
    let mut claim_recognised = None;
    if let Some(c) = claim {
        let stance = match c.kind {
            ClaimKind::Physical => Stance::Accepted,
            ClaimKind::MassBalanceChainOfCustody => f.custody.mass_balance_chain_of_custody,
            ClaimKind::MassBalanceCredit => f.custody.mass_balance_credit,
            ClaimKind::BookAndClaim => f.custody.book_and_claim,
        };
        let mut ok = matches!(stance, Stance::Accepted | Stance::AcceptedWithPrinciples);
        push("claim type", ok, format!("{} claims: {}", c.kind.as_str(), stance.as_str()));
        // No stacking, everywhere: no output below the cleanest input that entered the pool.
        if let Some(low) = c.lowest_input {
            let fine = c.claimed_intensity >= low;
            ok &= fine;
            push(
                "no stacking",
                fine,
                format!("claimed {} against lowest input {}", fmt(c.claimed_intensity), fmt(low)),
            );
        }
        if stance == Stance::AcceptedWithPrinciples {
            let r = &f.custody;
            if r.site_level_link {
                ok &= c.site_level;
                push(
                    "site-level link",
                    c.site_level,
                    if c.site_level {
                        "pool boundary is one site".into()
                    } else {
                        "pool boundary spans sites or the company".into()
                    },
                );
            }
            if r.proportional_only {
                ok &= !c.non_proportional;
                push(
                    "attribution",
                    !c.non_proportional,
                    if c.non_proportional {
                        "non-proportional attribution is not accepted".into()
                    } else {
                        "proportional".into()
                    },
                );
            }
            if let Some(max) = r.max_period_months {
                let fine = c.period_months <= max;
                ok &= fine;
                push("period length", fine, format!("{} months (at most {max})", c.period_months));
            }
            if r.third_party_verification {
                ok &= c.verified_by.is_some();
                push(
                    "third-party verification",
                    c.verified_by.is_some(),
                    c.verified_by.clone().unwrap_or_else(|| "none recorded".into()),
                );
            }
            if r.baseline_disclosure && c.kind == ClaimKind::MassBalanceCredit {
                ok &= c.baseline_disclosed;
                push(
                    "baseline disclosed",
                    c.baseline_disclosed,
                    if c.baseline_disclosed { "stated".into() } else { "not stated".into() },
                );
            }
            if r.additionality {
                match c.technology {
                    Some(t) => {
                        let fine = c.claimed_intensity >= t;
                        ok &= fine;
                        push(
                            "additionality",
                            fine,
                            format!(
                                "claimed {} against what the technology in operation delivers, {}",
                                fmt(c.claimed_intensity),
                                fmt(t)
                            ),
                        );
                    }
                    None => {
                        ok = false;
                        push("additionality", false, "the technology's own intensity is not known".into());
                    }
                }
            }
            if !r.models.is_empty() {
                if let Some(m) = c.model {
                    let fine = r.models.contains(&m);
                    ok &= fine;
                    push(
                        "custody model",
                        fine,
                        format!("{} ({})", m.as_str(), if fine { "allowed" } else { "not allowed" }),
                    );
                }
            }
        }
        if c.kind == ClaimKind::MassBalanceCredit {
            push(
                "instrument",
                true,
                "avoided-emissions accounting (a credit), not embodied emissions of the product".into(),
            );
        }
        claim_recognised = Some(ok);
        if ok {
            intensity = c.claimed_intensity;
        } else {
            push(
                "assessed on",
                true,
                format!("the physical footprint, {} tCO2e/t, because the claim is not recognised", fmt(fp.intensity)),
            );
        }
    }

    let s = scrap_share.unwrap_or_else(|| exact::q(0));
    let levels: Vec<LevelResult> = f
        .levels
        .iter()
        .map(|l| {
            let limit = l.limit(s);
            LevelResult { name: l.name.clone(), limit, met: applicable && f.comparison.holds(intensity, limit) }
        })
        .collect();
    for l in &levels {
        push(
            "threshold",
            l.met,
            format!("{}: {} {} {} tCO2e/t", l.name, fmt(intensity), f.comparison.as_str(), fmt(l.limit)),
        );
    }
    let reached = levels.iter().rev().find(|l| l.met).map(|l| l.name.clone());
    Verdict {
        framework: f.id.clone(),
        name: f.name.clone(),
        version: f.version.clone(),
        applicable,
        scrap_share,
        intensity,
        levels,
        reached,
        claim_recognised,
        reasons,
        not_found: f.not_found.clone(),
    }
}

// ---- footprints and claims read from a ledger ---------------------------------------------------------

use crate::ledger::Ledger;
use crate::model::{Origin, TxKind};
use crate::statements::{product_intensity, Scope};

/// The gases a ledger footprint covers, by the names frameworks use.
const LEDGER_GASES: [&str; 7] = ["CO2", "CH4", "N2O", "SF6", "PFCs", "CF4", "C2F6"];

/// A product's footprint from the ledger: CO2e per tonne sold in the period (GWP of the ledger;
/// the seller's transport to customers excluded, as cradle-to-gate frameworks do), and the ferrous
/// inputs consumed in the period for the scrap share.
pub fn footprint_from_ledger(ledger: &Ledger, scope: &Scope, item: &str, material: &str) -> Result<Footprint, String> {
    let statement = product_intensity(ledger, scope);
    let Some(p) = statement.products.iter().find(|p| p.item == item).filter(|p| p.sold > 0) else {
        return Err(format!("`{item}` was not sold in period `{}`", scope.period));
    };
    Ok(footprint_of(ledger, scope, p, material))
}

/// The footprint of one product of an already computed intensity statement (`sold > 0`).
pub fn footprint_of(
    ledger: &Ledger,
    scope: &Scope,
    p: &crate::statements::ProductIntensity,
    material: &str,
) -> Footprint {
    let gwp = ledger.entity().gwp;
    let ratios = ledger.entity().ratios;
    let mut co2e = exact::q(0);
    for line in p.lines.iter().filter(|l| l.origin != Origin::Transport) {
        for (sp, amount) in &line.by_species {
            if let Some(f) = gwp.factor(*sp) {
                co2e += ratios.gas_grams(*sp, *amount) * f;
            }
        }
    }
    let mut ferrous = FerrousInputs::default();
    for tx in ledger
        .transactions()
        .iter()
        .filter(|t| t.kind == TxKind::Consume && t.date >= scope.start && t.date <= scope.end)
    {
        for m in &tx.movements {
            if let Some((kind, frac)) = ledger.item(&m.item).and_then(|i| i.ferrous) {
                let entry = (-m.quantity, frac);
                match kind {
                    crate::model::Ferrous::Scrap => ferrous.scrap.push(entry),
                    crate::model::Ferrous::Primary => ferrous.primary.push(entry),
                }
            }
        }
    }
    Footprint {
        product: p.item.clone(),
        material: material.to_string(),
        intensity: co2e / Q::from_integer(p.sold as i128),
        ferrous,
        scrap_share: None,
        gases: LEDGER_GASES.iter().map(|g| g.to_string()).collect(),
        boundary_note: format!(
            "cradle-to-gate of the ledger of {}, {} GWP100; transport to customers excluded; downstream processing on site not separated",
            ledger.entity().id,
            gwp.as_str().to_uppercase()
        ),
    }
}

/// A mass-balance chain-of-custody claim from a pool claim of the ledger.
pub fn claim_from_pool(ledger: &Ledger, pool: &str, claim: &str) -> Result<Claim, String> {
    let pool = ledger.pool(pool).ok_or_else(|| format!("no pool `{pool}`"))?;
    let (period, c) = pool
        .periods
        .iter()
        .find_map(|(n, p)| p.claims.iter().find(|c| c.id == claim).map(|c| (*n, c)))
        .ok_or_else(|| format!("pool `{}` has no claim `{claim}`", pool.policy.id))?;
    let factor = c
        .factor
        .ok_or_else(|| format!("claim `{claim}` states no factor: it claims an attribute, not an intensity"))?;
    let p = &pool.periods[&period];
    let technology = p.inputs.iter().filter(|i| i.eligible).filter_map(|i| i.intensity).min();
    Ok(Claim {
        kind: ClaimKind::MassBalanceChainOfCustody,
        claimed_intensity: factor,
        site_level: matches!(
            pool.policy.boundary,
            crate::coc::Boundary::Site(_) | crate::coc::Boundary::Batch(_) | crate::coc::Boundary::Process(_)
        ),
        non_proportional: pool.policy.attribution == crate::coc::Attribution::NonProportional,
        period_months: pool.policy.period_months,
        lowest_input: p.inputs.iter().filter_map(|i| i.intensity).min(),
        technology,
        verified_by: pool.policy.verified_by.clone(),
        baseline_disclosed: false,
        model: Some(CustodyModel::MassBalance),
    })
}

/// A mass-balance credit claim from an avoided-emission certificate: the product claims the
/// certificate's actual intensity, pooled at company level.
pub fn claim_from_avoided(ledger: &Ledger, id: &str) -> Result<Claim, String> {
    let a = ledger
        .avoided()
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| format!("no avoided-emission certificate `{id}`"))?;
    Ok(Claim {
        kind: ClaimKind::MassBalanceCredit,
        claimed_intensity: a.actual,
        site_level: false,
        non_proportional: true,
        period_months: 12,
        lowest_input: None,
        technology: Some(a.actual),
        verified_by: None,
        baseline_disclosed: true,
        model: Some(CustodyModel::BookAndClaim),
    })
}

/// Why a claim named for assessment could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimRefError {
    /// The request names two claims, or a malformed one.
    Usage(String),
    /// The pool, claim or certificate does not exist.
    Unknown(String),
}

/// The claim an assessment names: a pool claim `POOL/CLAIM-ID`, or an avoided-emission
/// certificate, or none.
pub fn claim_from_ledger(
    ledger: &Ledger,
    claim: Option<&str>,
    avoided: Option<&str>,
) -> Result<Option<Claim>, ClaimRefError> {
    match (claim, avoided) {
        (Some(_), Some(_)) => Err(ClaimRefError::Usage(
            "assess one claim at a time: a pool claim or an avoided-emission certificate".into(),
        )),
        (Some(c), None) => {
            let (pool, id) =
                c.split_once('/').ok_or_else(|| ClaimRefError::Usage("a pool claim is POOL/CLAIM-ID".into()))?;
            claim_from_pool(ledger, pool, id).map(Some).map_err(ClaimRefError::Unknown)
        }
        (None, Some(a)) => claim_from_avoided(ledger, a).map(Some).map_err(ClaimRefError::Unknown),
        (None, None) => Ok(None),
    }
}
