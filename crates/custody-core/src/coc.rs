//! Chain of custody: models, mass-balance pools, certificates and avoided-emission certificates.
//!
//! Everything here sits **beside** the physical ledger: no operation of this module posts a
//! transaction, so no pool, certificate or credit can change a physical footprint.
//!
//! A pool's [`Policy`] states the seven decisions of a mass-balance system (input criteria,
//! temporal boundary, transfer boundary, allocation across product groups, attribution within a
//! group, output, claim). Two methods: the *rolling average percentage* (outputs carry the period's
//! eligible share; ASI) and the *credit* method (eligible inputs times a conversion factor credit
//! an account that claims debit, never below zero at period end; ISCC). For an emission-intensity
//! attribute, non-proportional attribution gives chosen outputs a lower factor and computes the
//! residual factor the rest must carry; no output may be cleaner than the cleanest input.

use crate::exact::{self, Q};
use crate::model::{format_date, Date, MonthIndex};
use std::collections::{BTreeMap, BTreeSet};

macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s),+ } }
            pub fn parse(s: &str) -> Option<$name> { $name::ALL.iter().copied().find(|x| x.as_str() == s) }
            pub fn names() -> String { $name::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", ") }
        }
    };
}

named_enum!(
    /// ISO 22095 chain-of-custody models: what a buyer of a transfer may claim.
    CustodyModel {
        IdentityPreserved => "identity-preserved",
        Segregated => "segregated",
        ControlledBlending => "controlled-blending",
        MassBalance => "mass-balance",
        BookAndClaim => "book-and-claim",
    }
);

impl CustodyModel {
    /// Whether the claimed attribute is physically in the delivered material.
    pub fn physical(self) -> bool {
        matches!(self, CustodyModel::IdentityPreserved | CustodyModel::Segregated | CustodyModel::ControlledBlending)
    }
}

named_enum!(
    /// The eligible attribute a pool tracks.
    Attribute {
        LowEmissionIron => "low-emission-iron",
        GreenElectricity => "green-electricity",
        RecycledContent => "recycled-content",
        CertifiedMaterial => "certified-material",
        EmissionIntensity => "emission-intensity",
    }
);

named_enum!(Method { Percentage => "percentage", Credit => "credit" });
named_enum!(Attribution { Proportional => "proportional", NonProportional => "non-proportional" });
named_enum!(OutputForm {
    UpdatedFactor => "updated-factor",
    BundledCertificate => "bundled-certificate",
    UnbundledCertificate => "unbundled-certificate",
});
named_enum!(GroupKey { Mass => "mass", Energy => "energy", Carbon => "carbon" });

/// Transfer boundary: where inputs and outputs may be to share one pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Boundary {
    Batch(String),
    Process(String),
    Site(String),
    Sites(Vec<String>),
    /// The whole company: expressible, and flagged in every output.
    Company,
}

impl Boundary {
    pub fn describe(&self) -> String {
        match self {
            Boundary::Batch(b) => format!("batch {b}"),
            Boundary::Process(p) => format!("process {p}"),
            Boundary::Site(s) => format!("site {s}"),
            Boundary::Sites(s) => format!("sites {}", s.join(",")),
            Boundary::Company => "company".into(),
        }
    }

    /// Whether a flow at `site` (and `process`, `batch`) is inside the boundary.
    pub fn contains(&self, site: Option<&str>, process: Option<&str>, batch: Option<&str>) -> bool {
        match self {
            Boundary::Batch(b) => batch == Some(b.as_str()),
            Boundary::Process(p) => process == Some(p.as_str()),
            Boundary::Site(s) => site == Some(s.as_str()),
            Boundary::Sites(list) => site.is_some_and(|s| list.iter().any(|x| x == s)),
            Boundary::Company => true,
        }
    }
}

/// How much of a period's unclaimed balance may move to the next period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarryOver {
    /// At most this share of the period's eligible inputs (after conversion).
    pub max_share: Q,
    /// A carried amount expires after this many further periods.
    pub max_periods: u32,
}

