//! The purchased goods statement: emissions bought in by supplier and claim type, and target progress.

use crate::number::{co2e_of_gas, decimal, fmt_amount, gas_in, grams_to_tonnes, num};
use crate::table::{base, header, table};
use custody_core::exact::{self, Q};
use custody_core::statements::{self as st, Scope};
use custody_core::units::Species;
use custody_core::Ledger;
use serde_json::{json, Value};
use std::fmt::Write;

fn purchased_co2e(ledger: &Ledger, scope: &Scope) -> (st::PurchasedGoods, Q) {
    let pg = st::purchased_goods(ledger, scope);
    // The physical view: every line, and the physical part of transfers received with a claim.
    let total = pg.lines.iter().map(|(_, _, m)| co2e_of_gas(ledger, m)).sum::<Q>()
        + pg.claimed.iter().map(|c| co2e_of_gas(ledger, &c.physical)).sum::<Q>();
    (pg, total)
}

pub(crate) fn purchased_goods(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let mut text = header(ledger, scope, "Purchased goods: emissions bought in, by supplier and claim type");
    let (pg, total) = purchased_co2e(ledger, scope);
    let t = grams_to_tonnes;
    let mut rows = vec![vec!["supplier".to_string(), "claim type".into(), "tCO2".into(), "tCO2e".into()]];
    let mut lines = Vec::new();
    let mut by_type: std::collections::BTreeMap<&str, Q> = std::collections::BTreeMap::new();
    for (supplier, kind, m) in &pg.lines {
        let e = co2e_of_gas(ledger, m);
        *by_type.entry(kind).or_insert_with(|| exact::q(0)) += e;
        rows.push(vec![
            supplier.clone(),
            kind.to_string(),
            fmt_amount(t(gas_in(m, Species::CO2)), 2),
            fmt_amount(t(e), 2),
        ]);
        lines.push(json!({"supplier": supplier, "claim_type": kind, "tCO2": num(t(gas_in(m, Species::CO2)), 6), "tCO2e": num(t(e), 6),
            "physical_tCO2e": num(t(e), 6), "claimed_tCO2e": num(t(e), 6), "claim": null}));
    }
    // Transfers received with a seller's pool claim: physical and claimed side by side.
    let mut claimed_total = total;
    for c in &pg.claimed {
        let e = co2e_of_gas(ledger, &c.physical);
        let claimed = Q::from_integer(c.claimed_g as i128);
        claimed_total += claimed - e;
        *by_type.entry(c.claim_type).or_insert_with(|| exact::q(0)) += e;
        rows.push(vec![
            c.supplier.clone(),
            format!(
                "{} ({} {} period {}{})",
                c.claim_type,
                c.kind.as_str(),
                c.pool,
                c.period,
                if c.closed { "" } else { ", provisional: period open" }
            ),
            fmt_amount(t(gas_in(&c.physical, Species::CO2)), 2),
            format!("{} (claimed {})", fmt_amount(t(e), 2), fmt_amount(t(claimed), 2)),
        ]);
        lines.push(json!({"supplier": c.supplier, "claim_type": c.claim_type, "tCO2": num(t(gas_in(&c.physical, Species::CO2)), 6),
            "tCO2e": num(t(e), 6), "physical_tCO2e": num(t(e), 6), "claimed_tCO2e": num(t(claimed), 6),
            "quantity_t": num(Q::new(c.quantity as i128, 1_000_000), 6),
            "claim": {"supplier": c.supplier, "pool": c.pool, "period": c.period, "method": c.method.as_str(),
                "attribution": c.attribution.as_str(), "kind": c.kind.as_str(), "closed": c.closed,
                "provisional": !c.closed}}));
    }
    rows.push(vec!["Total purchased goods".into(), String::new(), String::new(), fmt_amount(t(total), 2)]);
    if !pg.claimed.is_empty() {
        rows.push(vec!["Total, claimed view".into(), String::new(), String::new(), fmt_amount(t(claimed_total), 2)]);
    }
    text.push_str(&table(&rows));
    for (k, e) in &by_type {
        let _ = writeln!(text, "  {k}: {} tCO2e", fmt_amount(t(*e), 2));
    }
    if !pg.data_gaps.is_empty() {
        let _ = writeln!(
            text,
            "\nData gaps (purchases with no emission figure: unknown, not zero; the total above omits them):"
        );
        for (supplier, purchase) in &pg.data_gaps {
            let _ = writeln!(text, "  {supplier}: purchase {purchase}: missing");
        }
    }
    if !pg.certificates.is_empty() {
        let _ =
            writeln!(text, "\nCertificates received (mass-balance credits and certificates; instruments, not netted):");
        for (id, from, units, pool) in &pg.certificates {
            let _ = writeln!(text, "  {id} from {from}: {units} units of pool {pool}");
        }
    }
    let (progress_text, progress) = target_progress(ledger, scope, total);
    text.push_str(&progress_text);
    let mut m = base(ledger, scope, "purchased-goods");
    m.insert("lines".into(), Value::Array(lines));
    m.insert(
        "by_claim_type".into(),
        Value::Object(by_type.iter().map(|(k, e)| (k.to_string(), num(t(*e), 6))).collect()),
    );
    m.insert("total_tCO2e".into(), num(t(total), 6));
    m.insert("total_physical_tCO2e".into(), num(t(total), 6));
    m.insert("total_claimed_tCO2e".into(), num(t(claimed_total), 6));
    m.insert("complete".into(), Value::Bool(pg.data_gaps.is_empty()));
    m.insert(
        "data_gaps".into(),
        Value::Array(
            pg.data_gaps
                .iter()
                .map(|(supplier, purchase)| json!({"supplier": supplier, "purchase": purchase, "missing": "emissions", "tCO2e": null}))
                .collect(),
        ),
    );
    m.insert(
        "certificates_received".into(),
        Value::Array(
            pg.certificates
                .iter()
                .map(|(id, from, units, pool)| json!({"certificate": id, "from": from, "units": units, "pool": pool}))
                .collect(),
        ),
    );
    m.insert("targets".into(), Value::Array(progress));
    (text, Value::Object(m))
}

