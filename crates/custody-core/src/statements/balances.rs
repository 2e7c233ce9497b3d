//! Balances (Figure 7): stock and flow side totals.
//!
//! Computed as one fold ([`BalancesFold`]) over the transactions in ledger order: the in-memory
//! [`balances`] folds `Ledger::transactions`, and a store streams its stored transactions through
//! the same fold (`custody report balances --stream`, docs/reports.md), so both give the same
//! statement by construction. The fold holds one sum per (account, species) posted to, whatever
//! the length of the history.

use super::scope::Scope;
use crate::chart::{Account, Chart, Form, Role, Side};
use crate::ledger::Ledger;
use crate::model::*;
use crate::units::Species;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balances {
    pub scope: Scope,
    /// Every account with its ending balance in gC (carbon species) — zero balances included.
    pub accounts: Vec<(Account, i64)>,
    /// Ending balances of non-carbon gases by account and gas, in grams of gas.
    pub gases: Vec<(Account, Species, i64)>,
    pub stocks_total: i64,
    pub flows_total: i64,
    pub stock_emissions: i64,
    pub stock_content: i64,
    pub flow_emissions: i64,
    pub flow_content: i64,
    pub flow_sequestered: i64,
}

/// The balances statement of a scope, folded from the ledger's transactions (see [`BalancesFold`]).
pub fn balances(ledger: &Ledger, scope: &Scope) -> Balances {
    let mut fold = BalancesFold::new(scope);
    for t in ledger.transactions() {
        fold.add(t);
    }
    fold.finish(ledger.chart())
}

/// The balances statement as a fold: [`BalancesFold::add`] each transaction of the ledger (in any
/// order: the statement is a sum), then [`BalancesFold::finish`] with the ledger's chart.
///
/// A transaction counts when it is in the scope's beginning or activity (`Scope::is_beginning`,
/// `Scope::is_activity`: dated before the period, an opening dated up to its end, or any other
/// transaction dated inside it). Carbon postings (species C and the carbon-bearing gases, in gC)
/// sum by account code; non-carbon gases (grams of gas) by account code and species.
///
/// Held state: one `i64` per (account, species) posted to in scope ([`BalancesFold::held`]),
/// never a transaction.
#[derive(Debug, Clone)]
pub struct BalancesFold {
    scope: Scope,
    carbon: BTreeMap<String, i64>,
    gases: BTreeMap<(String, Species), i64>,
}

impl BalancesFold {
    pub fn new(scope: &Scope) -> BalancesFold {
        BalancesFold { scope: scope.clone(), carbon: BTreeMap::new(), gases: BTreeMap::new() }
    }

    /// Adds one transaction's postings when it falls in the scope (see the type's rule).
    pub fn add(&mut self, tx: &Transaction) {
        if !(self.scope.is_beginning(tx) || self.scope.is_activity(tx)) {
            return;
        }
        for p in &tx.postings {
            if p.species.is_carbon() {
                if let Some(v) = self.carbon.get_mut(p.account.as_str()) {
                    *v += p.amount;
                } else {
                    self.carbon.insert(p.account.to_string(), p.amount);
                }
            } else {
                *self.gases.entry((p.account.to_string(), p.species)).or_default() += p.amount;
            }
        }
    }

    /// Sums held: (account, species) pairs posted to so far. Bounded by the chart and the
    /// species, not by the number of transactions added.
    pub fn held(&self) -> usize {
        self.carbon.len() + self.gases.len()
    }

    /// The first account posted to that `chart` does not hold (none from a ledger, which refuses
    /// them; a stored transaction text altered after it was written may name one). Check it
    /// before [`BalancesFold::finish`] when the transactions come from outside a ledger.
    pub fn unknown_account(&self, chart: &Chart) -> Option<String> {
        self.carbon.keys().chain(self.gases.keys().map(|(a, _)| a)).find(|a| chart.get(a).is_none()).cloned()
    }

    /// The statement: every account of `chart` in chart order with its carbon balance (zero
    /// included), the non-zero gas balances, and the side and form totals.
    ///
    /// Panics when a posted account is not in `chart` (postings only name chart accounts: the
    /// ledger refuses others).
    pub fn finish(self, chart: &Chart) -> Balances {
        let account_of = |code: &str| chart.get(code).expect("posted accounts are in the chart").clone();
        let mut b = Balances {
            scope: self.scope,
            accounts: Vec::new(),
            gases: self.gases.into_iter().filter(|(_, a)| *a != 0).map(|((c, s), a)| (account_of(&c), s, a)).collect(),
            stocks_total: 0,
            flows_total: 0,
            stock_emissions: 0,
            stock_content: 0,
            flow_emissions: 0,
            flow_content: 0,
            flow_sequestered: 0,
        };
        for a in chart.accounts() {
            let bal = *self.carbon.get(&a.code).unwrap_or(&0);
            match (a.side, a.role.form(), a.role) {
                (Side::Stock, Form::Content, _) => b.stock_content += bal,
                (Side::Stock, Form::Emissions, _) => b.stock_emissions += bal,
                (Side::Flow, _, Role::OutSequestered) => b.flow_sequestered += bal,
                (Side::Flow, Form::Content, _) => b.flow_content += bal,
                (Side::Flow, Form::Emissions, _) => b.flow_emissions += bal,
            }
            match a.side {
                Side::Stock => b.stocks_total += bal,
                Side::Flow => b.flows_total += bal,
            }
            b.accounts.push((a.clone(), bal));
        }
        b
    }
}
