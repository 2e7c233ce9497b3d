//! Planning depreciation of capitalised assets onto products.

use super::draft::{dims, Draft};
use super::lots::Taken;
use super::state::Ledger;
use crate::chart::Role;
use crate::exact::{self, Q};
use crate::model::*;
use crate::name::Name;
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
        // Where each named product's share lands: its stock at the site, or the site's coming run.
        let mut landing = Vec::new();
        for (item, _) in &dep.to {
            let it = self.items.get(item)?;
            let stock = self.stock_at(it, &dep.site);
            if stock.is_empty() && self.made_since_depreciated(asset, it, &dep.site) {
                v.push(
                    Code::AllocationInvalid,
                    Some("to"),
                    format!(
                        "product `{item}` has no stock{} on {}: what the months depreciated made of it has left (sold, used or moved); book `depreciate` before it leaves, or name a product in stock",
                        dep.site.as_deref().map(|s| format!(" at site `{s}`")).unwrap_or_default(),
                        format_date(op.date)
                    ),
                );
            }
            landing.push(stock);
        }
        if !v.is_empty() {
            return None;
        }
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
            for (((item, _), part), stock) in dep.to.iter().zip(parts).zip(&landing) {
                if stock.is_empty() {
                    // Nothing made yet: the share waits in work in process for the site's next run.
                    let to = dims(None, None, &dep.site, Some(Origin::Ppe));
                    d.post_gas(Role::WipAttributed, species, part.carbon, part.gas, to);
                    continue;
                }
                let by_qty: Vec<i128> = stock.iter().map(|(_, q)| *q as i128).collect();
                for ((lot, _), piece) in stock.iter().zip(part.allocate(&by_qty)?) {
                    let to = dims(Some(item), lot.as_deref(), &dep.site, Some(Origin::Ppe));
                    d.post_gas(Role::ProductDepreciation, species, piece.carbon, piece.gas, to);
                }
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

    /// The holdings of `item` at `site` with stock, and their quantities: the one holding of an
    /// item costed by moving average, the active lots (oldest first) of one costed by lot.
    fn stock_at(&self, item: &Item, site: &Option<String>) -> Vec<(Option<String>, i64)> {
        let qty = |lot: Option<&str>| {
            let key = (Name::new(&item.id), crate::name::opt(site), lot.map(Name::new));
            *self.quantities.get(&key).unwrap_or(&0)
        };
        let lots: Vec<Option<String>> = match item.costing {
            Costing::Mwa => vec![None],
            Costing::Fifo | Costing::Specific => self
                .lot_order
                .get(&(Name::new(&item.id), crate::name::opt(site)))
                .map(|q| q.active().map(|l| Some(l.clone())).collect())
                .unwrap_or_default(),
        };
        lots.into_iter().map(|l| (l.clone(), qty(l.as_deref()))).filter(|(_, q)| *q > 0).collect()
    }

    /// Whether a production standing at `site` made `item` in the months this depreciation
    /// books: since the asset's last depreciation standing (or since it entered service).
    fn made_since_depreciated(&self, asset: &Asset, item: &Item, site: &Option<String>) -> bool {
        let dep_code = &self.chart.by_role(Role::PpeDepreciation).code;
        for tx in self.txs.iter().rev() {
            if MonthIndex::of(tx.date).0 < asset.in_service.0 {
                return false;
            }
            if self.reversed.contains(&tx.id) {
                continue;
            }
            match tx.kind {
                TxKind::Depreciate
                    if tx
                        .postings
                        .iter()
                        .any(|p| p.account == *dep_code && p.dims.item.as_deref() == Some(&asset.id)) =>
                {
                    return false
                }
                TxKind::Produce
                    if tx.movements.iter().any(|m| {
                        m.item.as_str() == item.id && m.site.map(|n| n.as_str()) == site.as_deref() && m.quantity > 0
                    }) =>
                {
                    return true
                }
                _ => {}
            }
        }
        false
    }
}
