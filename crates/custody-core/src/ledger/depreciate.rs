//! Planning depreciation of capitalised assets onto products.

use super::draft::{dims, Draft};
use super::state::Ledger;
use crate::chart::Role;
use crate::exact::{self, Q};
use crate::model::*;
use crate::ops::*;
use crate::reject::{Code, Violations};
use crate::units::Species;
use std::collections::BTreeMap;

impl Ledger {
    pub(super) fn plan_depreciate(&self, op: &Op, dep: &Depreciate, d: &mut Draft, v: &mut Violations) -> Option<()> {
        let Some(asset) = self.assets.get(&dep.asset) else {
            v.push(Code::AssetUnknown, Some("asset"), format!("asset `{}` is not defined", dep.asset));
            return None;
        };
        if dep.to.is_empty() {
            v.push(Code::AllocationInvalid, Some("to"), "name the products that receive the depreciation");
            return None;
        }
        for (item, _) in &dep.to {
            if let Some(it) = self.item_or(item, "to", v) {
                if it.category != Category::Product {
                    v.push(Code::AllocationInvalid, Some("to"), format!("`{item}` is not a product"));
                }
            }
        }
        let weights: Vec<i128> = dep.to.iter().map(|(_, w)| exact::round_half_even(*w * exact::q(1_000_000))).collect();
        let months = (MonthIndex::of(op.date).0 - asset.in_service.0 + 1).clamp(0, asset.life_months as i32) as i128;
        let (cap_code, dep_code) =
            (&self.chart.by_role(Role::PpeAttributed).code, &self.chart.by_role(Role::PpeDepreciation).code);
        let mut by_species: BTreeMap<(Species, Option<String>), (i64, i64)> = BTreeMap::new();
        let asset_item = Some(asset.id.clone());
        let held = [cap_code, dep_code].into_iter().flat_map(|c| self.positions_at(c, &asset_item, &None, None));
        for ((acc, sp, dm), a) in held {
            let (acc, sp, a) = (&acc, &sp, &a);
            if acc == cap_code {
                by_species.entry((*sp, dm.site.clone())).or_default().0 += a;
            } else if acc == dep_code {
                by_species.entry((*sp, dm.site.clone())).or_default().1 -= a;
            }
        }
        let mut any = false;
        for ((species, site), (capitalised, accumulated)) in by_species {
            let target = exact::round_i64(Q::new(capitalised as i128 * months, asset.life_months as i128)).ok()?;
            let amount = target - accumulated;
            if amount <= 0 {
                continue;
            }
            any = true;
            d.post(Role::PpeDepreciation, species, -amount, dims(Some(&asset.id), None, &site, Some(Origin::Ppe)));
            let Some(parts) = exact::allocate(amount, &weights) else {
                v.push(Code::AllocationInvalid, Some("to"), "depreciation weights are all zero");
                return None;
            };
            for ((item, _), part) in dep.to.iter().zip(parts) {
                let lot = self.items.get(item).and_then(|it| self.lot_for(it, &None, &op.id));
                d.post(
                    Role::ProductDepreciation,
                    species,
                    part,
                    dims(Some(item), lot.as_deref(), &dep.site, Some(Origin::Ppe)),
                );
            }
        }
        if !any {
            v.push(
                Code::NothingToDepreciate,
                Some("asset"),
                format!("asset `{}` has nothing left to depreciate up to {}", asset.id, MonthIndex::of(op.date)),
            );
        }
        d.meta.insert("months_in_service".into(), months.to_string());
        Some(())
    }
}
