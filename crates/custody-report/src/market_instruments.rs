//! Market instruments reported beside the physical ledger, never netted into it.

use crate::number::{decimal, factor, fmt_amount, num, tonnes};
use crate::table::{base, header};
use custody_core::model::format_date;
use custody_core::statements::Scope;
use custody_core::Ledger;
use serde_json::{json, Value};
use std::fmt::Write;

pub(crate) fn market_instruments(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let mut text = header(ledger, scope, "Market instruments, beside the physical ledger");
    let _ = writeln!(
        text,
        "None of these changes a physical footprint: they are reported here, never netted into the ledger.\n"
    );
    let in_scope = |d: custody_core::model::Date| d >= scope.start && d <= scope.end;
    let mut avoided = Vec::new();
    for a in ledger.avoided().iter().filter(|a| in_scope(a.date)) {
        let _ = writeln!(
            text,
            "Avoided-emission certificate {} ({}): {} tCO2e avoided = (baseline {} - actual {} tCO2e/t) x {} t; project \"{}\"{}. \
             Avoided-emissions accounting against a baseline, not embodied emissions.",
            a.id,
            a.basis.as_str(),
            fmt_amount(tonnes(a.avoided), 3),
            decimal(a.baseline, 4),
            decimal(a.actual, 4),
            fmt_amount(tonnes(a.quantity), 3),
            a.project,
            a.allocated_to.as_ref().map(|x| format!(", allocated to {x}")).unwrap_or_default()
        );
        avoided.push(json!({
            "id": a.id, "date": format_date(a.date), "kind": "avoided-emission certificate", "basis": a.basis.as_str(),
            "project": a.project, "baseline_tCO2e_per_t": factor(a.baseline), "actual_tCO2e_per_t": factor(a.actual),
            "quantity_t": num(tonnes(a.quantity), 6), "avoided_tCO2e": num(tonnes(a.avoided), 6), "allocated_to": a.allocated_to,
            "what_it_is": "avoided-emissions accounting against a baseline; never part of a physical footprint",
        }));
    }
    let mut obtained = Vec::new();
    for i in ledger.instruments().iter().filter(|i| in_scope(i.date)) {
        let _ = writeln!(
            text,
            "Obtained {} {}: {} tCO2e (not netted into emissions)",
            i.kind.as_str(),
            i.id,
            fmt_amount(tonnes(i.co2e_g), 3)
        );
        obtained.push(json!({"id": i.id, "date": format_date(i.date), "kind": i.kind.as_str(), "tCO2e": num(tonnes(i.co2e_g), 6)}));
    }
    let mut by_state: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for c in ledger.certificates().certificates.values().filter(|c| c.state != custody_core::coc::CertState::Split) {
        let n = by_state.entry(c.state.as_str()).or_default();
        *n = n.saturating_add(c.units());
    }
    for (s, u) in &by_state {
        let _ = writeln!(text, "Mass-balance certificate units {s}: {u}");
    }
    let mut m = base(ledger, scope, "market-instruments");
    m.insert("avoided_emission_certificates".into(), Value::Array(avoided));
    m.insert("instruments_obtained".into(), Value::Array(obtained));
    m.insert("certificate_units_by_state".into(), json!(by_state));
    (text, Value::Object(m))
}
