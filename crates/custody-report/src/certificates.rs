//! The certificate registry: every unit's state and history.

use crate::table::{base, header, table};
use custody_core::model::format_date;
use custody_core::statements::Scope;
use custody_core::Ledger;
use serde_json::{json, Value};
use std::fmt::Write;

pub(crate) fn certificates(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let mut text = header(ledger, scope, "Certificate registry: every unit's state and history");
    let mut rows = vec![vec![
        "certificate".to_string(),
        "issuer".into(),
        "serials".into(),
        "units".into(),
        "pool".into(),
        "state".into(),
        "holder".into(),
        "bundled with".into(),
    ]];
    let mut out = Vec::new();
    for c in ledger.certificates().certificates.values() {
        rows.push(vec![
            c.reference(),
            c.issuer.clone(),
            format!("{:08}..{:08}", c.first, c.last),
            c.units().to_string(),
            format!("{} p{}", c.pool, c.period),
            c.state.as_str().into(),
            c.holder.clone(),
            c.bundled_with.clone().unwrap_or_else(|| "-".into()),
        ]);
        out.push(json!({
            "id": c.id, "named_by": c.named_by, "issuer": c.issuer, "pool": c.pool, "period": c.period,
            "first_serial": {"issuer": c.issuer, "pool": c.pool, "period": c.period, "number": c.first},
            "last_serial": {"issuer": c.issuer, "pool": c.pool, "period": c.period, "number": c.last}, "units": c.units(), "state": c.state.as_str(), "holder": c.holder,
            "bundled_with": c.bundled_with, "expires": c.expires.map(format_date),
            "retirement": c.retirement.as_ref().map(|(b, p, cp)| json!({"beneficiary": b, "purpose": p, "claim_period": cp})),
            "history": c.history.iter().map(|(d, e)| json!({"date": format_date(*d), "event": e})).collect::<Vec<_>>(),
        }));
    }
    text.push_str(&table(&rows));
    for c in ledger.certificates().certificates.values() {
        for (d, e) in &c.history {
            let _ = writeln!(text, "  {} {}: {e}", format_date(*d), c.reference());
        }
    }
    let mut m = base(ledger, scope, "certificates");
    m.insert("certificates".into(), Value::Array(out));
    (text, Value::Object(m))
}
