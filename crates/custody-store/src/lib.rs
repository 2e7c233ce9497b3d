//! Persistence for ledgers.
//!
//! Each entity's journal is an append-only sequence of *entries*: the canonical text of what was
//! submitted (a definition or an operation, see `custody_journal::print_entry`) and, for an
//! operation, the canonical text of the transaction it posted. Every entry carries the hash of the
//! one before, so the journal is tamper-evident. Postings and running balances are written in the
//! same database transaction as their entry.
//!
//! [`Store`] is the backend contract (memory, SQLite, PostgreSQL; one [`conformance`] suite runs on
//! all three). [`Registry`] is the service above it: it applies operations through
//! `custody_core::Ledger`, writes what they post, and verifies a stored journal against a replay.

mod admit;
mod cert_settle;
pub mod conformance;
pub mod delivered;
pub mod delivered_claim;
pub mod delivered_return;
mod memory;
mod open;
mod registry;
mod registry_cache;
mod registry_pipeline;
mod registry_snapshot;
mod registry_stream;
mod registry_verify;
mod settle;
mod sql;
mod sql_read;
mod sql_snapshot;
mod sql_write;
mod transfer_model;
mod transfers;

pub use cert_settle::CertificateSettlement;
pub use memory::MemoryStore;
pub use open::Access;
pub use registry::{Outcome, Registry, SubmitError, VerifyError, VerifyReport};
pub use registry_pipeline::{Pipeline, PipelineError, Which};
pub use registry_stream::{decode_transaction, StreamStats, TransactionHeader, STREAM_PAGE};
pub use sql::SqlStore;
pub use transfers::{
    sales_of, Amounts, Reconciliation, Transfer, TransferStatus, DELIVERY_ACCEPTED, DELIVERY_PENDING, DELIVERY_REFUSED,
};

use custody_core::model::Posting;
use sha2::{Digest, Sha256};
use std::future::Future;

/// Hash of the entry before the first one.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash chaining an entry to the one before it: SHA-256 over the previous hash, the entry
/// text and the transaction text, separated by newlines, as lowercase hex.
pub fn chain_hash(prev: &str, text: &str, tx_text: Option<&str>) -> String {
    custody_proof::entry_hash(prev, text, tx_text)
}

/// The last entry of a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

impl Head {
    pub fn genesis() -> Head {
        Head { seq: 0, hash: GENESIS.to_string() }
    }
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub seq: i64,
    pub op_id: Option<String>,
    pub text: String,
    pub tx_text: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// An entry to append, with its hash computed by the caller against the expected head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub op_id: Option<String>,
    pub text: String,
    pub tx_text: Option<String>,
    pub hash: String,
    /// The postings of the entry's transaction, stored as rows and added to the balances.
    pub postings: Vec<Posting>,
    /// A key no other entry of any entity may hold (e.g. `transfer:SELLER/SALE/BUYER` for the
    /// receive or the return that settles a transfer): what keeps two ledgers from both
    /// settling one transfer, whatever process writes them.
    pub exclusive: Option<String>,
}

/// A stored posting row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingRow {
    pub seq: i64,
    pub idx: i64,
    pub posting: Posting,
}

/// A stored running balance: account, species, dimensions key, amount.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BalanceRow {
    pub account: String,
    pub species: String,
    pub dims: String,
    pub amount: i64,
}

/// The stable text key of a position's dimensions, as stored in balance rows.
pub fn dims_key(d: &custody_core::model::Dims) -> String {
    format!(
        "item={};lot={};site={};origin={};counterparty={}",
        d.item.as_deref().unwrap_or(""),
        d.lot.as_deref().unwrap_or(""),
        d.site.as_deref().unwrap_or(""),
        d.origin.map(|o| o.as_str()).unwrap_or(""),
        d.counterparty.as_deref().unwrap_or("")
    )
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("entity `{0}` does not exist")]
    NotFound(String),
    #[error("entity `{0}` already exists")]
    AlreadyExists(String),
    /// An entry for this operation id is already in the journal.
    #[error("operation `{0}` is already in the journal")]
    DuplicateOperation(String),
    /// An exclusive key (a transfer or certificate settled) is already held by another entry.
    #[error("`{0}` is already settled by another entry")]
    ExclusiveTaken(String),
    /// Another writer appended first: reload and retry.
    #[error("the journal moved on since it was read")]
    Conflict,
    #[error("database error: {0}")]
    Backend(String),
    /// A reader found no database (a missing file, or one without the custody schema): readers
    /// never create one.
    #[error("{0}")]
    NoDatabase(String),
    /// A write to a database opened read-only (`custody serve` on a read-only copy): the text
    /// names the file and why it is read-only. Nothing was written.
    #[error("the database is read-only: {0}")]
    ReadOnly(String),
}

/// An API key as stored: only the hash of its secret is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    /// SHA-256 of the secret, lowercase hex.
    pub hash: String,
    /// `admin`, `member`, `counterparty` or `verifier`.
    pub role: String,
    /// The entity a member or counterparty key acts for.
    pub entity: Option<String>,
    /// The entities a verifier key may read.
    pub grants: Vec<String>,
    pub revoked: bool,
}

/// A key as `custody key list` shows it: never its secret (only its hash is stored anyway).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub key: ApiKey,
    /// Unix seconds when the key was made (unknown for keys made before this was recorded).
    pub created: Option<i64>,
    /// Unix seconds of the last request made with it (to the minute).
    pub last_used: Option<i64>,
}

