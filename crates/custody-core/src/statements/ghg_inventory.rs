//! The corporate GHG inventory of a period or a year (issue 20): Scope 1 by gas with the CO2
//! generated and captured on their own lines, Scope 2 location- and market-based, Scope 3
//! categories 1 to 15 each marked `ledger`, `estimate` or `not-covered`, and the reconciliation
//! of Scope 1 + 2 + upstream Scope 3 with what the ledger passed to products and stocks, to the
//! gram. Every rule and its source (GHG Protocol Corporate Standard, Scope 2 Guidance, Scope 3
//! Standard) is listed in `docs/ghg-inventory.md`.
//!
//! Amounts are ledger base units by species ([`BySpecies`]): gC for carbon species, grams of gas
//! for N2O and SF6, grams of CO2e for `CO2e`. Beside each, the same amounts as exact grams of gas
//! ([`GasBySpecies`]: stated figures as stated, `Posting::gas_grams`), which the reports show in
//! tonnes of gas and tCO2e, so a stated 3 tCO2 reads 3 on a molar ledger too. Nothing here rounds except the location-based
//! Scope 2 (grid factor x quantity, rounded once per purchase and species, half to even) and the
//! category 12 estimate (content sold x oxidised share, rounded once per sale line and item).

use super::ghg_scope2::{location_based, scope2_of, Scope2, Scope2Item};
use super::ghg_scope3::{scope3_categories, Both, Scope3Category, Status};
use super::intensity::{BySpecies, GasBySpecies};
use super::scope::{effective_kind, original, Scope};
use crate::chart::{Form, Role, Side};
use crate::exact::{self, Q};
use crate::ledger::Ledger;
use crate::model::*;
use crate::units::Species;
use std::collections::{BTreeMap, BTreeSet};

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
    /// The same four as exact grams of gas (stated figures as stated).
    pub generated_gas: GasBySpecies,
    pub captured_gas: GasBySpecies,
    pub capture_process_gas: GasBySpecies,
    pub released_gas: GasBySpecies,
}

impl Scope1 {
    /// Abated by capture: captured less the capture process's emissions.
    pub fn abated(&self) -> BySpecies {
        combine(&self.captured, &self.capture_process, -1)
    }

