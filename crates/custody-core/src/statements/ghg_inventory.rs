//! The corporate GHG inventory of a period or a year (issue 20): Scope 1 by gas with the CO2
//! generated and captured on their own lines, Scope 2 location- and market-based, Scope 3
//! categories 1 to 15 each marked `ledger`, `estimate` or `not-covered`, and the reconciliation
//! of Scope 1 + 2 + upstream Scope 3 with what the ledger passed to products and stocks, to the
//! gram. Every rule and its source (GHG Protocol Corporate Standard, Scope 2 Guidance, Scope 3
//! Standard) is listed in `docs/ghg-inventory.md`.
//!
//! Amounts are ledger base units by species ([`BySpecies`]): gC for carbon species, grams of gas
//! for N2O and SF6, grams of CO2e for `CO2e`. Nothing here rounds except the location-based
//! Scope 2 (grid factor x quantity, rounded once per purchase and species, half to even) and the
//! category 12 estimate (content sold x oxidised share, rounded once per sale line and item).

use super::ghg_scope2::{location_based, scope2_of, Scope2, Scope2Item};
use super::intensity::BySpecies;
use super::scope::{effective_kind, original, Scope};
use crate::chart::{Form, Role, Side};
use crate::exact::{self, Q};
use crate::ledger::Ledger;
use crate::model::*;
use crate::units::Species;
use std::collections::{BTreeMap, BTreeSet};

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

/// Scope 1: what the company's own processes released.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope1 {
    /// Gross emissions of `emit` operations, by species.
    pub generated: BySpecies,
    /// Captured and transferred for storage (`capture ... captured`), positive.
    pub captured: BySpecies,
    /// The capture process's own emissions (`capture ... process`), counted in Scope 1.
    pub capture_process: BySpecies,
    /// generated - captured + capture_process.
    pub released: BySpecies,
}

