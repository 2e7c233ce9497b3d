//! The registry service: ledgers of many entities over one store.
//!
//! A submission is a batch of journal entries for one entity. It is applied to that entity's
//! ledger in memory (through `custody_core::Ledger`, the only place rules live), and only if every
//! entry is accepted is the batch written, in one store append. Writers of one entity are
//! serialized in this process by a lock, and across processes by the store's head check: a
//! conflicting append reloads the ledger from the store and tries again.

use crate::admit::parse_one;
use crate::registry_cache::Slot;
use crate::*;
use custody_core::model::Transaction;
use custody_core::ops::{Op, Operation, Raw};
use custody_core::Code;
use custody_core::{Applied, Ledger, Rejection};
use custody_journal::{print_entry, Entry};
use std::collections::HashMap;
use tokio::sync::Mutex;

/// Entries read per page when loading or verifying a journal.
pub(crate) const PAGE: i64 = 1_000;
/// Times a submission is retried after another writer moved the journal.
const MAX_RETRIES: usize = 8;

pub struct Registry<S: Store> {
    store: S,
    pub(crate) entities: std::sync::Mutex<HashMap<String, Slot>>,
    /// Held by every submission that receives or returns a transfer, from resolving it against
    /// the other ledger until it is written, so that a receive and a return of one transfer
    /// never both succeed in this process.
    transfers: Mutex<()>,
    /// Entries between automatic snapshots (at least; see `registry_snapshot`).
    pub(crate) snapshot_every: i64,
    /// Operations the cached ledgers may hold together (`registry_cache`).
    pub(crate) cache_limit: usize,
    /// A clock of slot uses, for least-recently-used eviction.
    pub(crate) uses: std::sync::atomic::AtomicU64,
}

/// What one submitted entry did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written as journal entry `seq`; for an operation, with the transaction it posted.
    Written { seq: i64, transaction: Option<Transaction> },
    /// The same operation was submitted before: nothing written.
    Duplicate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    /// Entry `index` of the batch was refused by the ledger's rules; nothing of the batch was written.
    #[error("entry {index} rejected: {rejection}")]
    Rejected { index: usize, rejection: Rejection },
    /// Entry `index` is a definition the ledger refused (duplicate id, overlapping period, ...).
    #[error("entry {index} refused: {message}")]
    Refused { index: usize, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored journal no longer replays (it was tampered with or corrupted).
    #[error("the stored journal does not replay: {0}")]
    Corrupt(String),
}

/// The first difference `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry {seq}{}: {what}", op_id.as_ref().map(|o| format!(" (`{o}`)")).unwrap_or_default())]
pub struct VerifyError {
    pub seq: i64,
    pub op_id: Option<String>,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub entries: i64,
    pub transactions: usize,
    pub head_hash: String,
    pub balances: usize,
    /// The entry the stored snapshot was taken at, checked against the replay there.
    pub snapshot_seq: Option<i64>,
    /// A stored snapshot another build (or format) wrote: the entry it names and its writer.
    /// This build never loads it (it replays the journal instead, and writes its own snapshot
    /// at the next append, `custody import` or `custody snapshot`), so it is not compared.
    pub snapshot_other_build: Option<(i64, String)>,
}

/// The canonical text of a posted transaction.
pub fn transaction_text(tx: &Transaction) -> String {
    print_entry(&Entry::Op(Box::new(Op {
        id: tx.id.clone(),
        date: tx.date,
        memo: tx.description.clone(),
        body: Operation::Raw(Raw::from(tx)),
    })))
}

/// [`apply_entry`] for an entry read back from the store: a refusal means the stored journal no
/// longer replays, [`SubmitError::Corrupt`] naming the entry.
pub(crate) fn apply_stored(ledger: &mut Option<Ledger>, entry: &Entry, seq: i64) -> Result<(), SubmitError> {
    apply_entry(ledger, entry)
        .map(|_| ())
        .map_err(|e| SubmitError::Corrupt(format!("entry {seq} no longer applies: {}", e.reason())))
}

