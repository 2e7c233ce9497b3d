//! Data gaps travel with the carbon they concern (docs/journal.md "Missing is not zero").
//!
//! A purchase or opening without emission data (`DATA_GAP_META`) puts its id on the holding it
//! fills. Any transaction that draws from a holding carrying gaps names them in its
//! `DATA_GAP_FROM_META` and passes them to every holding it fills: stock -> work in process ->
//! the products of the production that empties it -> the sale -> the buyer's receive (the
//! registry copies the sale's gaps into the receive, `Receive::data_gaps`). Conservative: a gap
//! stays on the item's stock (per lot where lots are tracked, at every site) until that stock is
//! drawn to zero, and on a site's work in process until the work in process is emptied, whatever
//! the costing method: a share of a moving average holds a share of the unknown.

use super::state::{Holding, Ledger, DATA_GAP_FROM_META, DATA_GAP_META};
use crate::chart::Role;
use crate::model::*;
use crate::ops::*;
use std::collections::BTreeSet;

/// What one transaction does with gaps: the holdings it draws from and fills, and the gaps it
/// carries into the holdings it fills.
pub(super) struct GapFlow {
    pub(super) sources: BTreeSet<Holding>,
    pub(super) dests: BTreeSet<Holding>,
    carried: BTreeSet<String>,
}

/// The gap ids a transaction's meta names (`DATA_GAP_FROM_META`).
pub fn gaps_named(tx: &Transaction) -> impl Iterator<Item = &str> {
    tx.meta.get(DATA_GAP_FROM_META).into_iter().flat_map(|s| s.split(',')).filter(|s| !s.is_empty())
}

impl Ledger {
    /// Reads the gaps a planned transaction draws and writes them in its meta (sorted, unique).
    pub(super) fn gap_flow(&self, op: &Op, tx: &mut Transaction) -> GapFlow {
        let wip: [&str; 3] =
            [Role::WipContent, Role::WipAttributed, Role::WipDirect].map(|r| self.chart.by_role(r).code.as_str());
        let (mut sources, mut dests) = (BTreeSet::new(), BTreeSet::new());
        for m in &tx.movements {
            let key = (Some(m.item), m.lot, None);
            if m.quantity < 0 {
                sources.insert(key);
            } else if m.quantity > 0 {
                dests.insert(key);
            }
        }
        for p in tx.postings.iter().filter(|p| wip.contains(&p.account.as_str())) {
            let key = (None, None, p.dims.site);
            if p.amount < 0 {
                sources.insert(key);
            } else if p.amount > 0 {
                dests.insert(key);
            }
        }
        // Material goes into and out of work in process even where it carries no carbon.
        match &op.body {
            Operation::Consume(c) => {
                dests.insert((None, None, crate::name::opt(&c.site)));
            }
            Operation::Produce(p) => {
                sources.insert((None, None, crate::name::opt(&p.site)));
            }
            _ => {}
        }
        let mut inherited: BTreeSet<String> =
            sources.iter().filter_map(|k| self.gaps.get(k)).flat_map(|s| s.iter().cloned()).collect();
        match &op.body {
            Operation::Receive(r) => inherited.extend(r.data_gaps.iter().cloned()),
            Operation::Return(r) => {
                if let Some(sale) = self.transaction(&r.sale) {
                    inherited.extend(gaps_named(sale).map(String::from));
                }
            }
            _ => {}
        }
        if let Some(of) = tx.reverses.as_ref().and_then(|id| self.transaction(id)) {
            inherited.extend(gaps_named(of).map(String::from));
        }
        if !inherited.is_empty() {
            tx.meta.insert(DATA_GAP_FROM_META.into(), inherited.iter().cloned().collect::<Vec<_>>().join(","));
        }
        let mut carried = inherited;
        if tx.meta.contains_key(DATA_GAP_META) {
            carried.insert(op.id.clone());
        }
        GapFlow { sources, dests, carried }
    }

    /// After posting: the filled holdings take the carried gaps; a drawn holding left empty
    /// carries none any more.
    pub(super) fn carry_gaps(&mut self, flow: GapFlow) {
        if !flow.carried.is_empty() {
            for k in &flow.dests {
                self.gaps.entry(*k).or_default().extend(flow.carried.iter().cloned());
            }
        }
        for k in &flow.sources {
            if self.gaps.contains_key(k) && self.holding_empty(k) {
                self.gaps.remove(k);
            }
        }
    }

    /// Whether a holding of `gaps` holds nothing now: an item's stock (per lot, every site) or a
    /// site's work in process.
    pub(super) fn holding_empty(&self, k: &Holding) -> bool {
        match k {
            (Some(item), lot, _) => self
                .quantities
                .range((*item, None, None)..)
                .take_while(|((it, _, _), _)| it == item)
                .filter(|((_, _, l), _)| l == lot)
                .all(|(_, q)| *q == 0),
            (None, _, site) => {
                let site = crate::name::text(site);
                [Role::WipContent, Role::WipAttributed, Role::WipDirect]
                    .into_iter()
                    .all(|r| self.wip_positions(r, &site).iter().all(|(_, a)| *a == 0))
            }
        }
    }

    /// The data gaps a holding carries now (item, lot) or a site's work in process (item `None`).
    pub fn gaps_held(&self, item: Option<&str>, lot: Option<&str>, site: Option<&str>) -> Vec<String> {
        let key = match item {
            Some(i) => (Some(Name::new(i)), lot.map(Name::new), None),
            None => (None, None, site.map(Name::new)),
        };
        self.gaps.get(&key).map(|s| s.iter().cloned().collect()).unwrap_or_default()
    }
}
