//! Scope 2 of the GHG inventory, both ways (Scope 2 Guidance ch. 4, dual reporting):
//! location-based from the items' grid-average factors, market-based from the supplier-specific
//! footprints booked, with energy attribute certificates applied to the energy they cover, each
//! once, within its boundary and year (checked when obtained: `ledger::eac`), never beyond the
//! consumption, and the item's declared residual mix for energy bought without a supplier figure
//! (Scope 2 Guidance ch. 6, the market-based hierarchy). Amounts are ledger base units by
//! species, each product of a factor and a quantity rounded once, half to even; beside them the
//! exact grams of gas the reports show.

use super::intensity::{BySpecies, GasBySpecies};
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
    /// Energy bought without a supplier-specific figure (purchases with a data gap), kJ: the
    /// part certificates leave of it takes the residual mix.
    pub gap_quantity: i64,
    /// The residual-mix figure of that energy (zero when none is declared: listed as missing).
    pub residual: BySpecies,
    /// The sources of the residual-mix factors used.
    pub residual_sources: Vec<String>,
    /// `booked`, `location` and `market` as exact grams of gas (stated figures as stated).
    pub booked_gas: GasBySpecies,
    pub location_gas: GasBySpecies,
    pub market_gas: GasBySpecies,
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
            gap_quantity: 0,
            residual: BySpecies::new(),
            residual_sources: Vec::new(),
            booked_gas: GasBySpecies::new(),
            location_gas: GasBySpecies::new(),
            market_gas: GasBySpecies::new(),
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
    /// `location` and `market` as exact grams of gas.
    pub location_gas: GasBySpecies,
    pub market_gas: GasBySpecies,
    pub instruments: Vec<InstrumentUse>,
}

fn add(m: &mut BySpecies, s: Species, a: i64) {
    *m.entry(s).or_default() += a;
}

fn add_gas(m: &mut GasBySpecies, s: Species, g: Q) {
    *m.entry(s).or_insert_with(|| exact::q(0)) += g;
}

/// Each factor x `quantity` of the item: exact grams of gas and the ledger amount (rounded once),
/// by species; `None` when a factor cannot be applied to the item's quantity.
fn apply_factors(
    ledger: &Ledger,
    item_id: &str,
    factors: &[GridFactor],
    quantity: Q,
) -> Option<(BySpecies, GasBySpecies)> {
    let item = ledger.item(item_id)?;
    let mut out = (BySpecies::new(), GasBySpecies::new());
    for g in factors {
        let q = ledger.quantity_in(item, quantity, g.factor.per.dimension)?;
        let grams = g.factor.grams_per_base().and_then(|f| exact::mul(q, f)).ok()?;
        let a = ledger.entity().ratios.ledger_amount(g.factor.species, grams).ok()?;
        add(&mut out.0, g.factor.species, a);
        add_gas(&mut out.1, g.factor.species, grams);
    }
    Some(out)
}

/// Location-based Scope 2 of one purchase: each grid factor x the quantity, rounded once; an
/// item without a usable grid factor keeps its booked figure and is listed as missing.
pub(super) fn location_based(
    ledger: &Ledger,
    item_id: &str,
    quantity: i64,
    booked: (&BySpecies, &GasBySpecies),
    entry: &mut Scope2Item,
    missing: &mut BTreeSet<String>,
) {
    let factors = ledger.item(item_id).map(|i| i.grid_factors.as_slice()).unwrap_or(&[]);
    for g in factors {
        if !entry.grid_sources.contains(&g.source) {
            entry.grid_sources.push(g.source.clone());
        }
    }
    let computed = match factors {
        [] => None,
        _ => apply_factors(ledger, item_id, factors, Q::from_integer(quantity as i128)),
    };
    let (carbon, gas) = match &computed {
        Some((c, g)) => (c, g),
        None => {
            missing.insert(format!(
                "grid factor for Scope 2 item `{item_id}` (none declared, or not convertible to its quantity): location-based uses the supplier-specific figure"
            ));
            booked
        }
    };
    for (s, a) in carbon {
        add(&mut entry.location, *s, *a);
    }
    for (s, g) in gas {
        add_gas(&mut entry.location_gas, *s, *g);
    }
}