/// Progress of the ledger's purchased-goods targets (seed 000's supply-chain target) in the
/// period: `total` is the period's purchased goods in g CO2e. Text lines and JSON entries; the
/// GHG inventory shows the same entries (`report ghg-inventory`, `targets`).
pub(crate) fn target_progress(ledger: &Ledger, scope: &Scope, total: Q) -> (String, Vec<Value>) {
    let t = grams_to_tonnes;
    let mut text = String::new();
    let mut progress = Vec::new();
    for target in ledger.targets().iter().filter(|t| t.measure.is_none()) {
        let baseline = match (&target.baseline, &target.baseline_period) {
            (Some(b), _) => Some(*b),
            (None, Some(p)) => Scope::resolve(ledger, Some(p)).ok().map(|s| purchased_co2e(ledger, &s).1),
            (None, None) => None,
        };
        let year = scope.end.year();
        let required_now = if year <= target.baseline_year {
            exact::q(0)
        } else {
            target.reduction
                * Q::new(
                    (year.min(target.year) - target.baseline_year) as i128,
                    (target.year - target.baseline_year) as i128,
                )
        };
        match baseline.filter(|b| *b > exact::q(0)) {
            Some(b) => {
                let achieved = exact::q(1) - total / b;
                let on_track = achieved >= required_now;
                let _ = writeln!(
                    text,
                    "\nTarget {} ({}): baseline {} tCO2e ({}), this period {} tCO2e: {}% less; {}% by {} needs {}% by {year} on a straight line: {}",
                    target.id,
                    target.name,
                    fmt_amount(t(b), 0),
                    target.baseline_year,
                    fmt_amount(t(total), 0),
                    decimal(achieved * exact::q(100), 1),
                    decimal(target.reduction * exact::q(100), 1),
                    target.year,
                    decimal(required_now * exact::q(100), 1),
                    if on_track { "on track" } else { "BEHIND" }
                );
                progress.push(json!({
                    "target": target.id, "name": target.name, "baseline_tCO2e": num(t(b), 6), "baseline_year": target.baseline_year,
                    "period_tCO2e": num(t(total), 6), "reduction_achieved": num(achieved, 6), "reduction_target": num(target.reduction, 6),
                    "target_year": target.year, "reduction_required_now": num(required_now, 6), "on_track": on_track,
                }));
            }
            None => {
                let _ = writeln!(
                    text,
                    "\nTarget {}: MISSING baseline (period without purchases or not defined)",
                    target.id
                );
                progress.push(json!({"target": target.id, "missing": "baseline"}));
            }
        }
    }
    (text, progress)
}

/// Purchased goods of a scope in g CO2e (the figure targets are measured on).
pub(crate) fn purchased_total(ledger: &Ledger, scope: &Scope) -> Q {
    purchased_co2e(ledger, scope).1
}