/// Applies one entry to a ledger: `Ok(Some(tx index))` for a posted transaction, `Ok(None)` for a
/// definition or a recorded instrument, `Err` for a refusal.
pub(crate) fn apply_entry(ledger: &mut Option<Ledger>, entry: &Entry) -> Result<Option<Applied>, SubmitErrorKind> {
    match (entry, ledger.as_mut()) {
        (Entry::Entity(e), None) => {
            *ledger = Some(Ledger::new(e.clone()));
            Ok(None)
        }
        (Entry::Entity(e), Some(l)) if l.entity() == e => Ok(Some(Applied::Duplicate)),
        (Entry::Entity(e), Some(l)) if l.entity().id != e.id => Err(SubmitErrorKind::Refused(format!(
            "this journal is the entity `{}`'s: an `entity` entry for `{}` does not belong in it",
            l.entity().id,
            e.id
        ))),
        (Entry::Entity(e), Some(l)) => Err(SubmitErrorKind::Refused(format!(
            "the entity `{}` is already defined, differently: {}",
            e.id,
            custody_journal::redefinition(l, entry, "stored").unwrap_or_default()
        ))),
        (_, None) => Err(SubmitErrorKind::Refused("the journal must start with an `entity` entry".into())),
        (Entry::Op(op), Some(l)) => l.apply((**op).clone()).map(Some).map_err(SubmitErrorKind::Rejected),
        (e, Some(l)) if is_already_defined(l, e) => Ok(Some(Applied::Duplicate)),
        (e, Some(l)) => {
            let res = match e {
                Entry::Counterparty(c) => l.add_counterparty(c.clone()),
                Entry::Account(a) => l.add_account(a.clone()),
                Entry::Item(i) => l.add_item((**i).clone()),
                Entry::Site(s) => l.add_site(s.clone()),
                Entry::Asset(a) => l.add_asset(a.clone()),
                Entry::Period(p) => l.add_period(p.clone()),
                Entry::Close(id) => l.close_period(id),
                Entry::Pool(p) => l.add_pool((**p).clone()),
                Entry::Target(t) => l.add_target(t.clone()),
                Entry::Entity(_) | Entry::Op(_) => unreachable!("matched above"),
            };
            // A definition already held under its id, differently: say what differs.
            res.map(|_| None).map_err(|err| {
                SubmitErrorKind::Refused(match custody_journal::redefinition(l, e, "stored") {
                    Some(what) => format!("{err}, differently: {what}"),
                    None => err.to_string(),
                })
            })
        }
    }
}

/// Whether a definition is already in the ledger exactly as given (so importing twice is a no-op).
fn is_already_defined(l: &Ledger, e: &Entry) -> bool {
    match e {
        Entry::Counterparty(c) => l.counterparties().any(|x| x == c),
        Entry::Account(a) => l.chart().get(&a.code) == Some(a),
        Entry::Item(i) => l.item(&i.id) == Some(&**i),
        Entry::Site(s) => l.site(&s.id) == Some(s),
        Entry::Asset(a) => l.assets().any(|x| x == a),
        Entry::Period(p) => {
            l.period(&p.id).is_some_and(|x| x.start == p.start && x.end == p.end && x.revenue == p.revenue)
        }
        Entry::Close(id) => l.period(id).is_some_and(|p| p.closed),
        Entry::Pool(p) => l.pool(&p.id).is_some_and(|x| x.policy == **p),
        Entry::Target(t) => l.targets().contains(t),
        Entry::Entity(_) | Entry::Op(_) => false,
    }
}

/// Suppliers named by an operation that brings carbon in from outside (purchase, opening, raw
/// postings): an entity of the registry may not be one of them.
pub(crate) fn counterparties_of(body: &Operation) -> Vec<String> {
    match body {
        Operation::Purchase(r) | Operation::Opening(r) => r.counterparty.iter().cloned().collect(),
        Operation::Raw(r) => r.postings.iter().filter_map(|p| p.dims.counterparty.map(String::from)).collect(),
        _ => Vec::new(),
    }
}

