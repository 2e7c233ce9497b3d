//! Snapshots of entity ledgers (issue 12 item 3). A long journal loads from its entity's stored
//! snapshot ([`custody_core::Ledger::snapshot`]) and replays only the entries after it; the
//! journal stays the record: a snapshot that does not name its entry, does not match its digest or
//! does not decode is passed over (with a warning) and the whole journal is replayed, and
//! `verify` replays everything and checks the snapshot against the replay at its entry.
//!
//! When: after an append, once at least `max(SNAPSHOT_EVERY, s / 4)` entries follow the last
//! snapshot at entry `s` (so the snapshots written over a journal's life cost time linear in its
//! length, and a load replays at most a fifth of it); at the end of `custody import`
//! ([`Registry::snapshot_now`]); and by `custody snapshot`, which replays the whole journal first
//! ([`Registry::snapshot_rebuilt`]). One snapshot per entity is kept.

use crate::registry_cache::Cached;
use crate::*;
use custody_core::Ledger;

impl<S: Store> Registry<S> {
    /// Sets the least number of entries between automatic snapshots (tests use small numbers;
    /// `i64::MAX` turns them off).
    pub fn with_snapshot_every(mut self, entries: i64) -> Registry<S> {
        self.snapshot_every = entries.max(1);
        self
    }

    /// The entity's stored snapshot restored, with the head it names; `None` when there is none
    /// or it does not check out (then the journal is replayed from its start).
    pub(crate) async fn restore(&self, entity: &str) -> Result<Option<(Ledger, Head)>, SubmitError> {
        let snap = match self.store().snapshot(entity).await {
            Ok(Some(snap)) => snap,
            Ok(None) => return Ok(None),
            // A row that does not read (a damaged column) is passed over like one that does
            // not check out: the journal is the record.
            Err(e) => {
                tracing::warn!(entity, "the stored snapshot does not read ({e}): replaying the whole journal");
                return Ok(None);
            }
        };
        let named = self.store().entries(entity, snap.seq.saturating_sub(1), 1).await?;
        let why = if !named.first().is_some_and(|r| r.seq == snap.seq && r.hash == snap.entry_hash) {
            format!("it names entry {} with a hash the journal does not have there", snap.seq)
        } else if snapshot_digest(&snap.body) != snap.digest {
            "its bytes do not match its digest".to_string()
        } else {
            match Ledger::from_snapshot(&snap.body) {
                Ok(ledger) if ledger.entity().id == entity => {
                    return Ok(Some((ledger, Head { seq: snap.seq, hash: snap.entry_hash })))
                }
                Ok(ledger) => format!("it holds the ledger of `{}`", ledger.entity().id),
                Err(e) => e.to_string(),
            }
        };
        tracing::warn!(entity, seq = snap.seq, "snapshot passed over, replaying the whole journal: {why}");
        Ok(None)
    }

    /// Whether a ledger restored from a snapshot (and the entries after it) holds exactly the
    /// store's running balances: a snapshot whose digest checks out but whose content is not
    /// this journal's (written by a faulty build, or put there by hand) is caught here, at load,
    /// not only by `verify`.
    pub(crate) async fn balances_agree(&self, entity: &str, ledger: Option<&Ledger>) -> Result<bool, SubmitError> {
        let Some(ledger) = ledger else { return Ok(false) };
        if self.store().balances(entity).await? == crate::registry_verify::balance_rows(ledger) {
            return Ok(true);
        }
        tracing::warn!(
            entity,
            "the ledger restored from the snapshot disagrees with the stored balances: replaying the whole journal"
        );
        Ok(false)
    }

    /// Writes a snapshot after an append when enough entries follow the last one. A snapshot
    /// that cannot be written is logged, never an error: the entries are already stored.
    pub(crate) async fn snapshot_if_due(&self, entity: &str, cached: &mut Cached) {
        let after = cached.head.seq - cached.snapshot_seq;
        if after < self.snapshot_every.max(cached.snapshot_seq / 4) {
            return;
        }
        if let Err(e) = self.put_snapshot_of(entity, cached).await {
            tracing::warn!(entity, seq = cached.head.seq, "snapshot not written: {e}");
        }
    }