/// Scope 2 of the scope: the items' figures summed, certificates of the scope applied in date
/// order to their item's consumption until it is covered.
pub(super) fn scope2_of(
    ledger: &Ledger,
    scope: &Scope,
    mut items: BTreeMap<String, Scope2Item>,
    missing: &mut BTreeSet<String>,
) -> Scope2 {
    let mut instruments = Vec::new();
    let mut eacs: Vec<&Instrument> =
        ledger.instruments().iter().filter(|i| i.date >= scope.start && i.date <= scope.end).collect();
    eacs.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    let mut certified: BTreeMap<String, BTreeMap<Species, (i64, Q)>> = BTreeMap::new();
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
                    let amount = grams.and_then(|g| Ok((ledger.entity().ratios.ledger_amount(e.rate.species, g)?, g)));
                    match amount {
                        Ok(_) if take == 0 => format!("the consumption of `{}` is already covered", e.item),
                        Ok((a, g)) => {
                            it.covered_kj += take;
                            let c = certified.entry(e.item.clone()).or_default().entry(e.rate.species).or_insert((0, exact::q(0)));
                            c.0 += a;
                            c.1 += g;
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
        // The energy no certificate covers keeps its supplier-specific footprint, pro rata; the
        // part of it bought without a supplier figure takes the residual mix.
        let uncovered = it.quantity - it.covered_kj;
        let share = if it.quantity == 0 { exact::q(1) } else { Q::new(uncovered as i128, it.quantity as i128) };
        for (s, a) in &it.booked {
            let part = if it.covered_kj == 0 {
                *a
            } else {
                exact::round_i64(Q::from_integer(*a as i128) * share).unwrap_or(*a)
            };
            add(&mut it.market, *s, part);
        }
        for (s, g) in &it.booked_gas {
            add_gas(&mut it.market_gas, *s, *g * share);
        }
        residual_mix(ledger, it, share, missing);
        for (s, a) in it.residual.clone() {
            add(&mut it.market, s, a);
        }
        for (s, (a, g)) in certified.get(&it.item).into_iter().flatten() {
            add(&mut it.market, *s, *a);
            add_gas(&mut it.market_gas, *s, *g);
        }
        it.market.retain(|_, a| *a != 0);
        it.market_gas.retain(|_, g| *g != exact::q(0));
        for (s, a) in &it.market {
            add(&mut s2.market, *s, *a);
        }
        for (s, g) in &it.market_gas {
            add_gas(&mut s2.market_gas, *s, *g);
        }
        for (s, a) in &it.location {
            add(&mut s2.location, *s, *a);
        }
        for (s, g) in &it.location_gas {
            add_gas(&mut s2.location_gas, *s, *g);
        }
    }
    s2.items = items.into_values().collect();
    s2
}

/// The residual mix of the energy bought without a supplier-specific figure that certificates
/// left uncovered (its `share` of the consumption, pro rata): the item's `residual-mix` factors x
/// that energy, rounded once per species. Without a declared factor nothing is invented: the
/// energy is listed in `missing` and adds nothing.
fn residual_mix(ledger: &Ledger, it: &mut Scope2Item, share: Q, missing: &mut BTreeSet<String>) {
    if it.gap_quantity == 0 {
        return;
    }
    let energy = Q::from_integer(it.gap_quantity as i128) * share;
    let factors = ledger.item(&it.item).map(|i| i.residual_mix.as_slice()).unwrap_or(&[]);
    let boundary =
        ledger.item(&it.item).and_then(|i| i.market_boundary.clone()).unwrap_or_else(|| "none declared".into());
    match factors {
        [] => {
            missing.insert(format!(
                "residual-mix factor for Scope 2 item `{}` (market boundary {boundary}): {} kJ bought without a supplier-specific figure have no market-based figure",
                it.item, it.gap_quantity
            ));
        }
        _ => match apply_factors(ledger, &it.item, factors, energy) {
            Some((c, g)) => {
                it.residual = c;
                for (s, x) in g {
                    add_gas(&mut it.market_gas, s, x);
                }
                it.residual_sources = factors.iter().map(|f| f.source.clone()).collect();
            }
            None => {
                missing.insert(format!(
                    "residual-mix factor for Scope 2 item `{}` cannot be applied to its quantity",
                    it.item
                ));
            }
        },
    }
}
