//! Layout helpers shared by every renderer: the text header and JSON envelope of a statement,
//! and the aligned text table.

use custody_core::model::format_date;
use custody_core::statements::Scope;
use custody_core::Ledger;
use serde_json::{json, Map, Value};
use std::fmt::Write;

pub(crate) fn header(ledger: &Ledger, scope: &Scope, title: &str) -> String {
    format!(
        "{}\n{title}\nPeriod {} ({} to {}); carbon ratios {}, GWP100 {}\n\n",
        ledger.entity().name,
        scope.period,
        format_date(scope.start),
        format_date(scope.end),
        ledger.entity().ratios.as_str(),
        ledger.entity().gwp.as_str().to_uppercase()
    )
}

pub(crate) fn base(ledger: &Ledger, scope: &Scope, statement: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("statement".into(), json!(statement));
    m.insert("entity".into(), json!(ledger.entity().id));
    m.insert("period".into(), json!(scope.period));
    m.insert("from".into(), json!(format_date(scope.start)));
    m.insert("to".into(), json!(format_date(scope.end)));
    m.insert("carbon_ratios".into(), json!(ledger.entity().ratios.as_str()));
    m.insert("gwp".into(), json!(ledger.entity().gwp.as_str()));
    m
}

/// Renders rows as aligned columns; the first column left-aligned, the rest right-aligned.
pub(crate) fn table(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..n).map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i == 0 {
                let _ = write!(line, "{c:<w$}", w = widths[0]);
            } else {
                let _ = write!(line, "  {c:>w$}", w = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