/// The seven decisions of a mass-balance pool, stored with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub attribute: Attribute,
    pub method: Method,
    /// 1. Input criteria: items that may enter as eligible.
    pub eligible: Vec<String>,
    /// 1. A benchmark intensity (g CO2e per g) an eligible input must not exceed: "controlled".
    pub benchmark: Option<Q>,
    /// 2. Temporal boundary: the first month and the period length.
    pub start: MonthIndex,
    pub period_months: u32,
    pub carry_over: Option<CarryOver>,
    /// 3. Transfer boundary.
    pub boundary: Boundary,
    /// 4. Allocation across product groups: group name and its items, and the physical key.
    pub groups: Vec<(String, Vec<String>)>,
    pub group_key: GroupKey,
    /// 5. Attribution within a group.
    pub attribution: Attribution,
    /// 6. Output.
    pub output: OutputForm,
    /// 7. Claim: which inventory the output may enter.
    pub claim: String,
    /// Output units of attribute per eligible input unit.
    pub conversion: Q,
    /// The third party that verifies the pool, if any.
    pub verified_by: Option<String>,
}

impl Policy {
    /// Warnings every output of the pool carries.
    pub fn flags(&self) -> Vec<String> {
        let mut f = Vec::new();
        if self.boundary == Boundary::Company {
            f.push("transfer boundary is the whole company: no physical link between inputs and outputs".into());
        }
        if let Boundary::Sites(s) = &self.boundary {
            if s.len() > 1 {
                f.push(format!("multi-site boundary ({} sites): low physical connectivity", s.len()));
            }
        }
        if self.period_months > 12 {
            f.push(format!("multi-year window ({} months)", self.period_months));
        }
        if self.attribution == Attribution::NonProportional {
            f.push("non-proportional attribution: chosen outputs carry a lower factor, the rest a residual".into());
        }
        f
    }

    /// The period index a date falls in (None before the pool starts).
    pub fn period_of(&self, date: Date) -> Option<u32> {
        let d = MonthIndex::of(date).0 - self.start.0;
        (d >= 0).then(|| (d as u32) / self.period_months)
    }

    /// First and last month of period `p`.
    pub fn period_months_of(&self, p: u32) -> (MonthIndex, MonthIndex) {
        let first = self.start.0 + (p * self.period_months) as i32;
        (MonthIndex(first), MonthIndex(first + self.period_months as i32 - 1))
    }

