//! The summary of account balances at period end (Figure 7).

use crate::number::{fmt_amount, fmt_tc, t_c, tonnes};
use crate::table::{base, header, table};
use custody_core::statements::{self as st, Scope};
use custody_core::Ledger;
use serde_json::{json, Value};
use std::fmt::Write;

pub(crate) fn balances(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    render(ledger, scope, &st::balances(ledger, scope))
}

/// The statement of `b` as text and JSON; `ledger` gives the entity for the header (its
/// transactions are not read: `b` may have been folded from a stream, `crate::render_balances`).
pub(crate) fn render(ledger: &Ledger, scope: &Scope, b: &st::Balances) -> (String, Value) {
    let mut rows = vec![vec!["account".to_string(), "side".to_string(), "tC".to_string()]];
    for (a, bal) in &b.accounts {
        rows.push(vec![format!("{} ({})", a.name, a.code), a.side.as_str().to_string(), fmt_tc(*bal)]);
    }
    rows.push(vec![String::new(); 3]);
    for (label, v) in [
        ("Total emissions held (stock)", b.stock_emissions),
        ("Total carbon content held (stock)", b.stock_content),
        ("Total carbon stock", b.stocks_total),
        ("Total emissions flow", b.flow_emissions),
        ("Total carbon content flow", b.flow_content),
        ("Total abatement flow (sequestration)", b.flow_sequestered),
        ("Total carbon flow", b.flows_total),
    ] {
        rows.push(vec![label.to_string(), String::new(), fmt_tc(v)]);
    }
    let mut text = header(ledger, scope, "Summary of account balances at period end (Figure 7), tonnes of carbon");
    text.push_str(&table(&rows));
    for (a, sp, g) in &b.gases {
        let _ = writeln!(
            text,
            "{} ({}): {} t {sp} (non-carbon gas, own balance)",
            a.name,
            a.code,
            fmt_amount(tonnes(*g), 3)
        );
    }
    let _ = writeln!(
        text,
        "\nStocks {} the flows: {}",
        if b.stocks_total == b.flows_total { "equal" } else { "DO NOT EQUAL" },
        fmt_tc(b.stocks_total)
    );
    let mut m = base(ledger, scope, "balances");
    m.insert(
        "accounts".into(),
        Value::Array(
            b.accounts
                .iter()
                .map(|(a, bal)| {
                    json!({"code": a.code, "name": a.name, "side": a.side.as_str(), "role": a.role.as_str(),
                           "balance_gC": bal, "balance_tC": t_c(*bal)})
                })
                .collect(),
        ),
    );
    m.insert(
        "non_carbon_gases".into(),
        Value::Array(
            b.gases.iter().map(|(a, sp, g)| json!({"code": a.code, "species": sp.as_str(), "balance_g": g})).collect(),
        ),
    );
    for (k, v) in [
        ("stocks_total", b.stocks_total),
        ("flows_total", b.flows_total),
        ("stock_emissions", b.stock_emissions),
        ("stock_content", b.stock_content),
        ("flow_emissions", b.flow_emissions),
        ("flow_content", b.flow_content),
        ("flow_sequestered", b.flow_sequestered),
    ] {
        m.insert(format!("{k}_tC"), t_c(v));
        m.insert(format!("{k}_gC"), json!(v));
    }
    m.insert("balanced".into(), json!(b.stocks_total == b.flows_total));
    (text, Value::Object(m))
}
