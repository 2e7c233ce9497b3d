//! Assessing a footprint and a claim against one framework: the verdict with every reason.

use super::footprint::{Claim, Footprint};
use super::framework::{ClaimKind, Comparison, Framework, ScrapDefinition, Stance};
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
    /// Tonnes of product the claim covers in this verdict (the rest at the physical factor).
    pub claimed_quantity_t: Option<Q>,
    /// Tonnes of product assessed, if known.
    pub product_quantity_t: Option<Q>,
}

fn fmt(q: Q) -> String {
    exact::format_decimal(q, 4)
}

/// Decimals that show `x` on the same side of every limit as its exact value (at least `min`,
/// at most 18), so a figure printed beside a verdict never reads false ("3 < 3" for 2.9999999).
pub fn decimals_against(x: Q, limits: impl IntoIterator<Item = Q>, min: u32) -> u32 {
    let limits: Vec<Q> = limits.into_iter().collect();
    let mut d = min;
    while d < 18 {
        let shown = exact::round_half_even(x * Q::from_integer(10i128.pow(d)));
        let shown = Q::new(shown, 10i128.pow(d));
        if limits.iter().all(|l| shown.cmp(l) == x.cmp(l)) {
            break;
        }
        d += 1;
    }
    d
}

fn fmt_pct(s: Q) -> String {
    exact::format_decimal(s * exact::q(100), 2)
}

fn tonnes(g: i64) -> Q {
    exact::q(g as i128) / exact::q(1_000_000)
}