    pub fn group_of(&self, item: &str) -> Option<&str> {
        self.groups.iter().find(|(_, items)| items.iter().any(|i| i == item)).map(|(g, _)| g.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolInput {
    pub id: String,
    pub date: Date,
    pub item: String,
    /// Base units of the item.
    pub quantity: i64,
    /// g CO2e per g (or per base unit), when the input's intensity is known.
    pub intensity: Option<Q>,
    pub eligible: bool,
    pub site: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolOutput {
    pub id: String,
    pub date: Date,
    pub item: String,
    pub group: String,
    pub quantity: i64,
    pub site: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolClaim {
    pub id: String,
    pub date: Date,
    /// The output the claim is made for (credit method, attribution); None for certificates.
    pub output: Option<String>,
    /// Attribute units claimed (output base units).
    pub quantity: i64,
    /// For emission-intensity pools: the factor the claimed quantity carries (g CO2e per unit).
    pub factor: Option<Q>,
    /// The certificate issued by this claim, if any.
    pub certificate: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolPeriod {
    pub inputs: Vec<PoolInput>,
    pub outputs: Vec<PoolOutput>,
    pub claims: Vec<PoolClaim>,
    /// Carried in from earlier periods: (origin period, amount).
    pub carried_in: Vec<(u32, i64)>,
    pub closed: Option<Date>,
}

/// A pool period's statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolStatement {
    pub period: u32,
    pub first_month: MonthIndex,
    pub last_month: MonthIndex,
    pub inputs: i64,
    pub eligible_inputs: i64,
    /// Eligible inputs x conversion factor.
    pub credited: i64,
    pub carried_in: i64,
    pub outputs: i64,
    /// Output by product group.
    pub outputs_by_group: Vec<(String, i64)>,
    pub claimed: i64,
    /// Credited + carried in - claimed (never negative).
    pub balance: i64,
    /// What moves to the next period (within the policy's limits) and what lapses.
    pub carry_out: i64,
    pub lapsed: i64,
    /// Percentage method: the share of output that may be claimed.
    pub eligible_share: Option<Q>,
    /// Emission-intensity pools: the group's emissions (g CO2e), the lowest input factor, the
    /// factor on claimed outputs, and the residual factor the rest carries.
    pub emissions: Option<i64>,
    pub lowest_input_factor: Option<Q>,
    pub residual_factor: Option<Q>,
    pub closed: bool,
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub policy: Policy,
    pub periods: BTreeMap<u32, PoolPeriod>,
}

/// Why a chain-of-custody operation is refused (mapped to rejection codes by the ledger).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CocError {
    PoolUnknown(String),
    PeriodClosed(String),
    OutsideBoundary(String),
    ClaimExceedsBalance(String),
    StackedAttribution(String),
    AttributionNotAllowed(String),
    CertificateUnknown(String),
    CertificateUnavailable(String),
    PeriodNotEnded(String),
    Invalid(String),
}

impl Pool {
    pub fn new(policy: Policy) -> Pool {
        Pool { policy, periods: BTreeMap::new() }
    }

    fn open_period(&mut self, date: Date) -> Result<(u32, &mut PoolPeriod), CocError> {
        let p = self.policy.period_of(date).ok_or_else(|| {
            CocError::Invalid(format!("{} is before pool `{}` starts", format_date(date), self.policy.id))
        })?;
        self.ensure_carry(p);
        let period = self.periods.entry(p).or_default();
        if period.closed.is_some() {
            return Err(CocError::PeriodClosed(format!("pool `{}` period {p} is closed", self.policy.id)));
        }
        Ok((p, period))
    }

    /// Brings a closed earlier period's carry-over into period `p`, once.
    fn ensure_carry(&mut self, p: u32) {
        if p == 0 || self.periods.get(&p).is_some_and(|x| !x.carried_in.is_empty()) {
            return;
        }
        let Some(prev) = self.periods.get(&(p - 1)).filter(|x| x.closed.is_some()) else { return };
        let carry = self.carry_parts(p - 1, prev);
        if !carry.is_empty() {
            self.periods.entry(p).or_default().carried_in = carry;
        }
    }

    /// What of period `p`'s balance moves on, by origin period. Claims use the oldest credit
    /// first; carried credit older than `max_periods` lapses; of the period's own credit at most
    /// `max_share` moves on.
    fn carry_parts(&self, p: u32, period: &PoolPeriod) -> Vec<(u32, i64)> {
        let Some(rule) = &self.policy.carry_over else { return Vec::new() };
        let st = self.statement_of_raw(p, period);
        let mut to_consume = st.claimed;
        let mut parts = Vec::new();
        for (origin, amount) in &period.carried_in {
            let used = to_consume.min(*amount);
            to_consume -= used;
            let left = amount - used;
            if left > 0 && p + 1 - origin <= rule.max_periods {
                parts.push((*origin, left));
            }
        }
        let own_left = st.credited - to_consume.min(st.credited);
        let cap = exact::round_half_even(Q::from_integer(st.credited as i128) * rule.max_share) as i64;
        let own = own_left.min(cap.max(0));
        if own > 0 && rule.max_periods >= 1 {
            parts.push((p, own));
        }
        parts
    }

    pub fn add_input(&mut self, input: PoolInput, process: Option<&str>, batch: Option<&str>) -> Result<(), CocError> {
        if !self.policy.boundary.contains(input.site.as_deref(), process, batch) {
            return Err(CocError::OutsideBoundary(format!(
                "input `{}` is outside the pool's boundary ({})",
                input.id,
                self.policy.boundary.describe()
            )));
        }
        if input.quantity <= 0 {
            return Err(CocError::Invalid("a pool input's quantity must be positive".into()));
        }
        let id = input.id.clone();
        let (p, period) = self.open_period(input.date)?;
        period.inputs.push(input);
        // A rolling-average share falls when non-eligible input arrives after claims: the claims
        // already made must stay within it (the balance is never negative, at period end or before).
        let period = self.periods[&p].clone();
        let st = self.statement_of_raw(p, &period);
        if st.balance < 0 {
            self.periods.get_mut(&p).expect("opened").inputs.pop();
            return Err(CocError::ClaimExceedsBalance(format!(
                "input `{id}` would leave {} claimed above the pool's {} (eligible share now {}): record inputs before claiming",
                st.claimed,
                st.credited + st.carried_in,
                st.eligible_share.map(|x| format!("{}%", exact::format_decimal(x * exact::q(100), 4))).unwrap_or_default()
            )));
        }
        Ok(())
    }

    /// Whether an input of `item` with `intensity` meets the input criteria.
    pub fn is_eligible(&self, item: &str, intensity: Option<Q>) -> bool {
        let listed = self.policy.eligible.iter().any(|e| e == item);
        match (self.policy.benchmark, intensity) {
            (Some(b), Some(i)) => listed && i <= b,
            (Some(_), None) => false,
            (None, _) => listed,
        }
    }

    pub fn add_output(
        &mut self,
        output: PoolOutput,
        process: Option<&str>,
        batch: Option<&str>,
    ) -> Result<(), CocError> {
        if !self.policy.boundary.contains(output.site.as_deref(), process, batch) {
            return Err(CocError::OutsideBoundary(format!(
                "output `{}` is outside the pool's boundary ({})",
                output.id,
                self.policy.boundary.describe()
            )));
        }
        if output.quantity <= 0 {
            return Err(CocError::Invalid("a pool output's quantity must be positive".into()));
        }
        let (_, period) = self.open_period(output.date)?;
        period.outputs.push(output);
        Ok(())
    }

    /// The lowest intensity among inputs of the period (eligible or not).
    fn lowest_input(period: &PoolPeriod) -> Option<Q> {
        period.inputs.iter().filter_map(|i| i.intensity).min()
    }

    /// Records a claim, refusing anything beyond the balance (credit), beyond the eligible share
    /// (percentage), below the lowest input (stacking), or non-proportional where not allowed.
    pub fn add_claim(&mut self, claim: PoolClaim) -> Result<(), CocError> {
        if claim.quantity <= 0 {
            return Err(CocError::Invalid("a claim's quantity must be positive".into()));
        }
        let policy = self.policy.clone();
        let (p, _) = self.open_period(claim.date)?;
        let period = self.periods.get(&p).expect("opened above").clone();
        let st = self.statement_of(p, &period);
        if let Some(out) = &claim.output {
            let Some(o) = period.outputs.iter().find(|o| &o.id == out) else {
                return Err(CocError::Invalid(format!("pool `{}` has no output `{out}` in this period", policy.id)));
            };
            let already: i64 =
                period.claims.iter().filter(|c| c.output.as_deref() == Some(out)).map(|c| c.quantity).sum();
            if already + claim.quantity > o.quantity {
                return Err(CocError::ClaimExceedsBalance(format!(
                    "output `{out}` is {} but {} would be claimed",
                    o.quantity,
                    already + claim.quantity
                )));
            }
        }
        // Both methods: a claim within the balance (credit: eligible inputs x conversion;
        // percentage: the eligible share of output), plus what was carried in.
        if claim.quantity > st.balance {
            let share = st
                .eligible_share
                .map(|x| {
                    format!(
                        "; eligible share {}% of {} output",
                        exact::format_decimal(x * exact::q(100), 4),
                        st.outputs
                    )
                })
                .unwrap_or_default();
            return Err(CocError::ClaimExceedsBalance(format!(
                "pool `{}` holds {} (credited {}{share}, carried in {}, claimed {}); {} claimed",
                policy.id, st.balance, st.credited, st.carried_in, st.claimed, claim.quantity
            )));
        }
        if let Some(f) = claim.factor {
            if policy.attribution == Attribution::Proportional {
                return Err(CocError::AttributionNotAllowed(format!(
                    "pool `{}` attributes proportionally: no output may carry its own factor",
                    policy.id
                )));
            }
            match Self::lowest_input(&period) {
                Some(low) if f < low => {
                    return Err(CocError::StackedAttribution(format!(
                        "factor {} is below the lowest-emission input of the pool ({}): stacked attribution",
                        exact::format_decimal(f, 6),
                        exact::format_decimal(low, 6)
                    )))
                }
                None => return Err(CocError::Invalid("no input of the period states an intensity".into())),
                _ => {}
            }
            // The chosen outputs may not take more emissions than the group has in total.
            let claimed_emissions: Q =
                period.claims.iter().filter_map(|c| c.factor.map(|x| x * Q::from_integer(c.quantity as i128))).sum();
            let total = Q::from_integer(st.emissions.unwrap_or(0) as i128);
            if claimed_emissions + f * Q::from_integer(claim.quantity as i128) > total {
                return Err(CocError::ClaimExceedsBalance(
                    "the claimed outputs would carry more than the pool's emissions".into(),
                ));
            }
        }
        self.periods.get_mut(&p).expect("opened above").claims.push(claim);
        Ok(())
    }

    /// Closes the period a date falls in: it must have ended; the statement is fixed and the
    /// period takes nothing more.
    pub fn close(&mut self, date: Date, period: u32) -> Result<PoolStatement, CocError> {
        let (_, last) = self.policy.period_months_of(period);
        if MonthIndex::of(date) <= last {
            return Err(CocError::PeriodNotEnded(format!(
                "pool `{}` period {period} runs to {last}; close it after",
                self.policy.id
            )));
        }
        self.ensure_carry(period);
        let p = self.periods.entry(period).or_default();
        if p.closed.is_some() {
            return Err(CocError::PeriodClosed(format!("pool `{}` period {period} is already closed", self.policy.id)));
        }
        p.closed = Some(date);
        let p = p.clone();
        Ok(self.statement_of(period, &p))
    }

    /// The statement of one period, as it stands (with carry-over once closed).
    pub fn statement_of(&self, period: u32, p: &PoolPeriod) -> PoolStatement {
        let mut st = self.statement_of_raw(period, p);
        if p.closed.is_some() {
            st.carry_out = self.carry_parts(period, p).iter().map(|(_, a)| a).sum();
            st.lapsed = st.balance - st.carry_out;
        }
        st
    }

    fn statement_of_raw(&self, period: u32, p: &PoolPeriod) -> PoolStatement {
        let inputs: i64 = p.inputs.iter().map(|i| i.quantity).sum();
        let eligible_inputs: i64 = p.inputs.iter().filter(|i| i.eligible).map(|i| i.quantity).sum();
        let outputs: i64 = p.outputs.iter().map(|o| o.quantity).sum();
        let eligible_share = (self.policy.method == Method::Percentage && inputs > 0)
            .then(|| Q::new(eligible_inputs as i128, inputs as i128) * self.policy.conversion);
        // Credit: eligible inputs times the conversion factor. Percentage: the eligible share of
        // the period's output. Either way the credit is in output units.
        let credited = match self.policy.method {
            Method::Credit => {
                exact::round_half_even(Q::from_integer(eligible_inputs as i128) * self.policy.conversion) as i64
            }
            Method::Percentage => {
                exact::round_half_even(Q::from_integer(outputs as i128) * eligible_share.unwrap_or_else(|| exact::q(0)))
                    as i64
            }
        };
        let carried_in: i64 = p.carried_in.iter().map(|(_, a)| a).sum();
        let mut by_group: BTreeMap<String, i64> = BTreeMap::new();
        for o in &p.outputs {
            *by_group.entry(o.group.clone()).or_default() += o.quantity;
        }
        let claimed: i64 = p.claims.iter().map(|c| c.quantity).sum();
        let balance = credited + carried_in - claimed;
        let emissions: Option<i64> = (self.policy.attribute == Attribute::EmissionIntensity).then(|| {
            exact::round_half_even(
                p.inputs.iter().filter_map(|i| i.intensity.map(|f| f * Q::from_integer(i.quantity as i128))).sum::<Q>(),
            ) as i64
        });
        let residual_factor = emissions.and_then(|e| {
            let claimed_q: i64 = p.claims.iter().filter(|c| c.factor.is_some()).map(|c| c.quantity).sum();
            let claimed_e: Q =
                p.claims.iter().filter_map(|c| c.factor.map(|f| f * Q::from_integer(c.quantity as i128))).sum();
            let rest = outputs - claimed_q;
            (rest > 0).then(|| (Q::from_integer(e as i128) - claimed_e) / Q::from_integer(rest as i128))
        });
        PoolStatement {
            period,
            first_month: self.policy.period_months_of(period).0,
            last_month: self.policy.period_months_of(period).1,
            inputs,
            eligible_inputs,
            credited,
            carried_in,
            outputs,
            outputs_by_group: by_group.into_iter().collect(),
            claimed,
            balance,
            carry_out: 0,
            lapsed: 0,
            eligible_share,
            emissions,
            lowest_input_factor: Self::lowest_input(p),
            residual_factor,
            closed: p.closed.is_some(),
            flags: self.policy.flags(),
        }
    }

    pub fn statements(&self) -> Vec<PoolStatement> {
        self.periods.iter().map(|(p, x)| self.statement_of(*p, x)).collect()
    }
}

// ---- certificates ----------------------------------------------------------------------------------

named_enum!(CertState {
    Active => "active",
    Retired => "retired",
    Cancelled => "cancelled",
    Expired => "expired",
    Split => "split",
    TransferredOut => "transferred-out",
});

/// Base units of attribute one certificate unit stands for: 1 MWh (3,600,000 kJ) of green
/// electricity, 1 t (1,000,000 g) of every other attribute.
pub fn certificate_unit(attribute: Attribute) -> i64 {
    match attribute {
        Attribute::GreenElectricity => 3_600_000,
        _ => 1_000_000,
    }
}

/// A block of serial-numbered certificate units, `PREFIX-first` to `PREFIX-last`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub id: String,
    pub pool: String,
    pub period: u32,
    pub prefix: String,
    pub first: u64,
    pub last: u64,
    /// The sale the certificate travels with (bundled), if any.
    pub bundled_with: Option<String>,
    pub expires: Option<Date>,
    pub holder: String,
    pub state: CertState,
    pub history: Vec<(Date, String)>,
    /// Set when retired: beneficiary, purpose, claim period.
    pub retirement: Option<(String, String, String)>,
}

impl Certificate {
    pub fn units(&self) -> i64 {
        (self.last - self.first + 1) as i64
    }
    pub fn serials(&self) -> String {
        format!("{}-{:08}..{}-{:08}", self.prefix, self.first, self.prefix, self.last)
    }
}

/// What a received certificate is: its serial block and origin, as the sender's book holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateBlock {
    pub pool: String,
    pub period: u32,
    pub prefix: String,
    pub first: u64,
    pub last: u64,
    pub bundled_with: Option<String>,
    pub expires: Option<Date>,
}

impl Certificate {
    pub fn block(&self) -> CertificateBlock {
        CertificateBlock {
            pool: self.pool.clone(),
            period: self.period,
            prefix: self.prefix.clone(),
            first: self.first,
            last: self.last,
            bundled_with: self.bundled_with.clone(),
            expires: self.expires,
        }
    }
}

named_enum!(
    /// What an avoided-emission certificate's reduction was measured against.
    AvoidedBasis { ProjectBaseline => "project-baseline", CompanyBaseline => "company-baseline" }
);

/// An avoided-emission certificate (worldsteel / JISF style): a reduction against a stated
/// baseline, pooled at company level. It is a market instrument, never a physical footprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvoidedCertificate {
    pub id: String,
    pub date: Date,
    pub basis: AvoidedBasis,
    pub project: String,
    /// g CO2e per unit of product, baseline and actual.
    pub baseline: Q,
    pub actual: Q,
    /// Units of product the reduction was measured on.
    pub quantity: i64,
    /// g CO2e avoided = (baseline - actual) x quantity, rounded once.
    pub avoided: i64,
    pub allocated_to: Option<String>,
}

/// The certificate units of a ledger and their life.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateBook {
    pub certificates: BTreeMap<String, Certificate>,
    /// Next serial per (pool, period) prefix.
    pub next_serial: BTreeMap<String, u64>,
    pub retired_serials: BTreeSet<(String, u64)>,
}

