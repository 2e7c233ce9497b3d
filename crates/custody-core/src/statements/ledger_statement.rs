//! The ledger statement (Table ES-1): beginning, activity and end by account.

use super::scope::{account_of, carbon_by_account, Scope};
use crate::chart::{Account, Side};
use crate::ledger::Ledger;
use crate::model::*;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub id: String,
    pub date: Option<Date>,
    pub kind: Option<TxKind>,
    pub description: String,
    /// One amount (gC) per column.
    pub amounts: Vec<i64>,
    pub stocks_total: i64,
    pub flows_total: i64,
    pub postings: Vec<Posting>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerStatement {
    pub scope: Scope,
    pub columns: Vec<Account>,
    pub beginning: LedgerRow,
    pub rows: Vec<LedgerRow>,
    pub ending: LedgerRow,
}

fn ledger_row(
    ledger: &Ledger,
    columns: &[Account],
    id: &str,
    tx: Option<&Transaction>,
    sums: &BTreeMap<String, i64>,
) -> LedgerRow {
    let amounts: Vec<i64> = columns.iter().map(|a| *sums.get(&a.code).unwrap_or(&0)).collect();
    let total =
        |side: Side| sums.iter().filter(|(c, _)| account_of(ledger, c).side == side).map(|(_, a)| *a).sum::<i64>();
    LedgerRow {
        id: id.to_string(),
        date: tx.map(|t| t.date),
        kind: tx.map(|t| t.kind),
        description: tx.map(|t| t.description.clone()).unwrap_or_default(),
        amounts,
        stocks_total: total(Side::Stock),
        flows_total: total(Side::Flow),
        postings: tx.map(|t| t.postings.clone()).unwrap_or_default(),
    }
}

pub fn ledger_statement(ledger: &Ledger, scope: &Scope) -> LedgerStatement {
    let txs = ledger.transactions();
    let begin = carbon_by_account(txs.iter().filter(|t| scope.is_beginning(t)));
    let activity: Vec<&Transaction> = txs.iter().filter(|t| scope.is_activity(t)).collect();
    let ending = carbon_by_account(txs.iter().filter(|t| scope.is_beginning(t) || scope.is_activity(t)));
    let mut used: BTreeMap<&str, bool> = BTreeMap::new();
    for (c, a) in begin.iter().chain(ending.iter()) {
        if *a != 0 {
            used.insert(c, true);
        }
    }
    for t in &activity {
        for p in &t.postings {
            used.insert(&p.account, true);
        }
    }
    let columns: Vec<Account> =
        ledger.chart().accounts().iter().filter(|a| used.contains_key(a.code.as_str())).cloned().collect();
    let rows = activity
        .iter()
        .map(|t| ledger_row(ledger, &columns, &t.id, Some(t), &carbon_by_account(std::iter::once(*t))))
        .collect();
    LedgerStatement {
        scope: scope.clone(),
        beginning: ledger_row(ledger, &columns, "beginning balance", None, &begin),
        ending: ledger_row(ledger, &columns, "ending balance", None, &ending),
        columns,
        rows,
    }
}