/// The exclusive key of an entry that settles something between entities: a transfer is settled
/// once, by the buyer's receive or by the seller's return; a certificate is received once.
fn exclusive_key(entity: &str, entry: &Entry) -> Option<String> {
    let Entry::Op(op) = entry else { return None };
    match &op.body {
        Operation::Receive(r) => Some(format!("transfer:{}", r.transfer)),
        Operation::Return(r) => {
            Some(format!("transfer:{}", custody_core::ops::transfer_id(entity, &r.sale, &r.customer)))
        }
        // Each transfer of a block is received once; the same block may travel again later.
        Operation::Custody(custody_core::ops::CustodyOp::CertificateReceive { certificate, from, block }) => {
            match block.as_ref().and_then(|b| b.sent_by.as_ref()) {
                Some(sent) => Some(format!("certificate:{from}/sent/{sent}")),
                None => Some(format!("certificate:{from}/{certificate}")),
            }
        }
        // An energy attribute certificate's serial is used once in the whole registry, not once
        // per entity (E041; Scope 2 Guidance ch. 7, Quality Criterion 2: no double claiming).
        Operation::Obtain(o) => o.eac.as_ref().map(|e| format!("{EAC_KEY_PREFIX}{}", e.serial)),
        _ => None,
    }
}

/// The exclusive key an energy attribute certificate's serial holds.
const EAC_KEY_PREFIX: &str = "eac:";

/// A batch applied to a ledger in memory: the entries to append (hash-chained from the head it
/// was applied on) and what each entry did, or the first refusal (the ledger then holds the
/// entries before it: a caller that got a refusal after `new_entries` drops the ledger).
pub(crate) struct AppliedBatch {
    pub ledger: Option<Ledger>,
    pub outcomes: Vec<Outcome>,
    pub new_entries: Vec<NewEntry>,
    pub refusal: Option<SubmitError>,
}

/// Applies `entries` to `ledger`, whose journal ends at `head`: CPU work only (the rules, the
/// canonical texts, the chain hashes), so that `custody import` runs it beside the previous
/// batch's write (`registry_pipeline`).
pub(crate) fn apply_batch(entity: &str, mut ledger: Option<Ledger>, head: &Head, entries: &[Entry]) -> AppliedBatch {
    let mut outcomes = Vec::with_capacity(entries.len());
    let mut new_entries = Vec::new();
    let mut prev = head.hash.clone();
    for (index, entry) in entries.iter().enumerate() {
        let text = print_entry(entry);
        if let Err(message) = crate::admit::admit(entry, &text) {
            return AppliedBatch {
                ledger,
                outcomes,
                new_entries,
                refusal: Some(SubmitError::Refused { index, message }),
            };
        }
        let applied = match apply_entry(&mut ledger, entry) {
            Ok(a) => a,
            Err(e) => {
                let refusal = match e {
                    SubmitErrorKind::Rejected(rejection) => SubmitError::Rejected { index, rejection },
                    SubmitErrorKind::Refused(message) => SubmitError::Refused { index, message },
                };
                return AppliedBatch { ledger, outcomes, new_entries, refusal: Some(refusal) };
            }
        };
        let (tx, op_id) = match (&applied, entry) {
            (Some(Applied::Duplicate), _) => {
                outcomes.push(Outcome::Duplicate);
                continue;
            }
            (Some(Applied::Posted(i)), Entry::Op(op)) => {
                (Some(ledger.as_ref().expect("posted").transactions()[*i].clone()), Some(op.id.clone()))
            }
            (_, Entry::Op(op)) => (None, Some(op.id.clone())),
            _ => (None, None),
        };
        let tx_text = tx.as_ref().map(transaction_text);
        let hash = chain_hash(&prev, &text, tx_text.as_deref());
        prev = hash.clone();
        new_entries.push(NewEntry {
            op_id,
            text,
            tx_text,
            hash,
            postings: tx.as_ref().map(|t| t.postings.clone()).unwrap_or_default(),
            exclusive: exclusive_key(entity, entry),
        });
        outcomes.push(Outcome::Written { seq: head.seq + new_entries.len() as i64, transaction: tx });
    }
    AppliedBatch { ledger, outcomes, new_entries, refusal: None }
}