impl CertificateBook {
    pub fn get_active(&self, id: &str, me: &str) -> Result<&Certificate, CocError> {
        let c =
            self.certificates.get(id).ok_or_else(|| CocError::CertificateUnknown(format!("no certificate `{id}`")))?;
        if c.state != CertState::Active {
            return Err(CocError::CertificateUnavailable(format!("certificate `{id}` is {}", c.state.as_str())));
        }
        if c.holder != me {
            return Err(CocError::CertificateUnavailable(format!("certificate `{id}` is held by `{}`", c.holder)));
        }
        Ok(c)
    }

    pub fn issue(&mut self, mut c: Certificate, units: i64) -> Result<(), CocError> {
        if self.certificates.contains_key(&c.id) {
            return Err(CocError::Invalid(format!("certificate `{}` already exists", c.id)));
        }
        let next = self.next_serial.entry(c.prefix.clone()).or_insert(1);
        c.first = *next;
        c.last = *next + units as u64 - 1;
        *next += units as u64;
        self.certificates.insert(c.id.clone(), c);
        Ok(())
    }

    /// Splits `id` into `first_id` (first `units`) and `rest_id` (the remainder).
    pub fn split(
        &mut self,
        id: &str,
        me: &str,
        units: i64,
        first_id: &str,
        rest_id: &str,
        date: Date,
    ) -> Result<(), CocError> {
        let c = self.get_active(id, me)?.clone();
        if units <= 0 || units >= c.units() {
            return Err(CocError::Invalid(format!(
                "a split of `{id}` ({} units) needs 1 to {} units",
                c.units(),
                c.units() - 1
            )));
        }
        for new in [first_id, rest_id] {
            if self.certificates.contains_key(new) {
                return Err(CocError::Invalid(format!("certificate `{new}` already exists")));
            }
        }
        let mut a = c.clone();
        a.id = first_id.into();
        a.last = c.first + units as u64 - 1;
        a.history = vec![(date, format!("split from {id}"))];
        let mut b = c.clone();
        b.id = rest_id.into();
        b.first = a.last + 1;
        b.history = vec![(date, format!("split from {id}"))];
        let orig = self.certificates.get_mut(id).expect("checked");
        orig.state = CertState::Split;
        orig.history.push((date, format!("split into {first_id} and {rest_id}")));
        self.certificates.insert(a.id.clone(), a);
        self.certificates.insert(b.id.clone(), b);
        Ok(())
    }

