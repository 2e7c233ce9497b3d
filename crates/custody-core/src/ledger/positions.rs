//! State written by a post: positions, quantities, lot order, reversed/received/returned sets and the
//! running side totals; and reads of inventory and work-in-process positions.

use super::draft::is_inventory_role;
use super::state::{Ledger, PosKey, TRANSFER_META};
use crate::chart::Role;
use crate::model::*;
use crate::units::Species;

impl Ledger {
    pub(super) fn post(&mut self, tx: Transaction) -> usize {
        for p in &tx.postings {
            let side = self.chart.get(&p.account).expect("checked before posting").side;
            self.totals.add(side, p.species, p.amount);
            let key = (p.account.clone(), p.species, p.dims.clone());
            let e = self.positions.entry(key.clone()).or_default();
            *e = e.checked_add(p.amount).expect("checked before posting");
            if *e == 0 {
                self.positions.remove(&key);
            }
        }
        for m in &tx.movements {
            let key = (m.item.clone(), m.site.clone(), m.lot.clone());
            let e = self.quantities.entry(key.clone()).or_default();
            *e += m.quantity;
            if let Some(lot) = &m.lot {
                let order = self.lot_order.entry((m.item.clone(), m.site.clone())).or_default();
                if !order.contains(lot) {
                    order.push(lot.clone());
                }
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

    /// Positions of an item's inventory at a site and lot, as `pending` (the operation planned so
    /// far) leaves them.
    pub(super) fn inventory_positions(
        &self,
        item: &str,
        site: &Option<String>,
        lot: &Option<String>,
        pending: &super::draft::Draft,
    ) -> Vec<(PosKey, i64)> {
        self.positions
            .iter()
            .filter(|((acc, _, dm), _)| {
                dm.item.as_deref() == Some(item)
                    && dm.site == *site
                    && dm.lot == *lot
                    && self.chart.get(acc).is_some_and(|a| is_inventory_role(a.role))
            })
            .map(|(k, v)| (k.clone(), *v + pending.pending_amount(&k.0, k.1, &k.2)))
            .filter(|(_, v)| *v != 0)
            .collect()
    }

    pub(super) fn wip_total(&self, role: Role, species: Option<Species>, site: &Option<String>) -> i64 {
        let code = &self.chart.by_role(role).code;
        self.positions
            .iter()
            .filter(|((acc, sp, dm), _)| acc == code && dm.site == *site && species.is_none_or(|s| s == *sp))
            .map(|(_, a)| *a)
            .sum()
    }
}
