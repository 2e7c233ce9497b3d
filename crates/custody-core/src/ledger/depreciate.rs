//! Planning depreciation of capitalised assets onto products.

use super::draft::{dims, Draft};
use super::lots::Taken;
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
        // Per (species, site): carbon capitalised and depreciated so far, and the same as gas where
        // the capitalised figure was stated (`Posting::gas`), so a stated 3 tCO2 depreciates to 3.
        let mut by_species: BTreeMap<(Species, Option<String>), [i64; 4]> = BTreeMap::new();
        let mut stated: BTreeMap<(Species, Option<String>), bool> = BTreeMap::new();
        let asset_item = Some(asset.id.clone());
        let held = [cap_code, dep_code].into_iter().flat_map(|c| self.positions_at(c, &asset_item, &None, None));
        for (key, a) in held {
            let gas = self.position_gas(&key, a, d);
            let k = (key.1, key.2.site.map(String::from));
            *stated.entry(k.clone()).or_default() |= gas.is_some();
            let gas = gas.unwrap_or_else(|| self.entity.ratios.gas_rounded(key.1, a));
            let e = by_species.entry(k).or_default();
            if key.0 == *cap_code {
                e[0] += a;
                e[2] += gas;
            } else if key.0 == *dep_code {
                e[1] -= a;
                e[3] -= gas;
            }
        }
        let mut any = false;
        for ((species, site), [capitalised, accumulated, cap_gas, acc_gas]) in by_species {
            let due = |total: i64| exact::round_i64(Q::new(total as i128 * months, asset.life_months as i128)).ok();
            let amount = due(capitalised)? - accumulated;
            if amount <= 0 {
                continue;
            }
            any = true;
            let gas = stated.get(&(species, site.clone())).copied().unwrap_or(false).then_some(due(cap_gas)? - acc_gas);
            let taken = Taken { carbon: amount, gas };
            let out = taken.neg();
            let from = dims(Some(&asset.id), None, &site, Some(Origin::Ppe));
            d.post_gas(Role::PpeDepreciation, species, out.carbon, out.gas, from);
            let Some(parts) = taken.allocate(&weights) else {
                v.push(Code::AllocationInvalid, Some("to"), "depreciation weights are all zero");
                return None;
            };
            for ((item, _), part) in dep.to.iter().zip(parts) {
                let lot = self.items.get(item).and_then(|it| self.lot_for(it, &None, &op.id));
                let to = dims(Some(item), lot.as_deref(), &dep.site, Some(Origin::Ppe));
                d.post_gas(Role::ProductDepreciation, species, part.carbon, part.gas, to);
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
