//! Targets by scope in the GHG inventory: absolute or per net revenue, against a base year
//! (stated, or a period of the ledger recomputed now), with the base-year recalculation policy's
//! significance threshold checked, and progress on a straight line from base year to target year
//! (the rule `report purchased-goods` uses for seed 000's supply-chain target).

use crate::esrs::revenue;
use crate::number::{decimal, fmt_amount, grams_to_tonnes, inventory_co2e, num};
use custody_core::exact::{self, Q};
use custody_core::model::{Target, TargetMeasure};
use custody_core::statements::{self as st, Scope};
use custody_core::Ledger;
use serde_json::{json, Value};
use std::fmt::Write;

/// The measure of a scope in g CO2e (per currency unit of net revenue for an intensity target,
/// with the currency), or why it cannot be known.
fn measured(ledger: &Ledger, scope: &Scope, t: &Target) -> Result<(Q, Option<String>), String> {
    let g = st::ghg_inventory(ledger, scope);
    let e = |m: &st::BySpecies, gas: &st::GasBySpecies| inventory_co2e(ledger, m, gas);
    let (s1, loc, mkt) = (
        e(&g.scope1.released, &g.scope1.released_gas),
        e(&g.scope2.location, &g.scope2.location_gas),
        e(&g.scope2.market, &g.scope2.market_gas),
    );
    let covered = |c: &&st::Scope3Category| c.status != st::Status::NotCovered;
    let s3: Q = g.scope3.iter().filter(covered).map(|c| e(&c.by_species, &c.gas)).sum();
    let value = match t.measure.expect("only scope targets are measured here") {
        TargetMeasure::Scope1 => s1,
        TargetMeasure::Scope2Location => loc,
        TargetMeasure::Scope2Market => mkt,
        TargetMeasure::Scope12Location => s1 + loc,
        TargetMeasure::Scope12Market => s1 + mkt,
        TargetMeasure::Scope3 => s3,
        TargetMeasure::Scope3Category(n) => {
            let c = g.scope3.iter().find(|c| c.category == n).expect("categories 1 to 15");
            if c.status == st::Status::NotCovered {
                return Err(format!("Scope 3 category {n} is not covered by the ledger"));
            }
            e(&c.by_species, &c.gas)
        }
        TargetMeasure::TotalLocation => s1 + loc + s3,
        TargetMeasure::TotalMarket => s1 + mkt + s3,
    };
    if !t.intensity {
        return Ok((value, None));
    }
    let (r, cur) = revenue(ledger, scope)?;
    Ok((value / r, Some(cur)))
}

/// Progress of every target with a `scope` over `scope`: text lines and JSON entries.
pub(crate) fn scope_targets(ledger: &Ledger, scope: &Scope) -> (String, Vec<Value>) {
    let mut text = String::new();
    let mut out = Vec::new();
    let tt = |x: Q| grams_to_tonnes(x);
    for t in ledger.targets().iter().filter(|t| t.measure.is_some()) {
        let what = t.measure.map(|m| m.as_string()).unwrap_or_default();
        let basis = if t.intensity { "intensity" } else { "absolute" };
        let from_ledger =
            t.baseline_period.as_ref().map(|p| Scope::resolve(ledger, Some(p)).and_then(|s| measured(ledger, &s, t)));
        let baseline = match (&t.baseline, &from_ledger) {
            (Some(b), _) => Ok((*b, "stated".to_string())),
            (None, Some(Ok((b, _)))) => Ok((*b, format!("period {}", t.baseline_period.clone().unwrap_or_default()))),
            (None, Some(Err(why))) => Err(why.clone()),
            (None, None) => Err("no baseline stated and no baseline-period".into()),
        };
        let current = measured(ledger, scope, t);
        let (baseline, source, (current, currency)) = match (baseline, current) {
            (Ok((b, src)), Ok(c)) if b > exact::q(0) => (b, src, c),
            (Ok(_), Ok(_)) => {
                let _ = writeln!(text, "\nTarget {}: MISSING a non-zero baseline", t.id);
                out.push(json!({"target": t.id, "scope": what, "basis": basis, "missing": "baseline is zero"}));
                continue;
            }
            (Err(why), _) | (_, Err(why)) => {
                let _ = writeln!(text, "\nTarget {}: MISSING {why}", t.id);
                out.push(json!({"target": t.id, "scope": what, "basis": basis, "missing": why}));
                continue;
            }
        };
        let year = scope.end.year();
        let required_now = if year <= t.baseline_year {
            exact::q(0)
        } else {
            t.reduction * Q::new((year.min(t.year) - t.baseline_year) as i128, (t.year - t.baseline_year) as i128)
        };
        let achieved = exact::q(1) - current / baseline;
        let on_track = achieved >= required_now;
        // Base-year recalculation: the ledger's own base-year figure against a stated baseline.
        let recalculation = match (t.recalculate_above, t.baseline.is_some(), &from_ledger) {
            (Some(th), true, Some(Ok((ledger_b, _)))) => {
                let diff = exact::abs_q(*ledger_b - baseline) / baseline;
                json!({"threshold": num(th, 6), "ledger_baseline_tCO2e": num(tt(*ledger_b), 6),
                       "difference": num(diff, 6), "required": diff > th})
            }
            (Some(th), _, _) => json!({"threshold": num(th, 6), "required": Value::Null,
                       "why": "needs both a stated baseline and a baseline-period to compare"}),
            (None, _, _) => Value::Null,
        };
        let unit = match &currency {
            Some(c) => format!("tCO2e per {c}"),
            None => "tCO2e".into(),
        };
        let places = if t.intensity { 9 } else { 0 };
        let _ = writeln!(
            text,
            "\nTarget {} ({}, {what}, {basis}): baseline {} {unit} ({}, {source}), this scope {} {unit}: {}% less; {}% by {} needs {}% by {year}: {}{}",
            t.id,
            t.name,
            fmt_amount(tt(baseline), places),
            t.baseline_year,
            fmt_amount(tt(current), places),
            decimal(achieved * exact::q(100), 1),
            decimal(t.reduction * exact::q(100), 1),
            t.year,
            decimal(required_now * exact::q(100), 1),
            if on_track { "on track" } else { "BEHIND" },
            if recalculation["required"] == true { "; BASE YEAR RECALCULATION REQUIRED" } else { "" }
        );
        out.push(json!({
            "target": t.id, "name": t.name, "scope": what, "basis": basis, "unit": unit,
            "baseline_tCO2e": num(tt(baseline), 12), "baseline_year": t.baseline_year, "baseline_source": source,
            "period_tCO2e": num(tt(current), 12), "reduction_achieved": num(achieved, 6),
            "reduction_target": num(t.reduction, 6), "target_year": t.year,
            "reduction_required_now": num(required_now, 6), "on_track": on_track, "recalculation": recalculation,
        }));
    }
    (text, out)
}