    async fn put_snapshot_of(&self, entity: &str, cached: &mut Cached) -> Result<(), StoreError> {
        let Some(ledger) = cached.ledger.as_ref() else { return Ok(()) };
        let body = ledger.snapshot();
        let row = SnapshotRow {
            seq: cached.head.seq,
            entry_hash: cached.head.hash.clone(),
            digest: snapshot_digest(&body),
            body,
        };
        self.store().put_snapshot(entity, &row).await?;
        cached.snapshot_seq = row.seq;
        Ok(())
    }

    /// Takes and keeps a snapshot of the entity's ledger at its head now, when at least
    /// `at_least` entries (1 or more) follow its last snapshot (the end of `custody import`:
    /// [`IMPORT_SNAPSHOT_MIN`]). Answers the entry the entity's snapshot names (0: none).
    pub async fn snapshot_now(&self, entity: &str, at_least: i64) -> Result<i64, SubmitError> {
        let slot = self.slot(entity);
        let mut cached = slot.lock().await;
        self.fresh(entity, &mut cached).await?;
        if cached.ledger.is_some() && cached.head.seq - cached.snapshot_seq >= at_least.max(1) {
            self.put_snapshot_of(entity, &mut cached).await?;
        }
        Ok(cached.snapshot_seq)
    }

    /// The entity's ledger replayed from the first entry, ignoring any stored snapshot and the
    /// cache: for what is signed over the journal's head (`report --sign`, deliveries, returns),
    /// which must follow from the entries it names, not from a snapshot beside them.
    pub async fn replayed(&self, entity: &str) -> Result<Ledger, SubmitError> {
        let (ledger, _) = self.replay_from(entity, None, Head::genesis()).await?;
        ledger.ok_or_else(|| SubmitError::Corrupt(format!("entity `{entity}` has no entity entry")))
    }

    /// Replays the entity's whole journal, ignoring any stored snapshot, and keeps a snapshot of
    /// the result at its head, replacing the stored one (`custody snapshot`: the repair of a
    /// snapshot `verify` named, and the first snapshot after an upgrade). Answers the entry it
    /// names (0: the journal is empty).
    pub async fn snapshot_rebuilt(&self, entity: &str) -> Result<i64, SubmitError> {
        let slot = self.slot(entity);
        let mut cached = slot.lock().await;
        let (ledger, head) = self.replay_from(entity, None, Head::genesis()).await?;
        (cached.ledger, cached.head, cached.snapshot_seq) = (ledger, head, 0);
        self.held(entity, &cached);
        if cached.ledger.is_some() {
            self.put_snapshot_of(entity, &mut cached).await?;
        }
        Ok(cached.snapshot_seq)
    }
}

impl<S: Store> Registry<S> {
    /// The entity's ledger as stored, moved out of the registry's cache rather than copied (a
    /// one-shot reader such as a CLI report; the next use loads it again). For statements:
    /// receives' claimed views are settled as in [`Registry::ledger_for_statements`].
    pub async fn take_ledger_for_statements(&self, entity: &str) -> Result<Ledger, SubmitError> {
        let slot = self.slot(entity);
        let mut cached = slot.lock().await;
        self.fresh(entity, &mut cached).await?;
        cached.head = Head { seq: -1, hash: String::new() };
        let mut ledger = cached
            .ledger
            .take()
            .ok_or_else(|| SubmitError::Corrupt(format!("entity `{entity}` has no entity entry")))?;
        self.held(entity, &cached);
        drop(cached);
        self.settle_claims(&mut ledger).await;
        Ok(ledger)
    }
}

impl<S: Store> Registry<S> {
    /// The entry of the snapshot the entity's cached ledger was loaded from or last snapshotted
    /// at (0: replayed from the start, or not loaded): how tests and `custody verify` tell a
    /// load from a snapshot from a replay.
    pub async fn loaded_snapshot_seq(&self, entity: &str) -> i64 {
        self.slot(entity).lock().await.snapshot_seq
    }
}
