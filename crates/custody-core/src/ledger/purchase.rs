//! Planning receipts (opening and purchase) and capitalised assets.

use super::draft::{dims, inventory_roles, Draft};
use super::state::{Ledger, CUSTODY_META, DATA_GAP_META, OPENING_AFTER_META};
use crate::chart::Role;
use crate::exact::{self, Q};
use crate::model::*;
use crate::ops::*;
use crate::reject::{Code, Violations};
use crate::units::{Dimension, Species};

impl Ledger {
    pub(super) fn plan_receipt(&self, op: &Op, r: &Receipt, d: &mut Draft, v: &mut Violations) -> Option<()> {
        self.check_counterparty(&r.counterparty, "supplier", v);
        let item = self.item_or(&r.item, "item", v)?;
        let Some(origin) = Origin::of_category(item.category) else {
            v.push(
                Code::UnitMismatch,
                Some("item"),
                format!("item `{}` is a {}; only inputs are purchased", item.id, item.category.as_str()),
            );
            return None;
        };
        if r.factors.is_empty() && r.attributed.is_empty() {
            // Missing is not zero: a purchase or opening with no emission figure (content alone is
            // carbon, not the emissions that made it) is booked as a data gap, which travels with
            // the material (`gaps`); a deliberate zero is written `attributed 0 tCO2`.
            let why = if r.content.is_some() {
                "no emission figure stated (content only)"
            } else {
                "no emission or content figure stated"
            };
            d.meta.insert(DATA_GAP_META.into(), why.into());
        }
        if matches!(op.body, Operation::Opening(_)) {
            // An opening after the ledger's first operations is an inflow booked as an opening:
            // flagged with the earliest operation it follows (docs/journal.md "Openings").
            let earlier =
                self.txs.iter().filter(|t| t.kind != TxKind::Opening && t.date < op.date).min_by_key(|t| t.date);
            if let Some(t) = earlier {
                d.meta.insert(OPENING_AFTER_META.into(), t.id.clone());
            }
        }
        let (content_role, attributed_role) = inventory_roles(item.category);
        self.no_duplicate_species(
            r.factors.iter().map(|f| f.species).chain(r.attributed.iter().map(|a| a.species)),
            "factor",
            v,
        );
        let quantity = match &r.quantity {
            Some(m) => Some(self.quantity_or(item, m, "quantity", v)?),
            None => None,
        };
        let lot = self.lot_for(item, &r.lot, &op.id);
        let stock_dims = dims(Some(&item.id), lot.as_deref(), &r.site, Some(origin));
        let mut flow_dims = stock_dims.clone();
        flow_dims.counterparty = crate::name::opt(&r.counterparty);
        let book = |d: &mut Draft, species: Species, (amount, gas): (i64, Option<i64>), content: bool| {
            let (role, sd, fd) = if content {
                (content_role, Dims { origin: None, ..stock_dims.clone() }, Dims { origin: None, ..flow_dims.clone() })
            } else {
                (Some(attributed_role), stock_dims.clone(), flow_dims.clone())
            };
            let Some(role) = role else {
                return;
            };
            d.post_gas(role, species, amount, gas, sd);
            if species.is_carbon() {
                d.post_gas(if content { Role::InContent } else { Role::InAttributed }, species, amount, gas, fd);
            } else {
                d.post(Role::InAttributed, species, amount, fd);
            }
        };
        for f in &r.factors {
            if f.species == Species::C {
                v.push(Code::UnitMismatch, Some("factor"), "carbon content is given with `content`, not as a factor");
                continue;
            }
            let Some((exact_q, _)) = quantity else {
                v.push(Code::UnitMismatch, Some("factor"), "an emission factor needs a quantity");
                continue;
            };
            let Some(in_dim) = self.exact_in(item, exact_q, f.per.dimension) else {
                v.push(
                    Code::UnitMismatch,
                    Some("factor"),
                    format!(
                        "factor {f} is per {}, and item `{}` has no conversion to it",
                        f.per.dimension.as_str(),
                        item.id
                    ),
                );
                continue;
            };
            let gas = f.grams_per_base().and_then(|g| exact::mul(in_dim, g));
            if let Some(a) = self.stated_gas(f.species, gas, "factor", &format!("{f} x quantity"), v) {
                book(d, f.species, a, false)
            }
        }
        for a in &r.attributed {
            if a.species == Species::C {
                v.push(Code::UnitMismatch, Some("attributed"), "carbon content is given with `content`");
                continue;
            }
            if let Some(stated) = self.stated_or(a, "attributed", v) {
                book(d, a.species, stated, false);
            }
        }
        let content = match (&r.content, item.carbon_content, quantity) {
            (Some(c), _, _) => {
                if c.species != Species::C {
                    v.push(Code::UnitMismatch, Some("content"), format!("content is carbon (`tC`), not {}", c.species));
                    None
                } else {
                    if let Some((exact_q, _)) = quantity {
                        self.content_within_mass(item, exact_q, c.grams, "content", v);
                    }
                    self.carbon_or(c, "content", v)
                }
            }
            (None, Some(frac), Some((exact_q, _))) => match self.exact_in(item, exact_q, Dimension::Mass) {
                Some(mass) => exact::mul(mass, frac).and_then(exact::round_i64).ok(),
                None => {
                    v.push(Code::UnitMismatch, Some("quantity"), "carbon content fraction needs a mass");
                    None
                }
            },
            _ => None,
        };
        if let Some(c) = content.filter(|c| *c != 0) {
            if content_role.is_none() {
                v.push(
                    Code::ContentNotAllowed,
                    Some("content"),
                    format!("item `{}` cannot hold carbon content", item.id),
                );
            } else {
                book(d, Species::C, (c, None), true);
            }
        }
        if let Some(b) = &r.biogenic_uptake {
            self.biogenic_uptake(item, b, quantity.map(|q| q.0), content, d, v);
        }
        if let Some((_, q)) = quantity {
            d.movement(&item.id, &r.site, lot, q);
        }
        if let Some(m) = r.custody {
            d.meta.insert(CUSTODY_META.into(), m.as_str().into());
        }
        Some(())
    }

