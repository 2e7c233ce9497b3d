//! The E-ledger (Table A1): emissions in and out, by customer.

use super::entity::{entity_emissions, EntityLineKind};
use super::intensity::product_intensity;
use super::scope::{effective_kind, Scope};
use crate::chart::{Form, Role, Side};
use crate::exact::Q;
use crate::ledger::Ledger;
use crate::model::*;
use crate::units::Species;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ELedgerCustomer {
    pub customer: String,
    /// Share of the product quantity sold, exact.
    pub share: Q,
    /// CO2 (gC) in the product transferred, excluding transport.
    pub product: i64,
    pub transport: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ELedger {
    pub scope: Scope,
    /// All amounts are gC of the CO2 species; renderers convert to tCO2.
    pub beginning: i64,
    pub purchases: Vec<(String, i64)>,
    pub direct_gross: i64,
    pub ccs_abated: i64,
    pub depreciation: i64,
    pub allocated_to_products: Vec<(String, i64)>,
    pub customers: Vec<ELedgerCustomer>,
    pub ending: i64,
}

pub fn eledger(ledger: &Ledger, scope: &Scope) -> ELedger {
    let chart = ledger.chart();
    let emission_stock =
        |code: &str| chart.get(code).is_some_and(|a| a.side == Side::Stock && a.role.form() == Form::Emissions);
    let co2_stock = |txs: &mut dyn Iterator<Item = &Transaction>| -> i64 {
        txs.flat_map(|t| t.postings.iter())
            .filter(|p| p.species == Species::CO2 && emission_stock(&p.account))
            .map(|p| p.amount)
            .sum()
    };
    let all = ledger.transactions();
    let beginning = co2_stock(&mut all.iter().filter(|t| scope.is_beginning(t)));
    let ending = co2_stock(&mut all.iter().filter(|t| scope.is_beginning(t) || scope.is_activity(t)));
    let e = entity_emissions(ledger, scope);
    let line = |k: EntityLineKind| {
        e.lines.iter().find(|(l, _)| *l == k).and_then(|(_, m)| m.get(&Species::CO2)).copied().unwrap_or(0)
    };
    let in_attr = chart.by_role(Role::InAttributed).code.clone();
    let out_em = chart.by_role(Role::OutEmissions).code.clone();
    let product_roles = [Role::ProductAttributed, Role::ProductDirect, Role::ProductDepreciation];
    let mut purchases: BTreeMap<String, i64> = BTreeMap::new();
    let mut allocated: BTreeMap<String, i64> = BTreeMap::new();
    let mut cust: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let intensity = product_intensity(ledger, scope);
    for tx in all.iter().filter(|t| scope.is_activity(t)) {
        let kind = effective_kind(ledger, tx);
        for p in tx.postings.iter().filter(|p| p.species == Species::CO2) {
            let role = chart.get(&p.account).map(|a| a.role);
            match kind {
                TxKind::Purchase if p.account == in_attr => {
                    *purchases.entry(p.dims.item.clone().unwrap_or_default()).or_default() += p.amount;
                }
                TxKind::Produce | TxKind::Depreciate if role.is_some_and(|r| product_roles.contains(&r)) => {
                    *allocated.entry(p.dims.item.clone().unwrap_or_default()).or_default() += p.amount;
                }
                TxKind::Sell if p.account == out_em => {
                    let c = cust.entry(p.dims.counterparty.clone().unwrap_or_default()).or_default();
                    if p.dims.origin == Some(Origin::Transport) {
                        c.1 -= p.amount;
                    } else {
                        c.0 -= p.amount;
                    }
                }
                _ => {}
            }
        }
    }
    let sold_total: i64 = intensity.products.iter().flat_map(|p| p.customers.iter()).map(|(_, q)| *q).sum();
    let mut by_customer_qty: BTreeMap<String, i64> = BTreeMap::new();
    for p in &intensity.products {
        for (c, q) in &p.customers {
            *by_customer_qty.entry(c.clone()).or_default() += q;
        }
    }
    ELedger {
        scope: scope.clone(),
        beginning,
        purchases: purchases.into_iter().collect(),
        direct_gross: line(EntityLineKind::DirectGross),
        ccs_abated: line(EntityLineKind::CcsAbated),
        depreciation: line(EntityLineKind::AttributedPpe),
        allocated_to_products: allocated.into_iter().collect(),
        customers: cust
            .into_iter()
            .map(|(customer, (product, transport))| ELedgerCustomer {
                share: if sold_total == 0 {
                    Q::from_integer(0)
                } else {
                    Q::new(*by_customer_qty.get(&customer).unwrap_or(&0) as i128, sold_total as i128)
                },
                customer,
                product,
                transport,
            })
            .collect(),
        ending,
    }
}