/// Assesses a footprint, and a claim on it, against one framework.
pub fn assess(f: &Framework, fp: &Footprint, claim: Option<&Claim>) -> Verdict {
    let mut reasons = Vec::new();
    let mut push = |check: &'static str, ok: bool, detail: String| reasons.push(Reason { check, ok, detail });
    let applicable = f.material == fp.material || f.material == "any";
    push("material", applicable, format!("framework for {}, product is {}", f.material, fp.material));
    // Unknown never helps the claimant: a scrap share not stated (and not set by the framework's
    // own default) or outside 0..1 places the product nowhere on the scale.
    let in_range = |s: &Q| *s >= exact::q(0) && *s <= exact::q(1);
    let (scrap_share, defaulted) = match (f.scrap, fp.scrap_share) {
        (ScrapDefinition::None, _) => (None, false),
        (_, Some(s)) => (Some(s), false),
        (def, None) => match fp.ferrous.share(def) {
            Some(s) => (Some(s), false),
            None => (f.default_scrap_share, f.default_scrap_share.is_some()),
        },
    };
    let mut facts_known = true;
    if f.scrap != ScrapDefinition::None {
        match scrap_share {
            Some(s) if in_range(&s) => push(
                "scrap share",
                true,
                match (defaulted, &f.default_scrap_share_source) {
                    (true, Some(src)) => format!("{}% by the framework's own default ({src})", fmt_pct(s)),
                    _ => format!("{}% by the {} definition", fmt_pct(s), f.scrap.as_str()),
                },
            ),
            Some(s) => {
                facts_known = false;
                push("scrap share", false, format!("{}% is outside 0..100%: no level", fmt_pct(s)));
            }
            None => {
                facts_known = false;
                push(
                    "scrap share",
                    false,
                    "no ferrous inputs stated and no default: cannot place the product on the scale".into(),
                )
            }
        }
    }
    if fp.intensity < exact::q(0) {
        facts_known = false;
        push(
            "intensity",
            false,
            format!("{} tCO2e/t is below zero: an intensity is never negative", fmt(fp.intensity)),
        );
    }
    // Missing is not zero: a product made from material without emission data has an
    // intensity that is only a lower bound, and a lower bound places it on no level.
    if !fp.data_gaps.is_empty() {
        facts_known = false;
        push(
            "data gap",
            false,
            format!(
                "no emission data for {}: the intensity is a lower bound, incomplete: no level",
                fp.data_gaps.join(", ")
            ),
        );
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
    let mut claimed_quantity_t = None;
    let mut blended = None;
    if let Some(c) = claim {
        let stance = match c.kind {
            ClaimKind::Physical => Stance::Accepted,
            ClaimKind::MassBalanceChainOfCustody => f.custody.mass_balance_chain_of_custody,
            ClaimKind::MassBalanceCredit => f.custody.mass_balance_credit,
            ClaimKind::BookAndClaim => f.custody.book_and_claim,
        };
        let mut ok = matches!(stance, Stance::Accepted | Stance::AcceptedWithPrinciples);
        push("claim type", ok, format!("{} claims: {}", c.kind.as_str(), stance.as_str()));
        if !c.declared_inputs.is_empty() {
            // A flag, not a refusal: the verdict says what the claim rests on.
            push(
                "declared inputs",
                false,
                format!(
                    "the pool's inputs {} were declared, not taken from the ledger: the claim rests on figures no ledger proves",
                    c.declared_inputs.join(", ")
                ),
            );
        }
        if let Some(why) = &c.provisional {
            // A flag, not a refusal: the residual the rest carries may still change.
            push("provisional", false, format!("provisional: {why}"));
        }
        // A claim is bound to its product: never used for an item it was not made for.
        if !c.items.is_empty() {
            let fine = c.items.contains(&fp.product);
            ok &= fine;
            push(
                "claimed product",
                fine,
                format!("the claim is for {}; the product is {}", c.items.join(", "), fp.product),
            );
        }
        if c.claimed_intensity < exact::q(0) {
            ok = false;
            push("claimed intensity", false, format!("{} is below zero", fmt(c.claimed_intensity)));
        }
        // No stacking, everywhere: no output below the cleanest input that entered the pool.
        match c.lowest_input {
            Some(low) => {
                let fine = c.claimed_intensity >= low;
                ok &= fine;
                push(
                    "no stacking",
                    fine,
                    format!("claimed {} against lowest input {}", fmt(c.claimed_intensity), fmt(low)),
                );
            }
            None if c.kind == ClaimKind::MassBalanceChainOfCustody => {
                ok = false;
                push("no stacking", false, "the pool's lowest input is not stated: the line cannot be checked".into());
            }
            None => {}
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
                let fine = c.non_proportional == Some(false);
                ok &= fine;
                push(
                    "attribution",
                    fine,
                    match c.non_proportional {
                        Some(true) => "non-proportional attribution is not accepted".into(),
                        Some(false) => "proportional".into(),
                        None => "attribution not stated".into(),
                    },
                );
            }
            if let Some(max) = r.max_period_months {
                let fine = c.period_months.is_some_and(|m| m <= max);
                ok &= fine;
                push(
                    "period length",
                    fine,
                    match c.period_months {
                        Some(m) => format!("{m} months (at most {max})"),
                        None => format!("not stated (at most {max})"),
                    },
                );
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
                let fine = c.model.is_some_and(|m| r.models.contains(&m));
                ok &= fine;
                push(
                    "custody model",
                    fine,
                    match c.model {
                        Some(m) => format!("{} ({})", m.as_str(), if fine { "allowed" } else { "not allowed" }),
                        None => "not stated".into(),
                    },
                );
            }
        }
        if c.kind == ClaimKind::MassBalanceCredit {
            push(
                "instrument",
                true,
                "avoided-emissions accounting (a credit), not embodied emissions of the product".into(),
            );
        }
        // A claim covers the quantity it claims, never more: the rest at the physical factor.
        if ok {
            match (c.quantity, fp.quantity) {
                (Some(cq), Some(pq)) if pq > 0 => {
                    let covered = cq.clamp(0, pq);
                    // The rest at the physical factor, or the pool's residual where that is higher.
                    let rest = c.residual.map_or(fp.intensity, |r| r.max(fp.intensity));
                    claimed_quantity_t = Some(tonnes(covered));
                    if covered < pq {
                        push(
                            "claimed quantity",
                            true,
                            format!(
                                "{} t of {} t at {}, the other {} t at {} ({})",
                                fmt(tonnes(covered)),
                                fmt(tonnes(pq)),
                                fmt(c.claimed_intensity),
                                fmt(tonnes(pq - covered)),
                                fmt(rest),
                                if rest > fp.intensity { "the pool's residual" } else { "physical" }
                            ),
                        );
                    }
                    blended = Some(
                        (c.claimed_intensity * exact::q(covered as i128) + rest * exact::q((pq - covered) as i128))
                            / exact::q(pq as i128),
                    );
                }
                (Some(_), _) => {
                    ok = false;
                    push(
                        "claimed quantity",
                        false,
                        "the product's quantity is not known: the claim's share of it cannot be bound".into(),
                    );
                }
                (None, _) => {}
            }
        }
        claim_recognised = Some(ok);
        if ok {
            intensity = blended.unwrap_or(c.claimed_intensity);
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
            LevelResult {
                name: l.name.clone(),
                limit,
                met: applicable && facts_known && f.comparison.holds(intensity, limit),
            }
        })
        .collect();
    for l in &levels {
        // The relation as it is (never a false statement such as `0.32 < 0.25`), then the outcome.
        let holds = f.comparison.holds(intensity, l.limit);
        // Enough decimals that the figure shown sits on the same side of the limit as the exact one.
        let shown = exact::format_decimal(intensity, decimals_against(intensity, [l.limit], 4));
        let relation = match (f.comparison, holds) {
            (Comparison::AtMost, true) => "≤",
            (Comparison::AtMost, false) => ">",
            (Comparison::Below, true) => "<",
            (Comparison::Below, false) => "≥",
        };
        let outcome = match (l.met, holds) {
            (true, _) => "met",
            (false, true) => "not met (not applicable, or facts missing)",
            (false, false) => "not met",
        };
        push("threshold", l.met, format!("{}: {shown} {relation} {} tCO2e/t: {outcome}", l.name, fmt(l.limit)));
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
        claimed_quantity_t,
        product_quantity_t: fp.quantity.map(tonnes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_beside_a_verdict_never_reads_false() {
        // Field case 20 b: 2.9999999 < 3 is met, and shown with the decimals that make it read so.
        let x = Q::new(29_999_999, 10_000_000);
        let d = decimals_against(x, [exact::q(3)], 4);
        assert_eq!(exact::format_decimal(x, d), "2.9999999");
        // Far from every limit, the minimum is enough; exactly at a limit too.
        assert_eq!(decimals_against(Q::new(25, 10), [exact::q(3)], 4), 4);
        assert_eq!(decimals_against(exact::q(3), [exact::q(3)], 4), 4);
    }
}
