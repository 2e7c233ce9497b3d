//! Scope 2 of the GHG inventory, both ways (Scope 2 Guidance ch. 4, dual reporting):
//! location-based from the items' grid-average factors, market-based from the supplier-specific
//! footprints booked, with energy attribute certificates applied to the energy they cover, each
//! once, within its boundary and year (checked when obtained: `ledger::eac`), never beyond the
//! consumption. Amounts are ledger base units by species; each product of a factor and a
//! quantity is rounded once, half to even.

use super::intensity::BySpecies;
use super::scope::Scope;
use crate::exact::{self, Q};
use crate::ledger::Ledger;
use crate::model::*;
use crate::units::Species;
use std::collections::{BTreeMap, BTreeSet};

/// One Scope 2 item: the supplier-specific footprint as booked, and both Scope 2 figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope2Item {
    pub item: String,
    /// In the item's base unit (kJ for electricity), net of returns and reversals.
    pub quantity: i64,
    /// The supplier-specific footprint the purchases booked (in.attributed).
    pub booked: BySpecies,
    /// Grid factor x quantity per purchase, rounded once per purchase and species.
    pub location: BySpecies,
    /// Booked for the energy no certificate covers, plus each certificate's rate x what it covers.
    pub market: BySpecies,
    /// Energy covered by certificates, kJ (at most `quantity`).
    pub covered_kj: i64,
    /// The sources of the grid factors used; empty when the item declares none.
    pub grid_sources: Vec<String>,
}

impl Scope2Item {
    pub(super) fn new(item: &str) -> Scope2Item {
        Scope2Item {
            item: item.into(),
            quantity: 0,
            booked: BySpecies::new(),
            location: BySpecies::new(),
            market: BySpecies::new(),
            covered_kj: 0,
            grid_sources: Vec::new(),
        }
    }
}

/// A market instrument of the scope and whether market-based Scope 2 applied it, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentUse {
    pub id: String,
    pub kind: &'static str,
    /// Grams CO2e as recorded by `obtain`.
    pub co2e_g: i64,
    /// The certificate's serial, for an EAC with terms.
    pub serial: Option<String>,
    /// Energy it covered in this scope, kJ.
    pub covered_kj: i64,
    pub applied: bool,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope2 {
    pub items: Vec<Scope2Item>,
    pub location: BySpecies,
    pub market: BySpecies,
    pub instruments: Vec<InstrumentUse>,
}

fn add(m: &mut BySpecies, s: Species, a: i64) {
    *m.entry(s).or_default() += a;
}

/// Location-based Scope 2 of one purchase: each grid factor x the quantity, rounded once; an
/// item without a usable grid factor keeps its booked figure and is listed as missing.
pub(super) fn location_based(
    ledger: &Ledger,
    item_id: &str,
    quantity: i64,
    booked: &BySpecies,
    entry: &mut Scope2Item,
    missing: &mut BTreeSet<String>,
) {
    let item = ledger.item(item_id);
    let factors = item.map(|i| i.grid_factors.as_slice()).unwrap_or(&[]);
    let mut computed = BySpecies::new();
    let mut usable = !factors.is_empty();
    for g in factors {
        let q = item.and_then(|i| ledger.quantity_in(i, Q::from_integer(quantity as i128), g.factor.per.dimension));
        let amount = q
            .ok_or(())
            .and_then(|q| g.factor.grams_per_base().and_then(|f| exact::mul(q, f)).map_err(|_| ()))
            .and_then(|grams| ledger.entity().ratios.ledger_amount(g.factor.species, grams).map_err(|_| ()));
        match amount {
            Ok(a) => add(&mut computed, g.factor.species, a),
            Err(()) => usable = false,
        }
        if !entry.grid_sources.contains(&g.source) {
            entry.grid_sources.push(g.source.clone());
        }
    }
    if usable {
        for (s, a) in computed {
            add(&mut entry.location, s, a);
        }
    } else {
        missing.insert(format!(
            "grid factor for Scope 2 item `{item_id}` (none declared, or not convertible to its quantity): location-based uses the supplier-specific figure"
        ));
        for (s, a) in booked {
            add(&mut entry.location, *s, *a);
        }
    }
}

/// Scope 2 of the scope: the items' figures summed, certificates of the scope applied in date
/// order to their item's consumption until it is covered.
pub(super) fn scope2_of(ledger: &Ledger, scope: &Scope, mut items: BTreeMap<String, Scope2Item>) -> Scope2 {
    let mut instruments = Vec::new();
    let mut eacs: Vec<&Instrument> =
        ledger.instruments().iter().filter(|i| i.date >= scope.start && i.date <= scope.end).collect();
    eacs.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    let mut certified: BTreeMap<String, BySpecies> = BTreeMap::new();
    for i in eacs {
        let mut use_ = InstrumentUse {
            id: i.id.clone(),
            kind: i.kind.as_str(),
            co2e_g: i.co2e_g,
            serial: i.eac.as_ref().map(|e| e.serial.clone()),
            covered_kj: 0,
            applied: false,
            reason: String::new(),
        };
        use_.reason = match (i.kind, &i.eac) {
            (InstrumentKind::Removal, _) => "a removal is reported beside the inventory, never netted into a scope".into(),
            (InstrumentKind::Eac, None) => "no certificate terms (serial, energy covered, generation period, market boundary, rate): the supplier-specific footprint stands".into(),
            (InstrumentKind::Eac, Some(e)) => match items.get_mut(&e.item) {
                None => format!("no consumption of `{}` in this scope", e.item),
                Some(it) => {
                    let left = (it.quantity - it.covered_kj).max(0);
                    let take = e.covers_kj.min(left);
                    let grams = e.rate.grams_per_base().and_then(|g| exact::mul(g, Q::from_integer(take as i128)));
                    match grams.and_then(|g| ledger.entity().ratios.ledger_amount(e.rate.species, g)) {
                        Ok(_) if take == 0 => format!("the consumption of `{}` is already covered", e.item),
                        Ok(a) => {
                            it.covered_kj += take;
                            add(certified.entry(e.item.clone()).or_default(), e.rate.species, a);
                            use_.applied = true;
                            use_.covered_kj = take;
                            if take < e.covers_kj {
                                format!("applied to {take} kJ; the rest exceeds the consumption and is not applied")
                            } else {
                                "applied".into()
                            }
                        }
                        Err(_) => "the certificate's emissions are out of range".into(),
                    }
                }
            },
        };
        instruments.push(use_);
    }
    let mut s2 = Scope2 { instruments, ..Scope2::default() };
    for it in items.values_mut() {
        // The energy no certificate covers keeps its supplier-specific footprint, pro rata.
        let uncovered = it.quantity - it.covered_kj;
        for (s, a) in &it.booked {
            let part = if it.covered_kj == 0 || it.quantity == 0 {
                *a
            } else {
                exact::round_i64(Q::new(*a as i128 * uncovered as i128, it.quantity as i128)).unwrap_or(*a)
            };
            add(&mut it.market, *s, part);
        }
        for (s, a) in certified.get(&it.item).into_iter().flatten() {
            add(&mut it.market, *s, *a);
        }
        it.market.retain(|_, a| *a != 0);
        for (s, a) in &it.market {
            add(&mut s2.market, *s, *a);
        }
        for (s, a) in &it.location {
            add(&mut s2.location, *s, *a);
        }
    }
    s2.items = items.into_values().collect();
    s2
}