    /// Books a certificate received from another holder.
    pub fn receive(
        &mut self,
        id: &str,
        from: &str,
        me: &str,
        block: &CertificateBlock,
        date: Date,
    ) -> Result<(), CocError> {
        if self.certificates.contains_key(id) {
            return Err(CocError::CertificateUnavailable(format!("certificate `{id}` is already in this book")));
        }
        if block.last < block.first {
            return Err(CocError::Invalid(format!("certificate `{id}` has an empty serial block")));
        }
        self.certificates.insert(
            id.to_string(),
            Certificate {
                id: id.to_string(),
                pool: block.pool.clone(),
                period: block.period,
                prefix: block.prefix.clone(),
                first: block.first,
                last: block.last,
                bundled_with: block.bundled_with.clone(),
                expires: block.expires,
                holder: me.to_string(),
                state: CertState::Active,
                history: vec![(date, format!("received from {from}"))],
                retirement: None,
            },
        );
        Ok(())
    }

    pub fn retire(
        &mut self,
        id: &str,
        me: &str,
        date: Date,
        retirement: (String, String, String),
    ) -> Result<(), CocError> {
        let c = self.get_active(id, me)?.clone();
        if c.expires.is_some_and(|e| date > e) {
            return Err(CocError::CertificateUnavailable(format!(
                "certificate `{id}` expired on {}",
                format_date(c.expires.expect("checked"))
            )));
        }
        for s in c.first..=c.last {
            if !self.retired_serials.insert((c.prefix.clone(), s)) {
                return Err(CocError::CertificateUnavailable(format!("unit {}-{s:08} was already retired", c.prefix)));
            }
        }
        let c = self.certificates.get_mut(id).expect("checked");
        c.state = CertState::Retired;
        c.history
            .push((date, format!("retired for {} ({}), claim period {}", retirement.0, retirement.1, retirement.2)));
        c.retirement = Some(retirement);
        Ok(())
    }

    pub fn set_state(
        &mut self,
        id: &str,
        me: &str,
        date: Date,
        state: CertState,
        note: String,
    ) -> Result<(), CocError> {
        self.get_active(id, me)?;
        let c = self.certificates.get_mut(id).expect("checked");
        c.state = state;
        c.history.push((date, note));
        Ok(())
    }
}
