//! Assessing a footprint and a claim against one framework: the verdict with every reason.

use super::footprint::{Claim, Footprint};
use super::framework::{ClaimKind, Framework, ScrapDefinition, Stance};
use crate::exact::{self, Q};

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
