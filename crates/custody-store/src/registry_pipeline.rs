//! `custody import`'s write path (issue 12 item 3, "import at the store's speed"): each batch is
//! applied to the ledger in memory on a blocking thread while the batch before it is appended to
//! the store, so the rules and the database work side by side instead of in turn.
//!
//! What a batch does is exactly what [`Registry::submit`] does with it: the same
//! [`apply_batch`], the same append with the same hash chain, all or nothing per batch. The
//! differences are in time only: a batch's refusal is known before the batch ahead of it is
//! confirmed, so the caller is told which of the two a result is about ([`Which`]). A batch that
//! must be resolved against other entities (receives, returns, reversals, certificate receives,
//! pool claims and inputs of other ledgers' operations, a supplier that is an entity of the
//! registry) waits for the batch ahead, then goes through [`Registry::submit`] itself, which
//! never holds this entity's lock while reading another's. A write that finds the journal moved
//! by another writer (a conflict) is retried the same way.

use crate::registry::{apply_batch, exclusive_taken, AppliedBatch};
use crate::registry_cache::Cached;
use crate::*;
use custody_core::ops::{CustodyOp, Operation};
use custody_core::Ledger;
use custody_journal::Entry;
use tokio::sync::OwnedMutexGuard;

/// Which batch a pipeline result is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The batch pushed before this call: applied earlier, its write failed now.
    Previous,
    /// The batch of this call.
    This,
}

/// A batch the pipeline could not write, with the batches confirmed written before it.
#[derive(Debug)]
pub struct PipelineError {
    /// Outcomes of every batch confirmed by the call that failed, in order.
    pub confirmed: Vec<Vec<Outcome>>,
    pub which: Which,
    pub error: SubmitError,
}

/// One batch applied in memory, waiting for its write.
struct Pending {
    /// The journal's head before it, and after it.
    before: Head,
    after: Head,
    new_entries: Vec<NewEntry>,
    outcomes: Vec<Outcome>,
    /// The batch as pushed, to resubmit after a conflict.
    entries: Vec<Entry>,
}

/// Batches of one entity written in order, each applied while the one before is written. Hold
/// it for the length of an import, then call [`Pipeline::finish`]; dropping it unfinished leaves
/// the last batch unwritten (and the cache dropped, so nothing unwritten is ever read).
pub struct Pipeline<'r, S: Store> {
    registry: &'r Registry<S>,
    entity: String,
    /// The entity's slot, held while batches are applied ahead of their writes.
    guard: Option<OwnedMutexGuard<Cached>>,
    /// The ledger with every applied batch, and its head (written or pending).
    ledger: Option<Ledger>,
    head: Head,
    pending: Option<Pending>,
}

impl<S: Store> Registry<S> {
    /// A pipeline of batches for `entity` (see the module documentation).
    pub fn pipeline(&self, entity: &str) -> Pipeline<'_, S> {
        Pipeline {
            registry: self,
            entity: entity.to_string(),
            guard: None,
            ledger: None,
            head: Head { seq: -1, hash: String::new() },
            pending: None,
        }
    }
}