/// Now, in Unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// SHA-256 of a key's secret, as stored.
pub fn key_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The backend contract. Every method is atomic: an append writes all its entries, postings and
/// balance changes in one database transaction, or nothing.
pub trait Store: Send + Sync {
    fn create_entity(&self, id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn entity_ids(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
    fn head(&self, entity: &str) -> impl Future<Output = Result<Head, StoreError>> + Send;
    /// Entries with `seq > after`, at most `limit`, in order.
    fn entries(
        &self,
        entity: &str,
        after: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<EntryRow>, StoreError>> + Send;
    /// Appends entries if the journal's head is still `expected`; else [`StoreError::Conflict`].
    fn append(
        &self,
        entity: &str,
        expected: &Head,
        entries: &[NewEntry],
    ) -> impl Future<Output = Result<Head, StoreError>> + Send;
    /// Posting rows of entries `first..=last`, in order.
    fn postings(
        &self,
        entity: &str,
        first: i64,
        last: i64,
    ) -> impl Future<Output = Result<Vec<PostingRow>, StoreError>> + Send;
    /// Every non-zero running balance, sorted.
    fn balances(&self, entity: &str) -> impl Future<Output = Result<Vec<BalanceRow>, StoreError>> + Send;
    /// The entity's definition entries (those without an operation id: `entity`, `account`,
    /// `period`, `close`, ...), in order: all a statement needs besides the transactions, and
    /// bounded by what is defined, not by the history (`Registry::definitions`).
    fn definitions(&self, entity: &str) -> impl Future<Output = Result<Vec<EntryRow>, StoreError>> + Send;
    /// The posted transactions' canonical texts (`EntryRow::tx_text`) of entries with
    /// `seq > after` that posted one, at most `limit`, in order, as `(seq, text)`: the pages a
    /// statement streams (`Registry::stream_transactions`).
    fn transaction_texts(
        &self,
        entity: &str,
        after: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<(i64, String)>, StoreError>> + Send;
    /// Stores a new API key; its id must be unused.
    fn put_key(&self, key: &ApiKey) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The key whose secret hashes to `hash`, revoked or not.
    fn key_by_hash(&self, hash: &str) -> impl Future<Output = Result<Option<ApiKey>, StoreError>> + Send;
    /// [`Store::key_by_hash`] and [`Store::head`] (`None` for an entity that does not exist) in
    /// one call: a cached report read asks for nothing else, and a SQL store answers both in one
    /// statement (issue 12, "cached reports").
    fn key_and_head(
        &self,
        hash: &str,
        entity: &str,
    ) -> impl Future<Output = Result<(Option<ApiKey>, Option<Head>), StoreError>> + Send {
        async move {
            let key = self.key_by_hash(hash).await?;
            match self.head(entity).await {
                Ok(head) => Ok((key, Some(head))),
                Err(StoreError::NotFound(_)) => Ok((key, None)),
                Err(e) => Err(e),
            }
        }
    }
    /// Revokes a key; false if there is no such key.
    fn revoke_key(&self, id: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Every key, revoked or not, sorted by id.
    fn list_keys(&self) -> impl Future<Output = Result<Vec<KeyInfo>, StoreError>> + Send;
    /// Records a use of the key at `now` (Unix seconds); kept to the minute, so most calls write nothing.
    fn touch_key(&self, id: &str, now: i64) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Appends a record of `kind` under `key` for `entity` (the PACT host's published footprint
    /// versions and peers: `custody_server::pact_versions`, docs/pact.md). Records are never
    /// updated or deleted: `Ok(false)` when (entity, kind, key) exists, and nothing is written.
    fn put_record(
        &self,
        entity: &str,
        kind: &str,
        key: &str,
        body: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The records of `kind` for `entity` as `(key, body)`, in the order written.
    fn records(
        &self,
        entity: &str,
        kind: &str,
    ) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send;
    /// Keeps `snapshot` as the entity's snapshot, replacing any earlier one, when the entity's
    /// entry `snapshot.seq` has the hash `snapshot.entry_hash` (else [`StoreError::Conflict`]:
    /// a snapshot always names an entry of the journal it was taken of).
    fn put_snapshot(&self, entity: &str, snapshot: &SnapshotRow)
        -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The entity's snapshot, if one was kept.
    fn snapshot(&self, entity: &str) -> impl Future<Output = Result<Option<SnapshotRow>, StoreError>> + Send;
}

/// A stored snapshot of an entity's ledger (`custody_core::Ledger::snapshot`), taken right after
/// entry `seq` (whose chain hash is `entry_hash`); `digest` is the SHA-256 of `body`, in hex.
/// Loading starts from it and replays the entries after `seq`; `verify` replays everything and
/// checks that the replay at `seq` snapshots to `digest` (docs/import.md "Snapshots").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRow {
    pub seq: i64,
    pub entry_hash: String,
    pub digest: String,
    pub body: Vec<u8>,
}

/// Entries between automatic snapshots, at least (`Registry::with_snapshot_every`).
pub const SNAPSHOT_EVERY: i64 = 10_000;

/// Entries an import must leave after the last snapshot for it to end with a new one (a short
/// journal replays faster than a snapshot is written and read).
pub const IMPORT_SNAPSHOT_MIN: i64 = 1_000;

/// Transactions the registry's cached ledgers hold together, at most (about 3.7 KB each in
/// memory: some 15 GB); `Registry::with_cache_limit`, `custody serve --cache-operations`.
pub const CACHE_OPERATIONS: usize = 4_000_000;

/// The SHA-256 of a snapshot's bytes, in hex.
pub fn snapshot_digest(body: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect()
}
