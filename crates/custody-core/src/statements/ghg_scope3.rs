//! Scope 3 of the GHG inventory, categories 1 to 15 (Scope 3 Standard, table 5.3): those booked
//! from postings (`ledger`), the downstream categories 10, 11 and 12 estimated from the carbon
//! content of products sold and each product's declared fate (`estimate`), the rest
//! `not-covered`. Amounts are ledger base units by species with exact grams of gas beside them.

use super::intensity::{BySpecies, GasBySpecies};
use crate::exact::{self, Q};
use crate::ledger::Ledger;
use crate::units::Species;
use std::collections::{BTreeMap, BTreeSet};

/// Carbon amounts and the same as exact grams of gas.
pub(super) type Both = (BySpecies, GasBySpecies);

/// Scope 3 category names, 1 to 15 (Scope 3 Standard, table 5.3).
pub const SCOPE3_NAMES: [&str; 15] = [
    "Purchased goods and services",
    "Capital goods",
    "Fuel- and energy-related activities (not included in Scope 1 or 2)",
    "Upstream transportation and distribution",
    "Waste generated in operations",
    "Business travel",
    "Employee commuting",
    "Upstream leased assets",
    "Downstream transportation and distribution",
    "Processing of sold products",
    "Use of sold products",
    "End-of-life treatment of sold products",
    "Downstream leased assets",
    "Franchises",
    "Investments",
];

/// How a Scope 3 category's figure is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Summed from postings.
    Ledger,
    /// Estimated from the carbon content of products sold and a declared end-of-life fate.
    Estimate,
    /// What a carbon ledger of materials and energy cannot know; never shown as zero.
    NotCovered,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ledger => "ledger",
            Status::Estimate => "estimate",
            Status::NotCovered => "not-covered",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope3Category {
    /// 1 to 15.
    pub category: u8,
    pub name: &'static str,
    pub by_species: BySpecies,
    /// The same as exact grams of gas.
    pub gas: GasBySpecies,
    pub status: Status,
}

/// The downstream categories estimated from content sold, with the fate each reads.
const ESTIMATED: [(u8, &str); 3] = [(10, "processing"), (11, "use"), (12, "end-of-life")];

/// Categories 1 to 15: those booked from postings; 10, 11 and 12 estimated where products sold
/// declare the share of their carbon content oxidised in that stage (content sold x share, as
/// CO2: carbon is conserved, so the estimate is exact in gC, rounded once per item), every product
/// sold without the declaration listed in `missing`; the rest not covered.
pub(super) fn scope3_categories(
    ledger: &Ledger,
    cats: &BTreeMap<u8, Both>,
    content_sold: &BTreeMap<String, i64>,
    missing: &mut BTreeSet<String>,
) -> Vec<Scope3Category> {
    let co2_per_gc = ledger.entity().ratios.gas_grams(Species::CO2, 1);
    let mut estimates: BTreeMap<u8, Both> = BTreeMap::new();
    for (n, stage) in ESTIMATED {
        for (item, content) in content_sold.iter().filter(|(_, c)| **c != 0) {
            match ledger.item(item).and_then(|i| i.fate.share(n)) {
                Some(f) => {
                    let e = estimates.entry(n).or_default();
                    let exact_gc = Q::from_integer(*content as i128) * f;
                    *e.0.entry(Species::CO2).or_default() += exact::round_i64(exact_gc).unwrap_or(i64::MAX);
                    *e.1.entry(Species::CO2).or_insert_with(|| exact::q(0)) += exact_gc * co2_per_gc;
                }
                None => {
                    missing.insert(format!(
                        "{stage} fate of `{item}` (sold with carbon content; `{stage} oxidised F` on the item): category {n} cannot be estimated for it"
                    ));
                }
            }
        }
    }
    (1..=15u8)
        .map(|n| {
            let booked = cats.get(&n).cloned().unwrap_or_default();
            let (status, (by_species, gas)) = match (n, estimates.remove(&n)) {
                (_, _) if !booked.0.is_empty() => (Status::Ledger, booked),
                (1..=4, _) => (Status::Ledger, booked),
                (10..=12, Some(e)) => (Status::Estimate, e),
                _ => (Status::NotCovered, booked),
            };
            Scope3Category { category: n, name: SCOPE3_NAMES[n as usize - 1], by_species, gas, status }
        })
        .collect()
}
