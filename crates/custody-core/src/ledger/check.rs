//! The checks that collect rejections: the balance rule and range checks on a planned transaction,
//! and the field checks planners share (counterparty, item, quantity, carbon amount, species).

use super::state::{Ledger, PosKey, QtyKey};
use crate::exact::{self, Overflow, Q};
use crate::model::*;
use crate::reject::{Code, Violations};
use crate::units::{Dimension, Measure, Species, SpeciesMass};
use std::collections::{BTreeMap, BTreeSet};

impl Ledger {
    /// Checks a planned or raw transaction against the chart, the balance rule and stock on hand.
    pub(super) fn check_transaction(&self, tx: &Transaction, v: &mut Violations) {
        let mut totals = SideTotals::default();
        let mut sums: BTreeMap<PosKey, i128> = BTreeMap::new();
        for p in &tx.postings {
            match self.chart.get(&p.account) {
                None => {
                    v.push(Code::AccountUnknown, Some("post"), format!("account `{}` is not in the chart", p.account))
                }
                Some(a) => totals.add(a.side, p.species, p.amount),
            }
            *sums.entry((p.account.clone(), p.species, *p.dims)).or_default() += p.amount as i128;
        }
        for (key, add) in sums {
            let now = *self.positions.get(&key).unwrap_or(&0) as i128;
            if i64::try_from(now + add).is_err() {
                v.push(Code::Overflow, Some("post"), format!("account `{}` would leave the i64 range", key.0));
            }
        }
        if totals.stock_carbon != totals.flow_carbon {
            v.push(
                Code::UnbalancedCarbon,
                None,
                format!(
                    "stock side {} gC but flow side {} gC (difference {} gC)",
                    totals.stock_carbon,
                    totals.flow_carbon,
                    totals.stock_carbon - totals.flow_carbon
                ),
            );
        }
        for (sp, (s, f)) in &totals.gases {
            if s != f {
                v.push(Code::UnbalancedGas, None, format!("{sp}: stock side {s} g but flow side {f} g"));
            }
        }
        let mut qty: BTreeMap<QtyKey, i128> = BTreeMap::new();
        for m in &tx.movements {
            if !self.items.contains_key(m.item.as_str()) {
                v.push(Code::ItemUnknown, Some("move"), format!("item `{}` is not defined", m.item));
            }
            *qty.entry((m.item, m.site, m.lot)).or_default() += m.quantity as i128;
        }
        for (key, add) in qty {
            let now = *self.quantities.get(&key).unwrap_or(&0) as i128;
            if now + add < 0 {
                v.push(
                    Code::InsufficientQuantity,
                    Some("quantity"),
                    format!(
                        "item `{}`{}: {} on hand, {} drawn",
                        key.0,
                        lot_suffix(&crate::name::text(&key.2)),
                        now,
                        -add
                    ),
                );
            } else if i64::try_from(now + add).is_err() {
                v.push(Code::Overflow, Some("quantity"), format!("item `{}` quantity out of range", key.0));
            }
        }
    }

    pub(super) fn check_counterparty(&self, cp: &Option<String>, field: &'static str, v: &mut Violations) {
        if let Some(id) = cp {
            if *id == self.entity.id {
                v.push(
                    Code::SelfDealing,
                    Some(field),
                    format!("`{id}` is this entity: a company does not buy from, sell to or settle with itself"),
                );
            } else if !self.counterparties.contains_key(id) {
                v.push(Code::CounterpartyUnknown, Some(field), format!("counterparty `{id}` is not defined"));
            }
        }
    }

    pub(super) fn item_or(&self, id: &str, field: &'static str, v: &mut Violations) -> Option<&Item> {
        let it = self.items.get(id);
        if it.is_none() {
            v.push(Code::ItemUnknown, Some(field), format!("item `{id}` is not defined"));
        }
        it
    }

    /// Exact quantity of an item in its base unit (g or kJ) for a measure as written.
    pub(super) fn exact_quantity(&self, item: &Item, m: &Measure) -> Option<Q> {
        convert(item, m.base().ok()?, m.unit.dimension, item.measure)
    }

    /// Exact quantity in the given dimension (for intensities and keys).
    pub(super) fn exact_in(&self, item: &Item, held: Q, dim: Dimension) -> Option<Q> {
        convert(item, held, item.measure, dim)
    }

    pub(super) fn quantity_or(
        &self,
        item: &Item,
        m: &Measure,
        field: &'static str,
        v: &mut Violations,
    ) -> Option<(Q, i64)> {
        let Some(exact_q) = self.exact_quantity(item, m) else {
            v.push(
                Code::UnitMismatch,
                Some(field),
                format!(
                    "item `{}` is held by {}; `{}` cannot be converted (give its density or energy content)",
                    item.id,
                    item.measure.as_str(),
                    m.unit.name
                ),
            );
            return None;
        };
        let Ok(rounded) = exact::round_i64(exact_q) else {
            v.push(Code::Overflow, Some(field), format!("quantity {m} out of range"));
            return None;
        };
        if rounded <= 0 {
            let message = if exact_q > exact::q(0) {
                // Positive as stated, nothing once held: say so, not "must be positive".
                format!(
                    "quantity {m} of `{}` is {} {} once converted, below the ledger's resolution of one {}",
                    item.id,
                    exact::format_decimal(exact_q, 9),
                    item.measure.base_unit(),
                    item.measure.base_unit()
                )
            } else {
                format!("quantity {m} of `{}` must be positive", item.id)
            };
            v.push(Code::QuantityNotPositive, Some(field), message);
            return None;
        }
        Some((exact_q, rounded))
    }

