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
    /// `product` and `transport` as exact grams of CO2 (stated figures as stated).
    pub product_gas: Q,
    pub transport_gas: Q,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ELedger {
    pub scope: Scope,
    /// All amounts are gC of the CO2 species; beside each, in `gas`, the same as exact grams of
    /// CO2 (stated figures as stated, `Posting::gas_grams`), which renderers show in tCO2.
    pub beginning: i64,
    pub purchases: Vec<(String, i64)>,
    pub direct_gross: i64,
    pub ccs_abated: i64,
    pub depreciation: i64,
    pub allocated_to_products: Vec<(String, i64)>,
    pub customers: Vec<ELedgerCustomer>,
    pub ending: i64,
    pub gas: ELedgerGas,
}

/// The E-ledger's amounts as exact grams of CO2, field by field (lists in the same order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ELedgerGas {
    pub beginning: Q,
    pub purchases: Vec<Q>,
    pub direct_gross: Q,
    pub ccs_abated: Q,
    pub depreciation: Q,
    pub allocated_to_products: Vec<Q>,
    pub ending: Q,
}

pub fn eledger(ledger: &Ledger, scope: &Scope) -> ELedger {
    let chart = ledger.chart();
    let emission_stock =
        |code: &str| chart.get(code).is_some_and(|a| a.side == Side::Stock && a.role.form() == Form::Emissions);
    let ratios = ledger.entity().ratios;
    let zero = || crate::exact::q(0);
    let co2_stock = |txs: &mut dyn Iterator<Item = &Transaction>| -> (i64, Q) {
        txs.flat_map(|t| t.postings.iter())
            .filter(|p| p.species == Species::CO2 && emission_stock(&p.account))
            .fold((0, zero()), |(a, g), p| (a + p.amount, g + p.gas_grams(ratios)))
    };
    let all = ledger.transactions();
    let beginning = co2_stock(&mut all.iter().filter(|t| scope.is_beginning(t)));
    let ending = co2_stock(&mut all.iter().filter(|t| scope.is_beginning(t) || scope.is_activity(t)));
    let e = entity_emissions(ledger, scope);
    let line = |k: EntityLineKind| {
        e.lines.iter().find(|(l, _)| *l == k).and_then(|(_, m)| m.get(&Species::CO2)).copied().unwrap_or(0)
    };
    let line_gas = |k: EntityLineKind| e.gas.get(&k).and_then(|m| m.get(&Species::CO2)).copied().unwrap_or_else(zero);
    let in_attr = chart.by_role(Role::InAttributed).code.clone();
    let out_em = chart.by_role(Role::OutEmissions).code.clone();
    let product_roles = [Role::ProductAttributed, Role::ProductDirect, Role::ProductDepreciation];
    let mut purchases: BTreeMap<String, (i64, Q)> = BTreeMap::new();
    let mut allocated: BTreeMap<String, (i64, Q)> = BTreeMap::new();
    let mut cust: BTreeMap<String, (i64, i64, Q, Q)> = BTreeMap::new();
    let intensity = product_intensity(ledger, scope);
    for tx in all.iter().filter(|t| scope.is_activity(t)) {
        let kind = effective_kind(ledger, tx);
        for p in tx.postings.iter().filter(|p| p.species == Species::CO2) {
            let role = chart.get(&p.account).map(|a| a.role);
            let gas = p.gas_grams(ratios);
            match kind {
                TxKind::Purchase if p.account == in_attr => {
                    let e = purchases.entry(p.dims.item.map(String::from).unwrap_or_default()).or_insert((0, zero()));
                    e.0 += p.amount;
                    e.1 += gas;
                }
                TxKind::Produce | TxKind::Depreciate if role.is_some_and(|r| product_roles.contains(&r)) => {
                    let e = allocated.entry(p.dims.item.map(String::from).unwrap_or_default()).or_insert((0, zero()));
                    e.0 += p.amount;
                    e.1 += gas;
                }
                TxKind::Sell if p.account == out_em => {
                    let c = cust.entry(p.dims.counterparty.map(String::from).unwrap_or_default()).or_insert((
                        0,
                        0,
                        zero(),
                        zero(),
                    ));
                    if p.dims.origin == Some(Origin::Transport) {
                        c.1 -= p.amount;
                        c.3 -= gas;
                    } else {
                        c.0 -= p.amount;
                        c.2 -= gas;
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
        beginning: beginning.0,
        purchases: purchases.iter().map(|(i, (a, _))| (i.clone(), *a)).collect(),
        direct_gross: line(EntityLineKind::DirectGross),
        ccs_abated: line(EntityLineKind::CcsAbated),
        depreciation: line(EntityLineKind::AttributedPpe),
        allocated_to_products: allocated.iter().map(|(i, (a, _))| (i.clone(), *a)).collect(),
        gas: ELedgerGas {
            beginning: beginning.1,
            purchases: purchases.values().map(|(_, g)| *g).collect(),
            direct_gross: line_gas(EntityLineKind::DirectGross),
            ccs_abated: line_gas(EntityLineKind::CcsAbated),
            depreciation: line_gas(EntityLineKind::AttributedPpe),
            allocated_to_products: allocated.values().map(|(_, g)| *g).collect(),
            ending: ending.1,
        },
        customers: cust
            .into_iter()
            .map(|(customer, (product, transport, product_gas, transport_gas))| ELedgerCustomer {
                share: if sold_total == 0 {
                    Q::from_integer(0)
                } else {
                    Q::new(*by_customer_qty.get(&customer).unwrap_or(&0) as i128, sold_total as i128)
                },
                customer,
                product,
                transport,
                product_gas,
                transport_gas,
            })
            .collect(),
        ending: ending.0,
    }
}