/// The refusal of a batch whose exclusive `key` another entry (maybe another server's) took
/// first: a transfer settled, a certificate received, an energy attribute certificate obtained.
pub(crate) fn exclusive_taken(entity: &str, entries: &[Entry], key: &str) -> SubmitError {
    let index = entries.iter().position(|e| exclusive_key(entity, e).as_deref() == Some(key)).unwrap_or(0);
    let op_id = match &entries[index] {
        Entry::Op(op) => op.id.clone(),
        _ => String::new(),
    };
    let mut v = custody_core::reject::Violations::default();
    match key.strip_prefix(EAC_KEY_PREFIX) {
        Some(serial) => v.push(
            custody_core::Code::CertificateReused,
            Some("certificate"),
            format!("certificate `{serial}` was already obtained by an entity of this registry"),
        ),
        None => v.push(
            custody_core::Code::TransferInvalid,
            Some("transfer"),
            format!("`{key}` was already settled by another entry"),
        ),
    }
    SubmitError::Rejected { index, rejection: v.into_rejection(&op_id) }
}

/// Refuses an entity whose definition the store could not give back, before its journal exists.
fn admit_entity(entity: &custody_core::Entity) -> Result<(), SubmitError> {
    let entry = Entry::Entity(entity.clone());
    crate::admit::admit(&entry, &print_entry(&entry)).map_err(|message| SubmitError::Refused { index: 0, message })
}

pub(crate) enum SubmitErrorKind {
    Rejected(Rejection),
    Refused(String),
}

impl SubmitErrorKind {
    /// Why the entry did not apply, in words (the rejection with its codes, or the refusal).
    pub(crate) fn reason(self) -> String {
        match self {
            SubmitErrorKind::Rejected(r) => r.to_string(),
            SubmitErrorKind::Refused(m) => m,
        }
    }
}

