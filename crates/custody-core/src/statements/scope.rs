//! The period a statement covers, and helpers every statement shares (reversal chains, effective
//! kind, accounts, carbon totals by account).

use crate::chart::Account;
use crate::ledger::Ledger;
use crate::model::*;
use std::collections::BTreeMap;

/// The period a statement covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub period: String,
    pub start: Date,
    pub end: Date,
}

impl Scope {
    /// The named period, or the last defined period.
    pub fn resolve(ledger: &Ledger, period: Option<&str>) -> Result<Scope, String> {
        let p = match period {
            Some(id) => ledger.period(id).ok_or_else(|| format!("period `{id}` is not defined"))?,
            None => ledger.periods().last().ok_or("the ledger defines no period")?,
        };
        Ok(Scope { period: p.id.clone(), start: p.start, end: p.end })
    }

    pub(super) fn is_beginning(&self, tx: &Transaction) -> bool {
        tx.date < self.start || (tx.date <= self.end && tx.kind == TxKind::Opening)
    }

    pub(super) fn is_activity(&self, tx: &Transaction) -> bool {
        tx.date >= self.start && tx.date <= self.end && tx.kind != TxKind::Opening
    }
}

/// Follows a chain of reversals to the transaction it ends at, with the sign the chain applies:
/// a reversal of a reversal has the original's postings again (sign 1).
pub(super) fn original<'a>(ledger: &'a Ledger, tx: &'a Transaction) -> (&'a Transaction, i64) {
    let (mut t, mut sign) = (tx, 1);
    // Each reversal names an earlier transaction, so the chain ends; the bound is belt and braces.
    for _ in 0..=ledger.transactions().len() {
        match (&t.kind, t.reverses.as_ref().and_then(|r| ledger.transaction(r))) {
            (TxKind::Reversal, Some(next)) => {
                t = next;
                sign = -sign;
            }
            _ => break,
        }
    }
    (t, sign)
}

/// The kind a transaction counts as: a reversal as what it reverses (its amounts negated), a
/// receive as a purchase from another ledger, a return as (the undoing of part of) a sale.
pub(super) fn effective_kind(ledger: &Ledger, tx: &Transaction) -> TxKind {
    match original(ledger, tx).0.kind {
        TxKind::Receive => TxKind::Purchase,
        TxKind::Return if tx.meta.contains_key("purchase") => TxKind::Purchase,
        TxKind::Return => TxKind::Sell,
        k => k,
    }
}

pub(super) fn account_of<'a>(ledger: &'a Ledger, code: &str) -> &'a Account {
    ledger.chart().get(code).expect("posted accounts are in the chart")
}

/// Carbon total of postings by account code.
pub(super) fn carbon_by_account<'a>(txs: impl Iterator<Item = &'a Transaction>) -> BTreeMap<String, i64> {
    let mut m: BTreeMap<String, i64> = BTreeMap::new();
    for tx in txs {
        for p in tx.postings.iter().filter(|p| p.species.is_carbon()) {
            *m.entry(p.account.clone()).or_default() += p.amount;
        }
    }
    m
}
