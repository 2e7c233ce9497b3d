//! The carbon balance checks: the period check and the engineer's check on carbon content.

use crate::number::{decimal, fmt_amount, t_c, tonnes};
use crate::table::{base, header, table};
use custody_core::exact::{self, Q};
use custody_core::statements::{self as st, Scope};
use custody_core::Ledger;
use serde_json::{json, Value};
use std::fmt::Write;

pub(crate) fn carbon_balance(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let c = st::carbon_balance(ledger, scope);
    let mut text = header(ledger, scope, "Carbon balance checks, tonnes of carbon");
    let mut rows = vec![vec!["Period check".to_string(), "tC".into()]];
    rows.push(vec!["Opening carbon stocks".into(), fmt_amount(tonnes(c.opening_stocks), 3)]);
    rows.push(vec!["Closing carbon stocks".into(), fmt_amount(tonnes(c.closing_stocks), 3)]);
    rows.push(vec!["Change in stocks".into(), fmt_amount(tonnes(c.closing_stocks - c.opening_stocks), 3)]);
    for (a, v) in &c.flows {
        if *v != 0 {
            rows.push(vec![format!("  {} ({})", a.name, a.code), fmt_amount(tonnes(*v), 3)]);
        }
    }
    rows.push(vec!["Net flows".into(), fmt_amount(tonnes(c.net_flows), 3)]);
    rows.push(vec![
        "Closing - opening = net flows".into(),
        if c.period_check() { "holds".into() } else { "FAILS".into() },
    ]);
    rows.push(vec![String::new(), String::new()]);
    rows.push(vec!["Engineer's check on carbon content".into(), "tC".into()]);
    rows.push(vec!["Content transferred in".into(), fmt_amount(tonnes(c.content_in), 3)]);
    rows.push(vec!["Content emitted as gases (direct emissions)".into(), fmt_amount(tonnes(c.content_emitted), 3)]);
    rows.push(vec!["Content transferred out with products".into(), fmt_amount(tonnes(c.content_out), 3)]);
    rows.push(vec!["Change in content held".into(), fmt_amount(tonnes(c.content_stock_change), 3)]);
    rows.push(vec![
        "In - emitted + out = change held".into(),
        if c.content_check() { "holds".into() } else { "FAILS".into() },
    ]);
    text.push_str(&table(&rows));
    if !c.closures.is_empty() {
        let _ = writeln!(text, "\nProduction closure (WIP content against measured output content):");
        for (id, wip, measured, closure) in &c.closures {
            let pct = if *wip != 0 { Q::new(*closure as i128 * 100, *wip as i128) } else { exact::q(0) };
            let _ = writeln!(
                text,
                "  {id}: WIP content {} tC, measured outputs {} tC, closure {} tC ({}%), allocated pro rata to measured content",
                fmt_amount(tonnes(*wip), 3),
                fmt_amount(tonnes(*measured), 3),
                fmt_amount(tonnes(*closure), 3),
                decimal(pct, 2)
            );
        }
    }
    let mut m = base(ledger, scope, "carbon-balance");
    m.insert("opening_stocks_tC".into(), t_c(c.opening_stocks));
    m.insert("closing_stocks_tC".into(), t_c(c.closing_stocks));
    m.insert("net_flows_tC".into(), t_c(c.net_flows));
    m.insert("period_check".into(), json!(c.period_check()));
    m.insert(
        "flows".into(),
        Value::Array(c.flows.iter().map(|(a, v)| json!({"code": a.code, "name": a.name, "net_tC": t_c(*v)})).collect()),
    );
    m.insert(
        "content".into(),
        json!({
            "in_tC": t_c(c.content_in), "emitted_tC": t_c(c.content_emitted), "out_tC": t_c(c.content_out),
            "stock_change_tC": t_c(c.content_stock_change), "check": c.content_check(),
        }),
    );
    m.insert(
        "closures".into(),
        Value::Array(
            c.closures
                .iter()
                .map(|(id, w, me, cl)| json!({"transaction": id, "wip_content_tC": t_c(*w), "measured_content_tC": t_c(*me), "closure_tC": t_c(*cl)}))
                .collect(),
        ),
    );
    (text, Value::Object(m))
}
