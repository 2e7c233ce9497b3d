//! Product intensity (Figure 8 / Table ES-2): what each product sold carries, by origin and species.

use super::scope::{effective_kind, original, Scope};
use crate::chart::Role;
use crate::exact::Q;
use crate::ledger::Ledger;
use crate::model::*;
use crate::units::Species;
use std::collections::BTreeMap;

/// Amounts by species, in ledger base units.
pub type BySpecies = BTreeMap<Species, i64>;

/// Grams of gas by species, exact: stated figures as stated, the rest converted from carbon
/// (see [`Posting::gas_grams`]). Statements in tonnes of gas read these, never the carbon
/// converted back, so a stated 3 tCO2 is shown and compared as 3.
pub type GasBySpecies = BTreeMap<Species, Q>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntensityLine {
    pub origin: Origin,
    pub by_species: BySpecies,
    /// The same amounts as grams of gas.
    pub gas: GasBySpecies,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductIntensity {
    pub item: String,
    pub name: String,
    /// Quantity sold in the item's base unit (g or kJ).
    pub sold: i64,
    pub lines: Vec<IntensityLine>,
    /// Carbon content carried out with the product (gC): not an emission.
    pub content: i64,
    /// Sales by customer: (customer, quantity sold).
    pub customers: Vec<(String, i64)>,
    /// The chain-of-custody models the period's sales declared (`undeclared` where none was).
    pub custody_models: Vec<String>,
    /// Operations without emission data whose material the period's sales of the product may
    /// hold (`DATA_GAP_FROM_META`, sorted): when any, the intensity is a lower bound, incomplete.
    pub data_gaps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductIntensityStatement {
    pub scope: Scope,
    pub products: Vec<ProductIntensity>,
}

fn product_entry<'a>(
    ledger: &Ledger,
    products: &'a mut BTreeMap<String, ProductIntensity>,
    item: &str,
) -> &'a mut ProductIntensity {
    products.entry(item.to_string()).or_insert_with(|| ProductIntensity {
        item: item.to_string(),
        name: ledger.item(item).map(|i| i.name.clone()).unwrap_or_default(),
        sold: 0,
        lines: Vec::new(),
        content: 0,
        customers: Vec::new(),
        custody_models: Vec::new(),
        data_gaps: Vec::new(),
    })
}

pub fn product_intensity(ledger: &Ledger, scope: &Scope) -> ProductIntensityStatement {
    let out_emissions = &ledger.chart().by_role(Role::OutEmissions).code;
    let out_content = &ledger.chart().by_role(Role::OutContent).code;
    let mut products: BTreeMap<String, ProductIntensity> = BTreeMap::new();
    let mut by_origin: BTreeMap<(String, Origin), (BySpecies, GasBySpecies)> = BTreeMap::new();
    let ratios = ledger.entity().ratios;
    let mut customers: BTreeMap<(String, String), i64> = BTreeMap::new();
    for tx in ledger.transactions().iter().filter(|t| scope.is_activity(t)) {
        if effective_kind(ledger, tx) != TxKind::Sell {
            continue;
        }
        let sign = original(ledger, tx).1;
        let model = tx.meta.get(crate::ledger::CUSTODY_META).cloned().unwrap_or_else(|| "undeclared".into());
        for m in &tx.movements {
            let entry = product_entry(ledger, &mut products, &m.item);
            if !entry.custody_models.contains(&model) {
                entry.custody_models.push(model.clone());
            }
            entry.sold -= m.quantity;
            for g in crate::ledger::gaps_named(tx) {
                if let Err(at) = entry.data_gaps.binary_search_by(|x| x.as_str().cmp(g)) {
                    entry.data_gaps.insert(at, g.to_string());
                }
            }
            for (k, v) in &tx.meta {
                if let (Some(c), Ok(q)) = (k.strip_prefix(SOLD_TO_PREFIX), v.parse::<i64>()) {
                    *customers.entry((m.item.to_string(), c.to_string())).or_default() += sign * q;
                }
            }
        }
        for p in &tx.postings {
            let Some(item) = &p.dims.item else { continue };
            if p.account == *out_content {
                product_entry(ledger, &mut products, item).content -= p.amount;
            } else if p.account == *out_emissions {
                let origin = p.dims.origin.unwrap_or(Origin::Direct);
                let (carbon, gas) = by_origin.entry((item.to_string(), origin)).or_default();
                *carbon.entry(p.species).or_default() -= p.amount;
                *gas.entry(p.species).or_insert_with(|| crate::exact::q(0)) -= p.gas_grams(ratios);
            }
        }
    }
    for ((item, origin), (by_species, gas)) in by_origin {
        product_entry(ledger, &mut products, &item).lines.push(IntensityLine { origin, by_species, gas });
    }
    for ((item, customer), q) in customers {
        product_entry(ledger, &mut products, &item).customers.push((customer, q));
    }
    ProductIntensityStatement { scope: scope.clone(), products: products.into_values().collect() }
}