impl Scope1 {
    /// Abated by capture: captured less the capture process's emissions.
    pub fn abated(&self) -> BySpecies {
        combine(&self.captured, &self.capture_process, -1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope3Category {
    /// 1 to 15.
    pub category: u8,
    pub name: &'static str,
    pub by_species: BySpecies,
    pub status: Status,
}

/// Which side of the reconciliation a line is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReconSide {
    /// Scope 1 + 2 + upstream Scope 3.
    Inventory,
    /// Where the ledger put the same carbon: sold, stocks, capitalised, depreciated.
    Ledger,
}

impl ReconSide {
    pub fn as_str(self) -> &'static str {
        match self {
            ReconSide::Inventory => "inventory",
            ReconSide::Ledger => "ledger",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconLine {
    /// Stable key (`scope1_released`, `scope3_cat_1`, `sold_with_products`, `depreciated`, ...).
    pub key: String,
    pub label: String,
    pub side: ReconSide,
    pub by_species: BySpecies,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GhgInventory {
    pub scope: Scope,
    pub scope1: Scope1,
    pub scope2: Scope2,
    /// Categories 1 to 15, in order.
    pub scope3: Vec<Scope3Category>,
    pub reconciliation: Vec<ReconLine>,
    /// Inventory side less ledger side, by species: zero when every gram is named.
    pub difference: BySpecies,
    /// Biogenic CO2 taken up by materials bought (grams CO2, zero or negative): outside the scopes.
    pub biogenic_uptake_gco2: i64,
    /// What is unknown, in words: never replaced by a zero.
    pub missing: Vec<String>,
}

impl GhgInventory {
    /// The reconciliation difference over the carbon species, gC.
    pub fn difference_gc(&self) -> i64 {
        self.difference.iter().filter(|(s, _)| s.is_carbon()).map(|(_, a)| *a).sum()
    }
}

fn combine(a: &BySpecies, b: &BySpecies, sign: i64) -> BySpecies {
    let mut out = a.clone();
    for (s, v) in b {
        *out.entry(*s).or_default() += sign * v;
    }
    out.retain(|_, v| *v != 0);
    out
}

pub(super) fn add(m: &mut BySpecies, s: Species, a: i64) {
    *m.entry(s).or_default() += a;
}

/// The inventory place of an in.attributed posting: capital goods and outbound transport by the
/// operation that booked them, a purchase or receive by its item's class, else by its origin.
fn classify(ledger: &Ledger, kind: TxKind, p: &Posting) -> GhgClass {
    match (kind, p.dims.origin) {
        (TxKind::Capital, _) => return GhgClass::Scope3(2),
        (TxKind::Sell, Some(Origin::Transport)) => return GhgClass::Scope3(4),
        _ => {}
    }
    if let Some(item) = p.dims.item.as_deref().and_then(|i| ledger.item(i)) {
        return item.ghg_class();
    }
    match p.dims.origin {
        Some(Origin::Electricity) => GhgClass::Scope2,
        Some(Origin::Fuels) => GhgClass::Scope3(3),
        Some(Origin::Ppe) => GhgClass::Scope3(2),
        Some(Origin::Transport) => GhgClass::Scope3(4),
        _ => GhgClass::Scope3(1),
    }
}

/// The places an in.attributed posting goes to, with their amounts: its class, less the share an
/// item's `ghg-split` moves elsewhere (largest remainder: the parts sum to the posting).
fn placed(ledger: &Ledger, kind: TxKind, p: &Posting) -> Vec<(GhgClass, i64)> {
    let class = classify(ledger, kind, p);
    let item = p.dims.item.as_deref().and_then(|i| ledger.item(i));
    match item.and_then(|i| i.ghg_split.filter(|_| kind == TxKind::Purchase && class == i.ghg_class())) {
        Some((other, share)) => {
            let w = exact::round_half_even(share * exact::q(1_000_000_000));
            match exact::allocate(p.amount, &[1_000_000_000 - w, w]) {
                Some(parts) => vec![(class, parts[0]), (other, parts[1])],
                None => vec![(class, p.amount)],
            }
        }
        None => vec![(class, p.amount)],
    }
}

/// The ledger-side bucket of an emission-form stock account.
fn stock_line(role: Role) -> Option<(&'static str, &'static str)> {
    use Role::*;
    Some(match role {
        RawAttributed | FuelAttributed | ElectricityAttributed => {
            ("change_in_inventories", "Change in emissions held in purchased inventories")
        }
        WipAttributed | WipDirect => ("change_in_wip", "Change in emissions held in work in process"),
        ProductAttributed | ProductDirect | ProductDepreciation => {
            ("change_in_product_stocks", "Change in emissions held in product stocks")
        }
        PpeAttributed => ("capitalised", "Capitalised in plant, property and equipment"),
        PpeDepreciation => ("depreciated", "Less depreciated (passed to products)"),
        Custom => ("change_in_other_stocks", "Change in added (custom) stock accounts"),
        _ => return None,
    })
}

/// The inventory of `scope` (a period, or a year spanning several: see `Scope`).
pub fn ghg_inventory(ledger: &Ledger, scope: &Scope) -> GhgInventory {
    let chart = ledger.chart();
    let mut s1 = Scope1::default();
    let mut s2_items: BTreeMap<String, Scope2Item> = BTreeMap::new();
    let mut cats: BTreeMap<u8, BySpecies> = BTreeMap::new();
    let mut ledger_lines: BTreeMap<&'static str, (&'static str, BySpecies)> = BTreeMap::new();
    let mut missing: BTreeSet<String> = BTreeSet::new();
    let mut biogenic_uptake_gco2 = 0i64;
    let mut content_sold: BTreeMap<String, i64> = BTreeMap::new();
    for tx in ledger.transactions().iter().filter(|t| scope.is_activity(t)) {
        let kind = effective_kind(ledger, tx);
        let sign = original(ledger, tx).1;
        if let Some(g) = tx.meta.get(crate::ledger::BIOGENIC_META).and_then(|g| g.parse::<i64>().ok()) {
            biogenic_uptake_gco2 += sign * g;
        }
        let mut booked_here: BTreeMap<String, BySpecies> = BTreeMap::new();
        for p in &tx.postings {
            let Some(acc) = chart.get(&p.account) else { continue };
            match (acc.role, kind) {
                (Role::WipDirect, TxKind::Emit) => add(&mut s1.generated, p.species, p.amount),
                (Role::WipDirect, TxKind::Capture) if p.amount * sign < 0 => {
                    add(&mut s1.captured, p.species, -p.amount)
                }
                (Role::WipDirect, TxKind::Capture) => add(&mut s1.capture_process, p.species, p.amount),
                _ => {}
            }
            match acc.role {
                Role::InAttributed => {
                    for (class, amount) in placed(ledger, kind, p) {
                        match class {
                            GhgClass::Scope2 => {
                                let item = p.dims.item.clone().unwrap_or_else(|| "(no item)".into());
                                add(booked_here.entry(item).or_default(), p.species, amount);
                            }
                            GhgClass::Scope3(n) => add(cats.entry(n).or_default(), p.species, amount),
                        }
                    }
                }
                Role::OutEmissions => {
                    let (key, label) = if kind == TxKind::Sell && p.dims.origin == Some(Origin::Transport) {
                        ("transport_passed_on", "Transport passed on to customers (FOD)")
                    } else {
                        ("sold_with_products", "Emissions that left with products sold")
                    };
                    add(&mut ledger_lines.entry(key).or_insert((label, BySpecies::new())).1, p.species, -p.amount);
                }
                Role::OutContent => {
                    if let Some(item) = &p.dims.item {
                        *content_sold.entry(item.clone()).or_default() -= p.amount;
                    }
                }
                r if acc.side == Side::Stock && r.form() == Form::Emissions => {
                    if let Some((key, label)) = stock_line(r) {
                        add(&mut ledger_lines.entry(key).or_insert((label, BySpecies::new())).1, p.species, p.amount);
                    }
                }
                _ => {}
            }
        }
        for (item_id, booked) in booked_here {
            if tx.meta.contains_key(crate::ledger::DATA_GAP_META) {
                missing.insert(format!("purchase `{}` of Scope 2 item `{item_id}` states no emission figure", tx.id));
            }
            let quantity: i64 = tx.movements.iter().filter(|m| m.item == item_id).map(|m| m.quantity).sum();
            let entry = s2_items.entry(item_id.clone()).or_insert_with(|| Scope2Item::new(&item_id));
            entry.quantity += quantity;
            for (s, a) in &booked {
                add(&mut entry.booked, *s, *a);
            }
            location_based(ledger, &item_id, quantity, &booked, entry, &mut missing);
        }
    }
    for m in cats.values_mut() {
        m.retain(|_, v| *v != 0);
    }
    s1.released = combine(&combine(&s1.generated, &s1.captured, -1), &s1.capture_process, 1);
    let scope2 = scope2_of(ledger, scope, s2_items);
    let scope3 = scope3_categories(ledger, &cats, &content_sold, &mut missing);
    let mut reconciliation = Vec::new();
    let inv = |key: String, label: String, m: &BySpecies| ReconLine {
        key,
        label,
        side: ReconSide::Inventory,
        by_species: m.clone(),
    };
    reconciliation.push(inv("scope1_released".into(), "Scope 1, released".into(), &s1.released));
    let mut booked = BySpecies::new();
    for (s, a) in scope2.items.iter().flat_map(|i| i.booked.iter()) {
        add(&mut booked, *s, *a);
    }
    reconciliation.push(inv("scope2_booked".into(), "Scope 2 as booked (supplier-specific)".into(), &booked));
    for c in scope3.iter().filter(|c| c.category <= 8 && c.status == Status::Ledger) {
        reconciliation.push(inv(
            format!("scope3_cat_{}", c.category),
            format!("Scope 3 category {}: {}", c.category, c.name),
            &c.by_species,
        ));
    }
    for key in [
        "sold_with_products",
        "transport_passed_on",
        "change_in_inventories",
        "change_in_wip",
        "change_in_product_stocks",
        "capitalised",
        "depreciated",
        "change_in_other_stocks",
    ] {
        if let Some((label, m)) = ledger_lines.get(key) {
            reconciliation.push(ReconLine {
                key: key.into(),
                label: (*label).into(),
                side: ReconSide::Ledger,
                by_species: m.clone(),
            });
        }
    }
    let mut difference = BySpecies::new();
    for l in &reconciliation {
        let sign = if l.side == ReconSide::Inventory { 1 } else { -1 };
        for (s, a) in &l.by_species {
            add(&mut difference, *s, sign * a);
        }
    }
    difference.retain(|_, v| *v != 0);
    GhgInventory {
        scope: scope.clone(),
        scope1: s1,
        scope2,
        scope3,
        reconciliation,
        difference,
        biogenic_uptake_gco2,
        missing: missing.into_iter().collect(),
    }
}

/// Categories 1 to 15: those booked from postings, category 12 estimated where products sold
/// declare an end-of-life fate, the rest not covered.
fn scope3_categories(
    ledger: &Ledger,
    cats: &BTreeMap<u8, BySpecies>,
    content_sold: &BTreeMap<String, i64>,
    missing: &mut BTreeSet<String>,
) -> Vec<Scope3Category> {
    let mut eol = BySpecies::new();
    let mut any_fate = false;
    for (item, content) in content_sold.iter().filter(|(_, c)| **c != 0) {
        match ledger.item(item).and_then(|i| i.end_of_life_oxidised) {
            Some(f) => {
                any_fate = true;
                let a = exact::round_i64(Q::from_integer(*content as i128) * f).unwrap_or(i64::MAX);
                add(&mut eol, Species::CO2, a);
            }
            None => {
                missing.insert(format!(
                    "end-of-life fate of `{item}` (sold with carbon content): category 12 cannot be estimated for it"
                ));
            }
        }
    }
    (1..=15u8)
        .map(|n| {
            let booked = cats.get(&n).cloned().unwrap_or_default();
            let status = match n {
                _ if !booked.is_empty() => Status::Ledger,
                1..=4 => Status::Ledger,
                12 if any_fate => Status::Estimate,
                _ => Status::NotCovered,
            };
            let by_species = if n == 12 && status == Status::Estimate { eol.clone() } else { booked };
            Scope3Category { category: n, name: SCOPE3_NAMES[n as usize - 1], by_species, status }
        })
        .collect()
}