    /// A stated carbon mass (`content`, an output's content) in gC, rounded once. Refused with E021
    /// when out of range, and when it is not zero but rounds to 0 gC (below the ledger's
    /// resolution: issue 16, "missing is not zero" and "stated amounts are exact").
    pub(super) fn carbon_or(&self, sm: &SpeciesMass, field: &'static str, v: &mut Violations) -> Option<i64> {
        match self.entity.ratios.ledger_amount(sm.species, sm.grams) {
            Ok(0) if sm.grams != exact::q(0) => {
                v.push(Code::Overflow, Some(field), below_resolution(&sm.to_string(), sm.species));
                None
            }
            Ok(a) => Some(a),
            Err(_) => {
                v.push(Code::Overflow, Some(field), format!("{sm} out of range"));
                None
            }
        }
    }

    /// Refuses (E046) carbon content above the mass of the material holding it: `content_g`
    /// grams of carbon in `quantity` (exact, the item's base unit) of `item`. Items without a
    /// mass (energy held with no energy content or density) are not checked.
    pub(super) fn content_within_mass(
        &self,
        item: &Item,
        quantity: Q,
        content_g: Q,
        field: &'static str,
        v: &mut Violations,
    ) {
        if let Some(mass) = self.exact_in(item, quantity, Dimension::Mass) {
            if content_g > mass {
                v.push(
                    Code::ContentExceedsMass,
                    Some(field),
                    format!(
                        "{} gC of carbon in {} g of `{}`: carbon content cannot exceed the material's mass",
                        exact::format_decimal(content_g, 6),
                        exact::format_decimal(mass, 6),
                        item.id
                    ),
                );
            }
        }
    }

    /// A stated gas mass as a ledger amount and the gas kept as stated (see `Posting::gas`).
    pub(super) fn stated_or(
        &self,
        sm: &SpeciesMass,
        field: &'static str,
        v: &mut Violations,
    ) -> Option<(i64, Option<i64>)> {
        self.stated_gas(sm.species, Ok(sm.grams), field, &sm.to_string(), v)
    }

    /// `grams` of gas of `species` (exact) as a ledger amount and the gas kept as stated: every
    /// stated emission figure goes through here (attributed, factor x quantity, emission,
    /// captured, process, capitalised amount, transport). Refused with E021 when out of range,
    /// and when the exact figure is not zero but its ledger amount rounds to 0 (carbon species:
    /// 0 gC; N2O, SF6, CO2e: 0 g of gas), so that no stated figure silently becomes zero and
    /// vanishes from every statement (the ledger's resolution is 1 gC or 1 g; issue 16).
    pub(super) fn stated_gas(
        &self,
        species: Species,
        grams: Result<Q, Overflow>,
        field: &'static str,
        what: &str,
        v: &mut Violations,
    ) -> Option<(i64, Option<i64>)> {
        let stated = grams.and_then(|g| Ok((g, self.entity.ratios.stated(species, g)?)));
        match stated {
            Err(_) => v.push(Code::Overflow, Some(field), format!("{what} out of range")),
            Ok((g, (0, _))) if g != exact::q(0) => v.push(Code::Overflow, Some(field), below_resolution(what, species)),
            Ok((_, stated)) => return Some(stated),
        }
        None
    }

    pub(super) fn no_duplicate_species(
        &self,
        species: impl Iterator<Item = Species>,
        field: &'static str,
        v: &mut Violations,
    ) {
        let mut seen = BTreeSet::new();
        for sp in species {
            if !seen.insert(sp) {
                v.push(Code::DuplicateSpecies, Some(field), format!("{sp} is given twice"));
            }
        }
    }
}

/// Converts an exact quantity of an item between dimensions (base units g, kJ, m3) with the item's
/// energy content (per mass or per volume) and density.
fn convert(item: &Item, x: Q, from: Dimension, to: Dimension) -> Option<Q> {
    let per = |p: &Option<crate::units::Property>| p.and_then(|p| p.per_base().ok());
    let (ec, ve, rho) = (per(&item.energy_content), per(&item.volumetric_energy), per(&item.density));
    // Base units of `to` per base unit of `from`.
    let mass_per_volume = rho.or_else(|| Some(ve? / ec?));
    let energy_per_volume = ve.or_else(|| Some(rho? * ec?));
    let factor = match (from, to) {
        (a, b) if a == b => Some(exact::q(1)),
        (Dimension::Mass, Dimension::Energy) => ec,
        (Dimension::Energy, Dimension::Mass) => ec.map(|e| exact::q(1) / e),
        (Dimension::Volume, Dimension::Mass) => mass_per_volume,
        (Dimension::Mass, Dimension::Volume) => mass_per_volume.map(|m| exact::q(1) / m),
        (Dimension::Volume, Dimension::Energy) => energy_per_volume,
        (Dimension::Energy, Dimension::Volume) => energy_per_volume.map(|e| exact::q(1) / e),
        _ => None,
    }?;
    if factor == exact::q(0) {
        return None;
    }
    exact::mul(x, factor).ok()
}

/// The message of a nonzero figure below the ledger's resolution.
fn below_resolution(what: &str, species: Species) -> String {
    let unit = if species.is_carbon() { "1 gC" } else { "1 g" };
    format!("{what} is not zero but rounds to 0, less than the ledger's resolution of {unit}: state it aggregated with others")
}

pub(super) fn lot_suffix(lot: &Option<String>) -> String {
    lot.as_ref().map(|l| format!(" lot `{l}`")).unwrap_or_default()
}
