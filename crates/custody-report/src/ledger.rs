//! The carbon ledger statement (Table ES-1 layout).

use crate::number::{fmt_tc, t_c};
use crate::table::{base, header, table};
use custody_core::model::format_date;
use custody_core::statements::{self as st, Scope};
use custody_core::Ledger;
use serde_json::{json, Map, Value};
use std::fmt::Write;

pub(crate) fn ledger_statement(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let s = st::ledger_statement(ledger, scope);
    let mut rows = vec![{
        let mut h = vec!["transaction".to_string()];
        h.extend(s.columns.iter().map(|a| a.code.clone()));
        h.extend(["stocks".to_string(), "flows".to_string()]);
        h
    }];
    let row_cells = |r: &st::LedgerRow| {
        let mut c = vec![r.id.clone()];
        c.extend(r.amounts.iter().map(|a| fmt_tc(*a)));
        c.extend([fmt_tc(r.stocks_total), fmt_tc(r.flows_total)]);
        c
    };
    rows.push(row_cells(&s.beginning));
    rows.extend(s.rows.iter().map(row_cells));
    rows.push(row_cells(&s.ending));
    let mut text = header(ledger, scope, "Carbon ledger (Table ES-1 layout), tonnes of carbon");
    text.push_str(&table(&rows));
    text.push_str("\nAccounts:\n");
    for a in &s.columns {
        let _ = writeln!(text, "  {:<22} {:<5}  {}", a.code, a.side.as_str(), a.name);
    }
    let row_json = |r: &st::LedgerRow| {
        let amounts: Map<String, Value> =
            s.columns.iter().zip(&r.amounts).map(|(a, v)| (a.code.clone(), t_c(*v))).collect();
        let postings: Vec<Value> = r
            .postings
            .iter()
            .map(|p| {
                json!({
                    "account": p.account.as_str(), "species": p.species.as_str(), "amount_gC": p.amount,
                    "item": p.dims.item.as_deref(), "lot": p.dims.lot.as_deref(), "site": p.dims.site.as_deref(),
                    "origin": p.dims.origin.map(|o| o.as_str()), "counterparty": p.dims.counterparty.as_deref(),
                })
            })
            .collect();
        json!({
            "id": r.id, "date": r.date.map(format_date), "kind": r.kind.map(|k| k.as_str()),
            "description": r.description, "amounts_tC": amounts,
            "stocks_total_tC": t_c(r.stocks_total), "flows_total_tC": t_c(r.flows_total),
            "postings": postings,
        })
    };
    let mut m = base(ledger, scope, "ledger");
    m.insert(
        "columns".into(),
        Value::Array(
            s.columns.iter().map(|a| json!({"code": a.code, "name": a.name, "side": a.side.as_str()})).collect(),
        ),
    );
    m.insert("beginning".into(), row_json(&s.beginning));
    m.insert("rows".into(), Value::Array(s.rows.iter().map(row_json).collect()));
    m.insert("ending".into(), row_json(&s.ending));
    (text, Value::Object(m))
}
