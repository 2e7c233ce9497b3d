//! A ledger's snapshot: its whole replay state as bytes, so that a store loads a long journal
//! from the snapshot and replays only the entries after it (issue 12 item 3).
//!
//! Shape (postcard, <https://postcard.jamesmunns.com/wire-format>): `format: u32`, the build
//! ([`SNAPSHOT_BUILD`]: the crate version and a digest of the sources that decide what a replay
//! produces, custody-core's and custody-journal's, made by `build.rs`), the distinct names in
//! first-use order, then the ledger's fields with every interned
//! name written as a `u32` index into that table (`crate::name::with_table`). Hash maps are written
//! in key order, so two ledgers in the same state have byte-identical snapshots: a store can name
//! a snapshot by its digest and `verify` can compare a replayed ledger with it. Not kept: the
//! work counter and receives' settled claimed views (read from sellers when a statement is made).
//!
//! A snapshot is an accelerator, never the record: the journal stays the source of truth and a
//! snapshot that does not decode (another format, another build, damaged bytes) is refused with a
//! [`SnapshotError`] so that the caller replays the journal instead.

use super::state::Ledger;
use crate::name::{self, Name};

/// The snapshot format (the outer shape above).
pub const SNAPSHOT_FORMAT: u32 = 1;

/// The build a snapshot must come from to be read: the crate version and the digest of the
/// sources of custody-core and custody-journal. Any change to the ledger's rules, its state's
/// shape or the journal's reading makes another build, whose snapshots are refused (and the
/// journal replayed), so a snapshot never carries one build's state into another.
pub const SNAPSHOT_BUILD: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("CUSTODY_SNAPSHOT_SOURCES"));

#[derive(serde::Serialize, serde::Deserialize)]
struct Outer<'a> {
    format: u32,
    build: &'a str,
    #[serde(borrow)]
    names: Vec<&'a str>,
    #[serde(borrow)]
    body: &'a [u8],
}

/// Why a snapshot was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// Written by another format or another build of custody.
    #[error("the snapshot is of format {format}, build {build}; this build reads format {SNAPSHOT_FORMAT}, build {SNAPSHOT_BUILD}")]
    Format { format: u32, build: String },
    /// The bytes do not decode as a ledger.
    #[error("the snapshot does not decode: {0}")]
    Decode(String),
}

impl Ledger {
    /// The ledger's snapshot (see the module documentation): deterministic, about 1 KB per
    /// operation held.
    pub fn snapshot(&self) -> Vec<u8> {
        let (body, names) = name::with_table(|| postcard::to_stdvec(self));
        let body = body.expect("a ledger always serializes");
        let names: Vec<&str> = names.iter().map(Name::as_str).collect();
        let outer = Outer { format: SNAPSHOT_FORMAT, build: SNAPSHOT_BUILD, names, body: &body };
        postcard::to_stdvec(&outer).expect("a snapshot always serializes")
    }

    /// The ledger a [`Ledger::snapshot`] was taken of.
    ///
    /// Errors: [`SnapshotError::Format`] for another format or build, [`SnapshotError::Decode`]
    /// for bytes that do not decode (damaged, truncated, a name index outside the table).
    pub fn from_snapshot(bytes: &[u8]) -> Result<Ledger, SnapshotError> {
        let (outer, rest): (Outer<'_>, _) =
            postcard::take_from_bytes(bytes).map_err(|e| SnapshotError::Decode(e.to_string()))?;
        if !rest.is_empty() {
            return Err(SnapshotError::Decode(format!("{} bytes follow the snapshot", rest.len())));
        }
        if outer.format != SNAPSHOT_FORMAT || outer.build != SNAPSHOT_BUILD {
            return Err(SnapshotError::Format { format: outer.format, build: outer.build.to_string() });
        }
        let names: Vec<Name> = outer.names.iter().map(|n| Name::new(n)).collect();
        let (ledger, rest) = name::with_names(names, || postcard::take_from_bytes::<Ledger>(outer.body))
            .map_err(|e| SnapshotError::Decode(e.to_string()))?;
        if !rest.is_empty() {
            return Err(SnapshotError::Decode(format!("{} bytes follow the ledger", rest.len())));
        }
        Ok(ledger)
    }
}
