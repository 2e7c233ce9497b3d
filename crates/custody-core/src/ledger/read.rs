//! Read access to the ledger: definitions, journal, positions, instruments, pools, certificates.

use super::state::{Entity, Ledger, PosKey, QtyKey};
use crate::chart::{Chart, Side};
use crate::model::*;
use crate::ops::*;
use std::collections::BTreeMap;

impl Ledger {
    /// `held` (the item's base unit: g or kJ) in the base unit of `dim`, exactly, through the
    /// item's energy content and density; `None` when the item has no such conversion.
    pub fn quantity_in(
        &self,
        item: &Item,
        held: crate::exact::Q,
        dim: crate::units::Dimension,
    ) -> Option<crate::exact::Q> {
        self.exact_in(item, held, dim)
    }

    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    pub fn pools(&self) -> impl Iterator<Item = &crate::coc::Pool> {
        self.pools.values()
    }
    pub fn pool(&self, id: &str) -> Option<&crate::coc::Pool> {
        self.pools.get(id)
    }
    pub fn certificates(&self) -> &crate::coc::CertificateBook {
        &self.certificates
    }
    pub fn avoided(&self) -> &[crate::coc::AvoidedCertificate] {
        &self.avoided
    }
    /// Operations that posted no transaction (instruments, chain of custody), in order.
    pub fn recorded(&self) -> &[Op] {
        &self.recorded
    }

    /// Whether a transfer was booked by a `receive`.
    pub fn has_received(&self, transfer: &str) -> bool {
        self.received.contains(transfer)
    }

    /// Whether a sale's delivery to a customer was returned.
    pub fn has_returned(&self, sale: &str, customer: &str) -> bool {
        self.returned.contains(&(sale.to_string(), customer.to_string()))
    }

    pub fn entity(&self) -> &Entity {
        &self.entity
    }
    pub fn chart(&self) -> &Chart {
        &self.chart
    }
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.items.values()
    }
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.get(id)
    }
    pub fn assets(&self) -> impl Iterator<Item = &Asset> {
        self.assets.values()
    }
    /// Sites declared with `site`, by id.
    pub fn sites(&self) -> impl Iterator<Item = &Site> {
        self.sites.values()
    }
    pub fn site(&self, id: &str) -> Option<&Site> {
        self.sites.get(id)
    }
    pub fn counterparties(&self) -> impl Iterator<Item = &Counterparty> {
        self.counterparties.values()
    }
    pub fn periods(&self) -> &[Period] {
        &self.periods
    }
    pub fn period(&self, id: &str) -> Option<&Period> {
        self.periods.iter().find(|p| p.id == id)
    }
    pub fn period_of(&self, date: Date) -> Option<&Period> {
        self.periods.iter().find(|p| p.start <= date && date <= p.end)
    }
    pub fn transactions(&self) -> &[Transaction] {
        &self.txs
    }
    /// The operation as applied (a receive as the registry resolved it), by id: decoded from
    /// its packed bytes on each call (the ledger keeps operations packed).
    pub fn op(&self, id: &str) -> Option<crate::ops::Op> {
        self.ops.get(id).map(|o| o.unpack())
    }
    pub fn transaction(&self, id: &str) -> Option<&Transaction> {
        self.tx_index.get(id).map(|i| &self.txs[*i])
    }
    pub fn instruments(&self) -> &[Instrument] {
        &self.instruments
    }
    pub fn positions(&self) -> &BTreeMap<PosKey, i64> {
        &self.positions
    }
    pub fn quantities(&self) -> &BTreeMap<QtyKey, i64> {
        &self.quantities
    }
    /// Entries visited by position and lot lookups since the ledger was built: a measure of work
    /// (not time) that tests use to guard linear growth.
    pub fn work(&self) -> u64 {
        self.work.get()
    }
    pub fn is_reversed(&self, id: &str) -> bool {
        self.reversed.contains(id)
    }

    /// Sum of positions on one side, in grams of carbon (non-carbon gases excluded).
    pub fn side_total_carbon(&self, side: Side) -> i128 {
        match side {
            Side::Stock => self.totals.stock_carbon,
            Side::Flow => self.totals.flow_carbon,
        }
    }
}
