//! Balances (Figure 7): stock and flow side totals.

use super::scope::{account_of, carbon_by_account, Scope};
use crate::chart::{Account, Form, Role, Side};
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

pub fn balances(ledger: &Ledger, scope: &Scope) -> Balances {
    let txs: Vec<&Transaction> =
        ledger.transactions().iter().filter(|t| scope.is_beginning(t) || scope.is_activity(t)).collect();
    let sums = carbon_by_account(txs.iter().copied());
    let mut gases: BTreeMap<(String, Species), i64> = BTreeMap::new();
    for t in &txs {
        for p in t.postings.iter().filter(|p| !p.species.is_carbon()) {
            *gases.entry((p.account.to_string(), p.species)).or_default() += p.amount;
        }
    }
    let mut b = Balances {
        scope: scope.clone(),
        accounts: Vec::new(),
        gases: gases
            .into_iter()
            .filter(|(_, a)| *a != 0)
            .map(|((c, s), a)| (account_of(ledger, &c).clone(), s, a))
            .collect(),
        stocks_total: 0,
        flows_total: 0,
        stock_emissions: 0,
        stock_content: 0,
        flow_emissions: 0,
        flow_content: 0,
        flow_sequestered: 0,
    };
    for a in ledger.chart().accounts() {
        let bal = *sums.get(&a.code).unwrap_or(&0);
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