impl<S: Store> Registry<S> {
    pub fn new(store: S) -> Registry<S> {
        Registry {
            store,
            entities: std::sync::Mutex::new(HashMap::new()),
            transfers: Mutex::new(()),
            snapshot_every: SNAPSHOT_EVERY,
            cache_limit: CACHE_OPERATIONS,
            uses: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// The entity's ledger as stored: from its snapshot (when one is kept and checks out) and
    /// the entries after it, else by replaying the whole journal. Answers the snapshot's seq too.
    pub(crate) async fn load(&self, entity: &str) -> Result<(Option<Ledger>, Head, i64), SubmitError> {
        if let Some((ledger, head)) = self.restore(entity).await? {
            let seq = head.seq;
            match self.replay_from(entity, Some(ledger), head).await {
                Ok((ledger, head)) => {
                    if self.balances_agree(entity, ledger.as_ref()).await? {
                        return Ok((ledger, head, seq));
                    }
                }
                // The entries after a snapshot that is not this journal's may not apply to it:
                // the journal decides, from its start.
                Err(e) => tracing::warn!(
                    entity,
                    seq,
                    "the entries after the snapshot do not apply to it ({e}): replaying the whole journal"
                ),
            }
        }
        let (ledger, head) = self.replay_from(entity, None, Head::genesis()).await?;
        Ok((ledger, head, 0))
    }

    /// Applies the stored entries after `head` to `ledger`.
    pub(crate) async fn replay_from(
        &self,
        entity: &str,
        mut ledger: Option<Ledger>,
        mut head: Head,
    ) -> Result<(Option<Ledger>, Head), SubmitError> {
        loop {
            let page = self.store.entries(entity, head.seq, PAGE).await?;
            if page.is_empty() {
                break;
            }
            for row in page {
                let entry = parse_one(&row.text, row.seq).map_err(SubmitError::Corrupt)?;
                apply_stored(&mut ledger, &entry, row.seq)?;
                head = Head { seq: row.seq, hash: row.hash };
            }
        }
        Ok((ledger, head))
    }

    /// Creates an entity's journal. Its first entry must be the `entity` definition.
    pub async fn create(&self, entity: &custody_core::Entity) -> Result<Vec<Outcome>, SubmitError> {
        admit_entity(entity)?;
        self.store.create_entity(&entity.id).await?;
        self.submit(&entity.id, vec![Entry::Entity(entity.clone())]).await
    }

    /// Creates the entity unless it exists with exactly this definition (so imports repeat safely).
    pub async fn ensure(&self, entity: &custody_core::Entity) -> Result<Vec<Outcome>, SubmitError> {
        admit_entity(entity)?;
        match self.store.create_entity(&entity.id).await {
            Ok(()) | Err(StoreError::AlreadyExists(_)) => {}
            Err(e) => return Err(e.into()),
        }
        self.submit(&entity.id, vec![Entry::Entity(entity.clone())]).await
    }

    /// Applies a batch of entries to an entity's ledger and writes it: all or nothing.
    pub async fn submit(&self, entity: &str, entries: Vec<Entry>) -> Result<Vec<Outcome>, SubmitError> {
        // Transfers are resolved against the other entity's ledger before this one is locked, so
        // that two entities never wait on each other.
        let moves_transfers = entries.iter().any(|e| {
            matches!(e, Entry::Op(op) if matches!(op.body, Operation::Receive(_) | Operation::Return(_)
                | Operation::Reverse { .. }
                | Operation::Custody(custody_core::ops::CustodyOp::CertificateReceive { .. })))
        });
        let _transfers = if moves_transfers { Some(self.transfers.lock().await) } else { None };
        let mut entries = entries;
        let mut others: Option<Vec<String>> = None;
        let mut trading: HashMap<String, bool> = HashMap::new();
        for (index, entry) in entries.iter_mut().enumerate() {
            let Entry::Op(op) = entry else { continue };
            let date = op.date;
            let refusal = match &mut op.body {
                Operation::Receive(r) => match self.resolve_receive(entity, r, date).await {
                    Ok(resolved) => {
                        *r = resolved;
                        None
                    }
                    Err(why) => Some((Code::TransferInvalid, why)),
                },
                // Settled sales: returns, reversals and late claims (`Registry::check_settled`).
                body @ (Operation::Return(_)
                | Operation::Reverse { .. }
                | Operation::Custody(custody_core::ops::CustodyOp::PoolClaim { .. })) => {
                    self.check_settled(entity, body).await
                }
                Operation::Custody(custody_core::ops::CustodyOp::PoolInput { operation: Some(op), .. }) => {
                    self.check_pooled_upstream(entity, op).await.err().map(|w| (Code::PoolFlowNotInLedger, w))
                }
                Operation::Custody(custody_core::ops::CustodyOp::CertificateReceive { certificate, from, block }) => {
                    match self.resolve_certificate(entity, certificate, from).await {
                        Ok(resolved) if block.as_ref().is_none_or(|b| *b == resolved) => {
                            *block = Some(resolved);
                            None
                        }
                        Ok(_) => Some((
                            Code::TransferInvalid,
                            format!("certificate `{certificate}`: the block given differs from `{from}`'s book"),
                        )),
                        Err(why) => Some((Code::TransferInvalid, why)),
                    }
                }
                body => {
                    // Carbon from another entity of this registry arrives only by its transfer's receive.
                    let cps = counterparties_of(body);
                    if cps.is_empty() {
                        None
                    } else {
                        if others.is_none() {
                            others = Some(self.store().entity_ids().await?);
                        }
                        let ids = others.as_deref().unwrap_or(&[]);
                        // Only an entity that trades with this one (it declares this entity as its
                        // counterparty) is refused as a supplier: an answer about any other id would
                        // tell one tenant which entities the registry holds. Asked once per supplier.
                        let mut found = None;
                        for c in cps.into_iter().filter(|c| c != entity && ids.iter().any(|i| i == c)) {
                            let trades = match trading.get(&c) {
                                Some(t) => *t,
                                None => {
                                    let t = self
                                        .read(&c, |l| l.counterparties().any(|x| x.id == entity))
                                        .await
                                        .unwrap_or(false);
                                    trading.insert(c.clone(), t);
                                    t
                                }
                            };
                            if trades {
                                found = Some(c);
                                break;
                            }
                        }
                        found.map(|c| {
                            (
                                Code::TransferInvalid,
                                format!(
                                    "`{c}` is an entity of this registry that trades with `{entity}`: book its deliveries with `receive {c}/SALE/{entity}`"
                                ),
                            )
                        })
                    }
                }
            };
            if let Some((code, why)) = refusal {
                let mut v = custody_core::reject::Violations::default();
                if code == Code::TransferSettled {
                    // Undoing a settled transfer is invalid (E022) because it is settled (E034).
                    v.push(Code::TransferInvalid, Some("of"), why.clone());
                }
                v.push(code, Some("transfer"), why);
                return Err(SubmitError::Rejected { index, rejection: v.into_rejection(&op.id) });
            }
        }
        let slot = self.slot(entity);
        let mut cached = slot.lock().await;
        for _ in 0..MAX_RETRIES {
            self.fresh(entity, &mut cached).await?;
            // Applied in place: a single rejected operation changes nothing (the core's apply is
            // atomic); a batch refused after some entries applied, or a failed write, drops the
            // cached ledger so the next request replays it from the store.
            let AppliedBatch { ledger, outcomes, new_entries, refusal } =
                apply_batch(entity, cached.ledger.take(), &cached.head, &entries);
            if let Some(err) = refusal {
                if new_entries.is_empty() {
                    cached.ledger = ledger;
                } else {
                    cached.head = Head { seq: -1, hash: String::new() };
                }
                return Err(err);
            }
            if new_entries.is_empty() {
                cached.ledger = ledger;
                return Ok(outcomes);
            }
            match self.store.append(entity, &cached.head, &new_entries).await {
                Ok(head) => {
                    cached.ledger = ledger;
                    cached.head = head;
                    self.held(entity, &cached);
                    self.snapshot_if_due(entity, &mut cached).await;
                    return Ok(outcomes);
                }
                Err(StoreError::Conflict) => {
                    cached.head = Head { seq: -1, hash: String::new() };
                    continue;
                }
                Err(StoreError::ExclusiveTaken(key)) => {
                    cached.head = Head { seq: -1, hash: String::new() };
                    return Err(exclusive_taken(entity, &entries, &key));
                }
                Err(e) => {
                    cached.head = Head { seq: -1, hash: String::new() };
                    return Err(e.into());
                }
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Reads the entity's ledger as stored now, without copying it.
    pub async fn read<R>(&self, entity: &str, f: impl FnOnce(&Ledger) -> R) -> Result<R, SubmitError> {
        let slot = self.slot(entity);
        let mut cached = slot.lock().await;
        self.fresh(entity, &mut cached).await?;
        cached
            .ledger
            .as_ref()
            .map(f)
            .ok_or_else(|| SubmitError::Corrupt(format!("entity `{entity}` has no entity entry")))
    }

    /// A copy of the entity's ledger as stored now.
    pub async fn ledger(&self, entity: &str) -> Result<Ledger, SubmitError> {
        self.read(entity, Ledger::clone).await
    }
}
