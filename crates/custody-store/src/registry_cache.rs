//! The registry's cache of loaded ledgers, bounded (issue 12 item 2): a registry serving many
//! entities keeps at most [`CACHE_OPERATIONS`] transactions in memory across them
//! ([`Registry::with_cache_limit`], `custody serve --cache-operations`); past that, the ledgers
//! used least recently, and not in use, are dropped, and their next use loads them again (from
//! their snapshot and the entries after it: docs/import.md "Snapshots"). The ledger being used is
//! never dropped, so one ledger larger than the limit is still served.

use crate::*;
use custody_core::Ledger;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::Mutex;

/// An entity's ledger as this process last loaded or wrote it.
pub(crate) struct Cached {
    pub(crate) ledger: Option<Ledger>,
    pub(crate) head: Head,
    /// The seq of the stored snapshot this process knows of (0: none).
    pub(crate) snapshot_seq: i64,
}

/// One entity's place in the cache.
pub(crate) struct Slot {
    cached: Arc<Mutex<Cached>>,
    /// The registry's use clock when it was last taken.
    used: u64,
    /// Transactions its ledger held when last loaded or written (0: none held).
    weight: usize,
}

/// What a cached ledger weighs: its transactions, and one for the ledger itself.
fn weight(cached: &Cached) -> usize {
    cached.ledger.as_ref().map_or(0, |l| l.transactions().len() + 1)
}

impl<S: Store> Registry<S> {
    /// Sets how many transactions the cached ledgers may hold together (at least one ledger is
    /// always held: the one in use).
    pub fn with_cache_limit(mut self, transactions: usize) -> Registry<S> {
        self.cache_limit = transactions;
        self
    }

    /// The entity's cache slot, marked as just used.
    pub(crate) fn slot(&self, entity: &str) -> Arc<Mutex<Cached>> {
        let tick = self.uses.fetch_add(1, Ordering::Relaxed);
        let mut all = self.entities.lock().expect("the registry lock is never held across a panic");
        let slot = all.entry(entity.to_string()).or_insert_with(|| Slot {
            cached: Arc::new(Mutex::new(Cached {
                ledger: None,
                head: Head { seq: -1, hash: String::new() },
                snapshot_seq: 0,
            })),
            used: tick,
            weight: 0,
        });
        slot.used = tick;
        slot.cached.clone()
    }

    /// Brings the cached ledger up to the stored head (loading it when another writer moved the
    /// journal, or when it was never loaded or was dropped), then trims the cache.
    pub(crate) async fn fresh(&self, entity: &str, cached: &mut Cached) -> Result<(), SubmitError> {
        let stored_head = self.store().head(entity).await?;
        if cached.head != stored_head || (cached.ledger.is_none() && stored_head.seq > 0) {
            let (ledger, head, snapshot_seq) = self.load(entity).await?;
            (cached.ledger, cached.head, cached.snapshot_seq) = (ledger, head, snapshot_seq);
            self.held(entity, cached);
        }
        Ok(())
    }

    /// Records what the entity's ledger weighs now, and drops the least recently used other
    /// ledgers (those not in use) while the cache holds more than its limit.
    pub(crate) fn held(&self, entity: &str, cached: &Cached) {
        let mut all = self.entities.lock().expect("the registry lock is never held across a panic");
        if let Some(slot) = all.get_mut(entity) {
            slot.weight = weight(cached);
        }
        let mut total: usize = all.values().map(|s| s.weight).sum();
        if total <= self.cache_limit {
            return;
        }
        let mut others: Vec<(&String, &mut Slot)> =
            all.iter_mut().filter(|(id, s)| id.as_str() != entity && s.weight > 0).collect();
        others.sort_by_key(|(_, s)| s.used);
        for (_, slot) in others {
            if total <= self.cache_limit {
                break;
            }
            // A ledger in use (its lock held) stays; the next trim looks again.
            if let Ok(mut other) = slot.cached.try_lock() {
                other.ledger = None;
                other.head = Head { seq: -1, hash: String::new() };
                total -= slot.weight;
                slot.weight = 0;
            }
        }
    }

    /// The entities whose ledgers the cache holds now, by id.
    pub fn cached_entities(&self) -> Vec<String> {
        let all = self.entities.lock().expect("the registry lock is never held across a panic");
        let mut ids: Vec<String> = all.iter().filter(|(_, s)| s.weight > 0).map(|(id, _)| id.clone()).collect();
        ids.sort();
        ids
    }
}