    pub(super) fn plan_capitalise(&self, op: &Op, c: &Capitalise, d: &mut Draft, v: &mut Violations) -> Option<TxKind> {
        self.check_counterparty(&c.counterparty, "counterparty", v);
        let Some(asset) = self.assets.get(&c.asset) else {
            v.push(Code::AssetUnknown, Some("asset"), format!("asset `{}` is not defined", c.asset));
            return None;
        };
        self.no_duplicate_species(c.amounts.iter().map(|a| a.species), "amount", v);
        let elapsed = (MonthIndex::of(op.date).0 - asset.in_service.0).clamp(0, asset.life_months as i32) as i128;
        for a in &c.amounts {
            if a.species == Species::C {
                v.push(Code::UnitMismatch, Some("amount"), "capitalised amounts are emissions, not content");
                continue;
            }
            let Some((amount, gas)) = self.stated_or(a, "amount", v) else {
                continue;
            };
            let sd = dims(Some(&asset.id), None, &c.site, Some(Origin::Ppe));
            let fd = Dims { counterparty: crate::name::opt(&c.counterparty), ..sd.clone() };
            d.post_gas(Role::PpeAttributed, a.species, amount, gas, sd.clone());
            d.post_gas(Role::InAttributed, a.species, amount, gas, fd);
            if elapsed > 0 {
                // Depreciation already taken before the ledger started, and passed on with products.
                let acc = exact::round_i64(Q::new(amount as i128 * elapsed, asset.life_months as i128)).ok()?;
                d.post(Role::PpeDepreciation, a.species, -acc, sd.clone());
                d.post(Role::OutEmissions, a.species, -acc, sd);
            }
        }
        if elapsed > 0 {
            d.meta.insert("months_depreciated_before".into(), elapsed.to_string());
            Some(TxKind::Opening)
        } else {
            Some(TxKind::Capital)
        }
    }
}

impl Ledger {
    /// Biogenic uptake of a purchase: grams of CO2 (negative, a removal), exact and rounded once,
    /// kept in the transaction's `biogenic_uptake_gCO2` beside the postings, never in them.
    fn biogenic_uptake(
        &self,
        item: &Item,
        b: &crate::units::Intensity,
        quantity: Option<Q>,
        content: Option<i64>,
        d: &mut Draft,
        v: &mut Violations,
    ) {
        if b.species != Species::CO2 {
            v.push(Code::UnitMismatch, Some("biogenic-uptake"), "biogenic uptake is CO2 per quantity (`kgCO2/L`)");
            return;
        }
        if b.value > exact::q(0) {
            v.push(
                Code::NegativeAmount,
                Some("biogenic-uptake"),
                "biogenic uptake is a removal: write it zero or negative, as PACT v3 does",
            );
            return;
        }
        let Some(q) = quantity else {
            v.push(Code::UnitMismatch, Some("biogenic-uptake"), "biogenic uptake per quantity needs a quantity");
            return;
        };
        let Some(in_dim) = self.exact_in(item, q, b.per.dimension) else {
            v.push(
                Code::UnitMismatch,
                Some("biogenic-uptake"),
                format!("{b} is per {}, and item `{}` has no conversion to it", b.per.dimension.as_str(), item.id),
            );
            return;
        };
        match b.grams_per_base().and_then(|g| exact::mul(in_dim, g)).and_then(exact::round_i64) {
            Ok(g) => {
                // The CO2 withdrawn into the material is at most its carbon as CO2: its content,
                // or (none known) its whole mass as carbon (E046, "Carbon within the material").
                let held = content.map(|c| (c, "carbon content")).or_else(|| {
                    let mass = self.exact_in(item, q, Dimension::Mass)?;
                    Some((exact::round_i64(mass).ok()?, "mass, all of it as carbon"))
                });
                if let Some((carbon, what)) = held {
                    let bound = self.entity.ratios.gas_grams(Species::CO2, carbon);
                    if exact::q(-(g as i128)) > bound {
                        v.push(
                            Code::ContentExceedsMass,
                            Some("biogenic-uptake"),
                            format!(
                                "{} gCO2 of biogenic uptake in `{}` whose {what} is {carbon} gC ({} gCO2 at most)",
                                -g,
                                item.id,
                                exact::format_decimal(bound, 0)
                            ),
                        );
                        return;
                    }
                }
                d.meta.insert(BIOGENIC_META.into(), g.to_string());
            }
            Err(_) => v.push(Code::Overflow, Some("biogenic-uptake"), "biogenic uptake out of range"),
        }
    }
}

/// Meta key of a purchase's biogenic CO2 uptake, in grams of CO2 (zero or negative).
pub const BIOGENIC_META: &str = "biogenic_uptake_gCO2";
