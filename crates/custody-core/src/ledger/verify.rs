//! Recomputing every position and side total from the journal, to compare with the running state.

use super::state::{Ledger, PosKey};
use crate::model::*;
use std::collections::BTreeMap;

impl Ledger {
    /// Recomputes every position from the journal and compares with the running positions.
    /// Returns the first key that differs.
    pub fn verify(&self) -> Result<(), String> {
        let mut again: BTreeMap<PosKey, i64> = BTreeMap::new();
        for tx in &self.txs {
            let mut totals = SideTotals::default();
            for p in &tx.postings {
                *again.entry((p.account.clone(), p.species, *p.dims)).or_default() += p.amount;
                let side = self.chart.get(&p.account).ok_or_else(|| format!("{}: unknown account", tx.id))?.side;
                totals.add(side, p.species, p.amount);
            }
            if !totals.balanced() {
                return Err(format!("transaction `{}` does not balance", tx.id));
            }
        }
        again.retain(|_, v| *v != 0);
        let mut totals = SideTotals::default();
        for ((acc, sp, _), v) in &again {
            let side = self.chart.get(acc).ok_or_else(|| format!("unknown account {acc}"))?.side;
            totals.add(side, *sp, *v);
        }
        let nonzero = |t: &SideTotals| {
            (
                t.stock_carbon,
                t.flow_carbon,
                t.gases.iter().filter(|(_, v)| **v != (0, 0)).map(|(k, v)| (*k, *v)).collect::<Vec<_>>(),
            )
        };
        if nonzero(&totals) != nonzero(&self.totals) {
            return Err("running side totals differ from the journal".into());
        }
        if again != self.positions {
            let first = again
                .iter()
                .find(|(k, v)| self.positions.get(*k) != Some(v))
                .map(|(k, _)| k.clone())
                .or_else(|| self.positions.keys().find(|k| !again.contains_key(*k)).cloned());
            return Err(format!("positions differ from the journal at {first:?}"));
        }
        let mut index: super::state::HashMap<_, std::collections::BTreeSet<_>> = Default::default();
        for key in self.positions.keys() {
            index.entry((key.2.item.clone(), key.2.lot.clone(), key.2.site.clone())).or_default().insert(key.clone());
        }
        if index != self.by_holding {
            return Err("the holding index differs from the positions".into());
        }
        Ok(())
    }
}
