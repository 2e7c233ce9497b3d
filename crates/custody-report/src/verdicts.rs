//! The verdicts of `custody assess` (documented in docs/claims.md).

use crate::number::{decimal, num};
use crate::output::Format;
use custody_core::exact::{self, Q};
use serde_json::{json, Value};
use std::fmt::Write;

/// Renders verdicts of `custody assess` (documented in docs/claims.md).
pub fn render_verdicts(
    footprint: &custody_core::claims::Footprint,
    claim: Option<&custody_core::claims::Claim>,
    verdicts: &[custody_core::claims::Verdict],
    format: Format,
) -> String {
    let pct = |q: Q| decimal(q * exact::q(100), 2);
    match format {
        Format::Text => {
            let mut t = format!(
                "Assessment of {} ({}): physical intensity {} tCO2e/t\n{}\n",
                footprint.product,
                footprint.material,
                decimal(footprint.intensity, 4),
                footprint.boundary_note
            );
            if !footprint.data_gaps.is_empty() {
                let _ = writeln!(
                    t,
                    "INCOMPLETE: no emission data for {}: the intensity is a lower bound and reaches no level",
                    footprint.data_gaps.join(", ")
                );
            }
            if let Some(c) = claim {
                let _ = writeln!(
                    t,
                    "Claim: {} at {} tCO2e/t{}",
                    c.kind.as_str(),
                    decimal(c.claimed_intensity, 4),
                    c.provisional.as_ref().map(|w| format!(" (PROVISIONAL: {w})")).unwrap_or_default()
                );
            }
            // One line per applicable framework first: the level reached, the next one and the gap.
            let _ = writeln!(t, "\nSummary:");
            for v in verdicts.iter().filter(|v| v.applicable) {
                let _ = writeln!(t, "  {}", summary(v));
            }
            for v in verdicts.iter().filter(|v| v.applicable) {
                let claim = match v.claim_recognised {
                    Some(true) => ", claim recognised",
                    Some(false) => ", claim NOT recognised",
                    None => "",
                };
                let _ = writeln!(t, "\n{} [{}]: {}{claim}", v.name, v.version, outcome(v));
                if let Some(s) = v.scrap_share {
                    let _ = writeln!(t, "  scrap share {}%", pct(s));
                }
                for r in &v.reasons {
                    let _ = writeln!(t, "  [{}] {}: {}", if r.ok { "ok" } else { "no" }, r.check, r.detail);
                }
                for n in &v.not_found {
                    let _ = writeln!(t, "  [not found] {n}");
                }
            }
            let inapplicable: Vec<String> =
                verdicts.iter().filter(|v| !v.applicable).map(|v| format!("{} [{}]", v.name, v.version)).collect();
            if !inapplicable.is_empty() {
                let _ = writeln!(t, "\nNot applicable to this product: {}", inapplicable.join(", "));
            }
            t
        }
        Format::Json | Format::Csv => {
            let verdicts: Vec<Value> = verdicts
                .iter()
                .map(|v| {
                    json!({
                        "framework": v.framework, "name": v.name, "version": v.version, "applicable": v.applicable,
                        "scrap_share": v.scrap_share.map(|s| num(s, 6)),
                        "intensity_tCO2e_per_t": num(v.intensity, custody_core::claims::decimals_against(v.intensity, v.levels.iter().map(|l| l.limit), 6)),
                        "levels": v.levels.iter().map(|l| json!({"name": l.name, "limit_tCO2e_per_t": num(l.limit, 6), "met": l.met})).collect::<Vec<_>>(),
                        "reached": v.reached, "claim_recognised": v.claim_recognised,
                        "claimed_quantity_t": v.claimed_quantity_t.map(|q| num(q, 6)),
                        "product_quantity_t": v.product_quantity_t.map(|q| num(q, 6)),
                        "reasons": v.reasons.iter().map(|r| json!({"check": r.check, "ok": r.ok, "detail": r.detail})).collect::<Vec<_>>(),
                        "not_found": v.not_found,
                    })
                })
                .collect();
            let mut value = json!({
                "product": footprint.product, "material": footprint.material,
                "physical_intensity_tCO2e_per_t": num(footprint.intensity, 6),
                "boundary": footprint.boundary_note,
                "claim": claim.map(|c| json!({"kind": c.kind.as_str(), "claimed_tCO2e_per_t": num(c.claimed_intensity, 6),
                    "provisional": c.provisional.is_some()})),
                "verdicts": verdicts,
            });
            // Only where there is a gap (a complete footprint's fields are unchanged).
            if !footprint.data_gaps.is_empty() {
                value["complete"] = json!(false);
                value["data_gaps"] = json!(footprint.data_gaps);
            }
            if format == Format::Csv {
                return crate::output::to_csv(&value);
            }
            serde_json::to_string_pretty(&value).expect("JSON values serialize") + "\n"
        }
    }
}

fn outcome(v: &custody_core::claims::Verdict) -> String {
    match (&v.reached, v.levels.is_empty()) {
        (_, true) => "no thresholds".to_string(),
        (Some(l), _) => format!("reaches {l}"),
        (None, _) => "reaches no level".to_string(),
    }
}

/// `NAME: reaches A; next B at 0.25 tCO2e/t, 0.07 to go` (levels run from the easiest up).
fn summary(v: &custody_core::claims::Verdict) -> String {
    let reached = v.reached.as_ref().and_then(|r| v.levels.iter().position(|l| &l.name == r));
    let next = match reached {
        Some(i) => v.levels.get(i + 1),
        None => v.levels.first(),
    };
    let next = match next {
        Some(l) if l.limit < v.intensity => format!(
            "; next: {} at {} tCO2e/t, a gap of {} tCO2e/t",
            l.name,
            decimal(l.limit, 4),
            decimal(v.intensity - l.limit, 4)
        ),
        Some(l) => format!("; next: {} at {} tCO2e/t", l.name, decimal(l.limit, 4)),
        None if v.levels.is_empty() => String::new(),
        None => "; the highest level".to_string(),
    };
    format!("{} [{}]: {} at {} tCO2e/t{next}", v.name, v.version, outcome(v), decimal(v.intensity, 4))
}