impl<S: Store + 'static> Pipeline<'_, S> {
    /// Applies `entries` and writes the batch before it. Answers the outcomes of the batches this
    /// call confirmed written (none, one or two), in order.
    pub async fn push(&mut self, entries: Vec<Entry>) -> Result<Vec<Vec<Outcome>>, PipelineError> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        // The registry's ids are read only for a batch naming a supplier (not for every batch), and
        // a failed read leaves the pending batch reported as unwritten, not silently dropped.
        let named = entries
            .iter()
            .any(|e| matches!(e, Entry::Op(op) if !crate::registry::counterparties_of(&op.body).is_empty()));
        let ids = if named {
            match self.registry.store().entity_ids().await {
                Ok(ids) => ids,
                Err(e) => {
                    let which = if self.pending.is_some() { Which::Previous } else { Which::This };
                    return Err(self.fail(Vec::new(), which, e.into()));
                }
            }
        } else {
            Vec::new()
        };
        if !local(&self.entity, &entries, &ids) {
            let mut confirmed = self.drain().await?;
            self.release();
            let outcomes = self.registry.submit(&self.entity, entries).await.map_err(|error| PipelineError {
                confirmed: std::mem::take(&mut confirmed),
                which: Which::This,
                error,
            })?;
            confirmed.push(outcomes);
            return Ok(confirmed);
        }
        if self.guard.is_none() {
            let mut guard = self.registry.slot(&self.entity).lock_owned().await;
            if let Err(e) = self.registry.fresh(&self.entity, &mut guard).await {
                return Err(PipelineError { confirmed: Vec::new(), which: Which::This, error: e });
            }
            self.ledger = guard.ledger.take();
            self.head = guard.head.clone();
            self.guard = Some(guard);
        }
        let (ledger, head, entity) = (self.ledger.take(), self.head.clone(), self.entity.clone());
        let apply = tokio::task::spawn_blocking(move || {
            let applied = apply_batch(&entity, ledger, &head, &entries);
            (applied, entries)
        });
        let pending = self.pending.take();
        let write = async {
            match &pending {
                Some(p) => Some(self.registry.store().append(&self.entity, &p.before, &p.new_entries).await),
                None => None,
            }
        };
        let (written, applied) = tokio::join!(write, apply);
        let (AppliedBatch { ledger, outcomes, new_entries, refusal }, entries) =
            applied.expect("applying a batch does not panic");
        let mut confirmed = Vec::new();
        match (written, pending) {
            (Some(Ok(_)), Some(p)) => confirmed.push(p.outcomes),
            (Some(Err(StoreError::Conflict)), Some(p)) => {
                // Another writer moved the journal: both batches go through `submit`, which
                // reloads and retries.
                self.abandon();
                for batch in [p.entries, entries] {
                    let which = if confirmed.is_empty() { Which::Previous } else { Which::This };
                    match self.registry.submit(&self.entity, batch).await {
                        Ok(o) => confirmed.push(o),
                        Err(error) => return Err(PipelineError { confirmed, which, error }),
                    }
                }
                return Ok(confirmed);
            }
            (Some(Err(StoreError::ExclusiveTaken(key))), Some(p)) => {
                let error = exclusive_taken(&self.entity, &p.entries, &key);
                return Err(self.fail(confirmed, Which::Previous, error));
            }
            (Some(Err(e)), Some(_)) => return Err(self.fail(confirmed, Which::Previous, e.into())),
            _ => {}
        }
        if let Some(error) = refusal {
            // The ledger holds the entries before the refused one: kept only when that is the
            // journal as written.
            if new_entries.is_empty() {
                self.ledger = ledger;
                self.release();
            } else {
                self.abandon();
            }
            return Err(PipelineError { confirmed, which: Which::This, error });
        }
        self.ledger = ledger;
        if new_entries.is_empty() {
            confirmed.push(outcomes);
        } else {
            let after = Head {
                seq: self.head.seq + new_entries.len() as i64,
                hash: new_entries.last().map(|e| e.hash.clone()).unwrap_or_default(),
            };
            let before = std::mem::replace(&mut self.head, after.clone());
            self.pending = Some(Pending { before, after, new_entries, outcomes, entries });
        }
        Ok(confirmed)
    }

    /// Writes the last batch and hands the ledger back to the registry's cache. Answers the
    /// outcomes of the batch it confirmed written, if any.
    pub async fn finish(mut self) -> Result<Vec<Vec<Outcome>>, PipelineError> {
        let confirmed = self.drain().await?;
        if let Some(mut guard) = self.guard.take() {
            guard.ledger = self.ledger.take();
            guard.head = self.head.clone();
            self.registry.held(&self.entity, &guard);
            self.registry.snapshot_if_due(&self.entity, &mut guard).await;
        }
        Ok(confirmed)
    }

    /// Writes the pending batch (the slot stays held).
    async fn drain(&mut self) -> Result<Vec<Vec<Outcome>>, PipelineError> {
        let Some(p) = self.pending.take() else {
            return Ok(Vec::new());
        };
        match self.registry.store().append(&self.entity, &p.before, &p.new_entries).await {
            Ok(head) => {
                debug_assert_eq!(head, p.after, "the store's head is the one the batch was chained to");
                Ok(vec![p.outcomes])
            }
            Err(StoreError::Conflict) => {
                self.abandon();
                let o = self.registry.submit(&self.entity, p.entries).await.map_err(|error| PipelineError {
                    confirmed: Vec::new(),
                    which: Which::Previous,
                    error,
                })?;
                Ok(vec![o])
            }
            Err(StoreError::ExclusiveTaken(key)) => {
                let error = exclusive_taken(&self.entity, &p.entries, &key);
                Err(self.fail(Vec::new(), Which::Previous, error))
            }
            Err(e) => Err(self.fail(Vec::new(), Which::Previous, e.into())),
        }
    }

    /// Hands the ledger (every batch written) back to the cache and lets go of the slot.
    fn release(&mut self) {
        if let Some(mut guard) = self.guard.take() {
            guard.ledger = self.ledger.take();
            guard.head = self.head.clone();
            self.registry.held(&self.entity, &guard);
        }
    }

    /// Drops the ledger: the next use reloads it from the store.
    fn abandon(&mut self) {
        self.ledger = None;
        self.pending = None;
        if let Some(mut guard) = self.guard.take() {
            guard.ledger = None;
            guard.head = Head { seq: -1, hash: String::new() };
        }
    }

    fn fail(&mut self, confirmed: Vec<Vec<Outcome>>, which: Which, error: SubmitError) -> PipelineError {
        self.abandon();
        PipelineError { confirmed, which, error }
    }
}

impl<S: Store> Drop for Pipeline<'_, S> {
    fn drop(&mut self) {
        // Unfinished: the cache must not keep a ledger holding batches that were never written.
        if let Some(mut guard) = self.guard.take() {
            guard.ledger = None;
            guard.head = Head { seq: -1, hash: String::new() };
        }
    }
}

/// Whether a batch needs nothing of other entities: no transfer, settlement, certificate receive
/// or cross-ledger pool flow, and no supplier that is an entity of the registry (`submit`'s
/// resolution step does nothing for it).
fn local(entity: &str, entries: &[Entry], ids: &[String]) -> bool {
    entries.iter().all(|e| {
        let Entry::Op(op) = e else { return true };
        match &op.body {
            Operation::Receive(_)
            | Operation::Return(_)
            | Operation::Reverse { .. }
            | Operation::Custody(CustodyOp::CertificateReceive { .. } | CustodyOp::PoolClaim { .. })
            | Operation::Custody(CustodyOp::PoolInput { operation: Some(_), .. }) => false,
            body => crate::registry::counterparties_of(body).iter().all(|c| c == entity || !ids.iter().any(|i| i == c)),
        }
    })
}