    /// Abated by capture in exact grams of gas.
    pub fn abated_gas(&self) -> GasBySpecies {
        combine_gas(&self.captured_gas, &self.capture_process_gas, -1)
    }
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
    /// The same as exact grams of gas.
    pub gas: GasBySpecies,
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
    /// Reversals in the scope of operations of earlier periods, in booking order.
    pub restatements: Vec<Restatement>,
    /// Scope 1 released by site (`None`: operations naming no site, and no default site).
    pub scope1_by_site: BTreeMap<Option<String>, Both>,
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

fn combine_gas(a: &GasBySpecies, b: &GasBySpecies, sign: i128) -> GasBySpecies {
    let mut out = a.clone();
    for (s, v) in b {
        *out.entry(*s).or_insert_with(|| exact::q(0)) += *v * exact::q(sign);
    }
    out.retain(|_, v| *v != exact::q(0));
    out
}

pub(super) fn add(m: &mut BySpecies, s: Species, a: i64) {
    *m.entry(s).or_default() += a;
}

pub(super) fn add_gas(m: &mut GasBySpecies, s: Species, g: Q) {
    *m.entry(s).or_insert_with(|| exact::q(0)) += g;
}

/// A posting's amount (times `sign`) on a carbon map and its gas on the gas map beside it.
fn add_both(m: &mut (BySpecies, GasBySpecies), ledger: &Ledger, p: &Posting, sign: i64) {
    add(&mut m.0, p.species, sign * p.amount);
    add_gas(&mut m.1, p.species, p.gas_grams(ledger.entity().ratios) * exact::q(sign as i128));
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

/// The places an in.attributed posting goes to, with their amounts and gas: its class, less the
/// share an item's `ghg-split` moves elsewhere (largest remainder: the parts sum to the posting;
/// the gas is split in the same proportion, exactly, so the gas parts sum to the stated gas).
fn placed(ledger: &Ledger, kind: TxKind, p: &Posting) -> Vec<(GhgClass, i64, Q)> {
    let class = classify(ledger, kind, p);
    let gas = p.gas_grams(ledger.entity().ratios);
    let item = p.dims.item.as_deref().and_then(|i| ledger.item(i));
    match item.and_then(|i| i.ghg_split.filter(|_| kind == TxKind::Purchase && class == i.ghg_class())) {
        Some((other, share)) if p.amount != 0 => {
            let w = exact::round_half_even(share * exact::q(1_000_000_000));
            match exact::allocate(p.amount, &[1_000_000_000 - w, w]) {
                Some(parts) => {
                    let moved = gas * Q::new(parts[1] as i128, p.amount as i128);
                    vec![(class, parts[0], gas - moved), (other, parts[1], moved)]
                }
                None => vec![(class, p.amount, gas)],
            }
        }
        _ => vec![(class, p.amount, gas)],
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

/// A reversal booked in the scope of an operation of an earlier period: it changes this scope's
/// figures, but corrects the earlier period's, which is therefore restated (Corporate Standard
/// ch. 5: errors corrected are a recalculation of the period they belong to). Listed, never silent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restatement {
    /// The reversal's transaction id and date.
    pub reversal: String,
    pub date: Date,
    /// The operation it reverses, its date and the period that date lies in.
    pub reverses: String,
    pub reversed_date: Date,
    pub original_period: Option<String>,
    /// What the reversal adds to this scope's inventory side (Scope 1 released, Scope 2 as
    /// booked, Scope 3 from postings): negative when it lowers the scope's figures.
    pub by_species: BySpecies,
    pub gas: GasBySpecies,
}

/// The inventory of `scope` (a period, or a year spanning several: see `Scope`).
pub fn ghg_inventory(ledger: &Ledger, scope: &Scope) -> GhgInventory {
    let chart = ledger.chart();
    let ratios = ledger.entity().ratios;
    let mut s1 = Scope1::default();
    let mut s2_items: BTreeMap<String, Scope2Item> = BTreeMap::new();
    let mut cats: BTreeMap<u8, Both> = BTreeMap::new();
    let mut ledger_lines: BTreeMap<&'static str, (&'static str, Both)> = BTreeMap::new();
    let mut missing: BTreeSet<String> = BTreeSet::new();
    for (from, to) in scope.uncovered_days(ledger) {
        missing.insert(format!(
            "{} to {}: no period of the ledger covers these days of {}, so the year is reported from its periods only",
            format_date(from),
            format_date(to),
            scope.period
        ));
    }
    let mut restatements = Vec::new();
    let mut s1_sites: BTreeMap<Option<String>, Both> = BTreeMap::new();
    let default_site = ledger.sites().find(|s| s.default).map(|s| s.id.clone());
    let mut biogenic_uptake_gco2 = 0i64;
    let mut content_sold: BTreeMap<String, i64> = BTreeMap::new();
    for tx in ledger.transactions().iter().filter(|t| scope.is_activity(t)) {
        let kind = effective_kind(ledger, tx);
        let sign = original(ledger, tx).1;
        // A reversal of an operation of an earlier period corrects that period: it is listed as a
        // restatement and kept out of this period's scopes (GHG Protocol Corporate Standard ch. 5,
        // "Recalculating base year emissions": errors are corrected where they were made), so a
        // correction never passes for this period's reduction nor makes a gross figure negative.
        // The reconciliation names it on a line of its own, so it still holds to the gram.
        let restated = is_restatement(ledger, scope, tx);
        if let Some(g) =
            tx.meta.get(crate::ledger::BIOGENIC_META).and_then(|g| g.parse::<i64>().ok()).filter(|_| !restated)
        {
            biogenic_uptake_gco2 += sign * g;
        }
        let mut booked_here: BTreeMap<String, Both> = BTreeMap::new();
        let mut effect: Both = Both::default();
        for p in &tx.postings {
            let Some(acc) = chart.get(&p.account) else { continue };
            let gas = p.gas_grams(ratios);
            if acc.role == Role::WipDirect && matches!(kind, TxKind::Emit | TxKind::Capture) && !restated {
                let site = crate::name::text(&p.dims.site).or_else(|| default_site.clone());
                add_both(s1_sites.entry(site).or_default(), ledger, p, 1);
            }
            match (acc.role, kind) {
                (Role::WipDirect, TxKind::Emit | TxKind::Capture) if restated => add_both(&mut effect, ledger, p, 1),
                (Role::WipDirect, TxKind::Emit) => {
                    add(&mut s1.generated, p.species, p.amount);
                    add_gas(&mut s1.generated_gas, p.species, gas);
                    add_both(&mut effect, ledger, p, 1);
                }
                (Role::WipDirect, TxKind::Capture) if p.amount * sign < 0 => {
                    add(&mut s1.captured, p.species, -p.amount);
                    add_gas(&mut s1.captured_gas, p.species, -gas);
                    add_both(&mut effect, ledger, p, 1);
                }
                (Role::WipDirect, TxKind::Capture) => {
                    add(&mut s1.capture_process, p.species, p.amount);
                    add_gas(&mut s1.capture_process_gas, p.species, gas);
                    add_both(&mut effect, ledger, p, 1);
                }
                _ => {}
            }
            match acc.role {
                Role::InAttributed => {
                    add_both(&mut effect, ledger, p, 1);
                    for (class, amount, gas) in placed(ledger, kind, p).into_iter().filter(|_| !restated) {
                        let m = match class {
                            GhgClass::Scope2 => booked_here
                                .entry(p.dims.item.map(String::from).unwrap_or_else(|| "(no item)".into()))
                                .or_default(),
                            GhgClass::Scope3(n) => cats.entry(n).or_default(),
                        };
                        add(&mut m.0, p.species, amount);
                        add_gas(&mut m.1, p.species, gas);
                    }
                }
                Role::OutEmissions => {
                    let (key, label) = if kind == TxKind::Sell && p.dims.origin == Some(Origin::Transport) {
                        ("transport_passed_on", "Transport passed on to customers (FOD)")
                    } else {
                        ("sold_with_products", "Emissions that left with products sold")
                    };
                    add_both(&mut ledger_lines.entry(key).or_insert((label, Both::default())).1, ledger, p, -1);
                }
                Role::OutContent if !restated => {
                    if let Some(item) = &p.dims.item {
                        *content_sold.entry(item.to_string()).or_default() -= p.amount;
                    }
                }
                r if acc.side == Side::Stock && r.form() == Form::Emissions => {
                    if let Some((key, label)) = stock_line(r) {
                        add_both(&mut ledger_lines.entry(key).or_insert((label, Both::default())).1, ledger, p, 1);
                    }
                }
                _ => {}
            }
        }
        if let Some(r) = restatement(ledger, scope, tx, effect) {
            restatements.push(r);
        }
        // Scope 2 items bought: by their postings, and by their movements (a purchase without
        // an emission figure posts nothing but still consumed energy).
        if kind == TxKind::Purchase && !restated {
            for m in
                tx.movements.iter().filter(|m| ledger.item(&m.item).is_some_and(|i| i.ghg_class() == GhgClass::Scope2))
            {
                booked_here.entry(m.item.to_string()).or_default();
            }
        }
        // A data gap is the purchase's: a reversal or a return to the supplier reads the purchase's.
        let bought = original(ledger, tx).0;
        let bought = match bought.meta.get(crate::ledger::RETURNED_PURCHASE_META) {
            Some(id) if bought.kind == TxKind::Return => ledger.transaction(id).unwrap_or(bought),
            _ => bought,
        };
        let gap = bought.meta.contains_key(crate::ledger::DATA_GAP_META);
        for (item_id, booked) in booked_here {
            let quantity: i64 = tx.movements.iter().filter(|m| m.item == item_id).map(|m| m.quantity).sum();
            let entry = s2_items.entry(item_id.clone()).or_insert_with(|| Scope2Item::new(&item_id));
            entry.quantity += quantity;
            if gap {
                entry.gap_quantity += quantity;
            }
            for (s, a) in &booked.0 {
                add(&mut entry.booked, *s, *a);
            }
            for (s, g) in &booked.1 {
                add_gas(&mut entry.booked_gas, *s, *g);
            }
            location_based(ledger, &item_id, quantity, (&booked.0, &booked.1), entry, &mut missing);
        }
    }
    for m in cats.values_mut() {
        m.0.retain(|_, v| *v != 0);
        m.1.retain(|_, v| *v != exact::q(0));
    }
    s1.released = combine(&combine(&s1.generated, &s1.captured, -1), &s1.capture_process, 1);
    s1.released_gas = combine_gas(&combine_gas(&s1.generated_gas, &s1.captured_gas, -1), &s1.capture_process_gas, 1);
    let scope2 = scope2_of(ledger, scope, s2_items, &mut missing);
    let scope3 = scope3_categories(ledger, &cats, &content_sold, &mut missing);
    let mut reconciliation = Vec::new();
    let inv = |key: String, label: String, m: &BySpecies, gas: &GasBySpecies| ReconLine {
        key,
        label,
        side: ReconSide::Inventory,
        by_species: m.clone(),
        gas: gas.clone(),
    };
    reconciliation.push(inv("scope1_released".into(), "Scope 1, released".into(), &s1.released, &s1.released_gas));
    let mut booked = Both::default();
    for i in &scope2.items {
        for (s, a) in &i.booked {
            add(&mut booked.0, *s, *a);
        }
        for (s, g) in &i.booked_gas {
            add_gas(&mut booked.1, *s, *g);
        }
    }
    // What the restatements would have added to this period's inventory side: their own effects.
    let mut restated_effect = Both::default();
    for r in &restatements {
        for (s, a) in &r.by_species {
            add(&mut restated_effect.0, *s, *a);
        }
        for (s, g) in &r.gas {
            add_gas(&mut restated_effect.1, *s, *g);
        }
    }
    if !restated_effect.0.values().all(|a| *a == 0) {
        reconciliation.push(inv(
            "restatements".into(),
            "Reversals of earlier periods' operations (restated there, outside this period's scopes)".into(),
            &restated_effect.0,
            &restated_effect.1,
        ));
    }
    reconciliation.push(inv(
        "scope2_booked".into(),
        "Scope 2 as booked (supplier-specific)".into(),
        &booked.0,
        &booked.1,
    ));
    for c in scope3.iter().filter(|c| c.category <= 8 && c.status == Status::Ledger) {
        reconciliation.push(inv(
            format!("scope3_cat_{}", c.category),
            format!("Scope 3 category {}: {}", c.category, c.name),
            &c.by_species,
            &c.gas,
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
                by_species: m.0.clone(),
                gas: m.1.clone(),
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
        restatements,
        scope1_by_site: s1_sites
            .into_iter()
            .map(|(k, (c, g))| {
                (
                    k,
                    (
                        c.into_iter().filter(|(_, a)| *a != 0).collect(),
                        g.into_iter().filter(|(_, x)| *x != exact::q(0)).collect(),
                    ),
                )
            })
            .filter(|(_, (c, g)): &(_, Both)| !c.is_empty() || !g.is_empty())
            .collect(),
        biogenic_uptake_gco2,
        missing: missing.into_iter().collect(),
    }
}

/// Whether `tx` is a reversal of an operation dated before the scope starts.
fn is_restatement(ledger: &Ledger, scope: &Scope, tx: &Transaction) -> bool {
    tx.kind == TxKind::Reversal
        && tx.reverses.as_deref().and_then(|r| ledger.transaction(r)).is_some_and(|r| r.date < scope.start)
}

/// The restatement a transaction of the scope makes, if it is a reversal of an operation dated
/// before the scope starts.
fn restatement(ledger: &Ledger, scope: &Scope, tx: &Transaction, effect: Both) -> Option<Restatement> {
    if tx.kind != TxKind::Reversal {
        return None;
    }
    let reversed = ledger.transaction(tx.reverses.as_deref()?)?;
    (reversed.date < scope.start).then(|| Restatement {
        reversal: tx.id.clone(),
        date: tx.date,
        reverses: reversed.id.clone(),
        reversed_date: reversed.date,
        original_period: ledger.period_of(reversed.date).map(|p| p.id.clone()),
        by_species: effect.0.into_iter().filter(|(_, a)| *a != 0).collect(),
        gas: effect.1.into_iter().filter(|(_, g)| *g != exact::q(0)).collect(),
    })
}

/// The part of Scope 1 released at sites a regulated emission trading scheme covers (ESRS E1-6),
/// from each site's declaration (`ets "EU ETS"` or `ets none`): the covered amounts and the
/// schemes, or, when a site with Scope 1 emissions declares nothing (or emissions name no site
/// and no site is the default), the reasons the share is unknown: never assumed either way.
pub fn ets_coverage(ledger: &Ledger, g: &GhgInventory) -> Result<(Both, Vec<String>), Vec<String>> {
    let mut covered = Both::default();
    let mut schemes = Vec::new();
    let mut unknown = Vec::new();
    for (site, (c, gas)) in &g.scope1_by_site {
        match site.as_deref().map(|id| (id, ledger.site(id).and_then(|s| s.ets.clone()))) {
            None => unknown.push(
                "Scope 1 emissions booked without a site (and no default site): their ETS coverage is unknown"
                    .to_string(),
            ),
            Some((id, None)) => unknown.push(format!(
                "site `{id}` does not declare its emission trading coverage (`ets \"SCHEME\"` or `ets none`)"
            )),
            Some((_, Some(Ets::NotCovered))) => {}
            Some((_, Some(Ets::Scheme(x)))) => {
                for (s, a) in c {
                    add(&mut covered.0, *s, *a);
                }
                for (s, x) in gas {
                    add_gas(&mut covered.1, *s, *x);
                }
                if !schemes.contains(&x) {
                    schemes.push(x);
                }
            }
        }
    }
    if unknown.is_empty() {
        Ok((covered, schemes))
    } else {
        Err(unknown)
    }
}
