//! State written by a post: positions, quantities, lot order, reversed/received/returned sets and the
//! running side totals; and reads of inventory and work-in-process positions.

use super::draft::is_inventory_role;
use super::state::{Ledger, PosKey, TRANSFER_META};
use crate::chart::Role;
use crate::model::*;
use crate::units::{CarbonRatios, Species};

impl Ledger {
    pub(super) fn post(&mut self, tx: Transaction) -> usize {
        for p in &tx.postings {
            let side = self.chart.get(&p.account).expect("checked before posting").side;
            self.totals.add(side, p.species, p.amount);
            let key = (p.account, p.species, *p.dims);
            // One search of the position map: read, add, and remove an emptied position in place.
            let (before, after) = match self.positions.entry(key.clone()) {
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    let before = *o.get();
                    let after = before.checked_add(p.amount).expect("checked before posting");
                    if after == 0 {
                        o.remove();
                    } else {
                        *o.get_mut() = after;
                    }
                    (before, after)
                }
                std::collections::btree_map::Entry::Vacant(v) => {
                    if p.amount != 0 {
                        v.insert(p.amount);
                    }
                    (0, p.amount)
                }
            };
            if CarbonRatios::keeps_gas(p.species) && (p.gas.is_some() || self.gas.contains_key(&key)) {
                let ratios = self.entity.ratios;
                let prior = self.gas.get(&key).copied().unwrap_or_else(|| ratios.gas_rounded(p.species, before));
                let added = p.gas.unwrap_or_else(|| ratios.gas_rounded(p.species, p.amount));
                self.gas.insert(key.clone(), prior.saturating_add(added));
            }
            if after == 0 {
                self.gas.remove(&key);
                if before != 0 {
                    let holding = (p.dims.item, p.dims.lot, p.dims.site);
                    if let Some(set) = self.by_holding.get_mut(&holding) {
                        set.remove(&key);
                        if set.is_empty() {
                            self.by_holding.remove(&holding);
                        }
                    }
                }
            } else if before == 0 {
                self.by_holding.entry((p.dims.item, p.dims.lot, p.dims.site)).or_default().insert(key);
            }
        }
        for m in &tx.movements {
            let key = (m.item.clone(), m.site.clone(), m.lot.clone());
            let e = self.quantities.entry(key.clone()).or_default();
            *e += m.quantity;
            let on_hand = *e;
            if on_hand == 0 {
                // An emptied holding leaves the working set (issue 12 item 1); reads take a
                // missing holding as none on hand.
                self.quantities.remove(&key);
            }
            if m.quantity > 0 {
                let first = self.first_in.entry(key.clone()).or_insert(tx.date);
                *first = (*first).min(tx.date);
            }
            if let Some(lot) = &m.lot {
                self.lot_order.entry((m.item, m.site)).or_default().set(lot, on_hand);
            }
        }
        if let Some(target) = &tx.reverses {
            self.reversed.insert(target.clone());
        }
        match (tx.kind, tx.meta.get(TRANSFER_META)) {
            (TxKind::Receive, Some(t)) => {
                self.received.insert(t.clone());
            }
            (TxKind::Return, _) => {
                if let (Some(sale), Some(customer)) = (tx.meta.get("sale"), tx.meta.get("customer")) {
                    self.returned.insert((sale.clone(), customer.clone()));
                }
            }
            _ => {}
        }
        self.tx_index.insert(tx.id.clone(), self.txs.len());
        self.txs.push(tx);
        // Conservation, asserted after every write: a failure here is a bug in the ledger.
        assert!(self.totals.balanced(), "carbon stocks must equal carbon flows after every transaction");
        self.txs.len() - 1
    }

    /// Positions on `account` of every species whose dimensions start with `item` and `lot` (and
    /// `site`, when given), found by range on the position map: O(species x log n + matches),
    /// never a scan of all positions. Counts the entries it visits in `work`.
    pub(super) fn positions_at(
        &self,
        account: &str,
        item: &Option<String>,
        lot: &Option<String>,
        site: Option<&Option<String>>,
    ) -> Vec<(PosKey, i64)> {
        let mut out = Vec::new();
        if let Some(site) = site {
            // One holding: its open positions come from the holding index.
            let h = (item.as_deref().map(Name::new), lot.as_deref().map(Name::new), site.as_deref().map(Name::new));
            for key in self.by_holding.get(&h).into_iter().flatten().filter(|k| k.0 == account) {
                self.work.add(1);
                out.push((key.clone(), self.positions[key]));
            }
            return out;
        }
        for species in Species::ALL {
            let from = Dims {
                item: item.as_deref().map(Name::new),
                lot: lot.as_deref().map(Name::new),
                site: site.cloned().unwrap_or(None).as_deref().map(Name::new),
                origin: None,
                counterparty: None,
            };
            for ((a, sp, dm), amount) in self.positions.range((Name::new(account), species, from)..) {
                self.work.add(1);
                if a != account
                    || *sp != species
                    || dm.item.as_deref() != item.as_deref()
                    || dm.lot.as_deref() != lot.as_deref()
                    || site.is_some_and(|s| dm.site.as_deref() != s.as_deref())
                {
                    break;
                }
                out.push(((*a, *sp, dm.clone()), *amount));
            }
        }
        out
    }

    /// Grams of gas a position holds as `pending` leaves it, when any of it was stated: `None`
    /// when its gas is only its carbon converted. `committed` is the position's amount in the map.
    pub(super) fn position_gas(&self, key: &PosKey, committed: i64, pending: &super::draft::Draft) -> Option<i64> {
        self.position(key, committed, pending).1
    }

    /// A position as `pending` leaves it: its amount, and its gas when any of it was stated.
    fn position(&self, key: &PosKey, committed: i64, pending: &super::draft::Draft) -> (i64, Option<i64>) {
        let ratios = self.entity.ratios;
        let (amount, pending_gas, pending_stated) = pending.pending(key, ratios);
        let held = self.gas.get(key).copied();
        if !CarbonRatios::keeps_gas(key.1) || (held.is_none() && !pending_stated) {
            return (committed + amount, None);
        }
        let gas = held.unwrap_or_else(|| ratios.gas_rounded(key.1, committed)).saturating_add(pending_gas);
        (committed + amount, Some(gas))
    }

    /// Positions of an item's inventory at a site and lot, as `pending` (the operation planned so
    /// far) leaves them.
    pub(super) fn inventory_positions(
        &self,
        item: &str,
        site: &Option<String>,
        lot: &Option<String>,
        pending: &super::draft::Draft,
    ) -> Vec<(PosKey, i64, Option<i64>)> {
        let item = Some(item.to_string());
        let mut out = Vec::new();
        for acc in self.chart.accounts().iter().filter(|a| is_inventory_role(a.role)) {
            for (k, v) in self.positions_at(&acc.code, &item, lot, Some(site)) {
                out.push((k, v));
            }
        }
        // In position-map order (account code, species, dimensions), as postings have always been
        // written. Pending amounts are added to the positions the map holds.
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.into_iter()
            .map(|(k, v)| {
                let (amount, gas) = self.position(&k, v, pending);
                (k, amount, gas)
            })
            .filter(|(_, v, _)| *v != 0)
            .collect()
    }

    /// Work-in-process positions of a role at a site.
    pub(super) fn wip_positions(&self, role: Role, site: &Option<String>) -> Vec<(PosKey, i64)> {
        let code = self.chart.by_role(role).code.clone();
        self.positions_at(&code, &None, &None, Some(site))
    }

    pub(super) fn wip_total(&self, role: Role, species: Option<Species>, site: &Option<String>) -> i64 {
        self.wip_positions(role, site)
            .into_iter()
            .filter(|((_, sp, _), _)| species.is_none_or(|s| s == *sp))
            .map(|(_, a)| a)
            .sum()
    }
}
