//! A ledger's snapshot: its whole replay state as bytes, so that a store loads a long journal
//! from the snapshot and replays only the entries after it (issue 12 item 3).
//!
//! Shape (postcard, <https://postcard.jamesmunns.com/wire-format>): `format: u32`, the crate
//! version, the distinct names in first-use order, then the ledger's fields with every interned
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

/// The snapshot format. Bump it whenever the ledger's state (any type it holds) changes shape:
/// the golden test `snapshot_golden` in `tests/snapshot.rs` fails until it is bumped.
pub const SNAPSHOT_FORMAT: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct Outer<'a> {
    format: u32,
    version: &'a str,
    #[serde(borrow)]
    names: Vec<&'a str>,
    #[serde(borrow)]
    body: &'a [u8],
}

/// Why a snapshot was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// Written by another format or another build of custody.
    #[error("the snapshot is of format {format} (custody {version}); this build reads format {SNAPSHOT_FORMAT} of custody {}", env!("CARGO_PKG_VERSION"))]
    Format { format: u32, version: String },
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
        let outer = Outer { format: SNAPSHOT_FORMAT, version: env!("CARGO_PKG_VERSION"), names, body: &body };
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
        if outer.format != SNAPSHOT_FORMAT || outer.version != env!("CARGO_PKG_VERSION") {
            return Err(SnapshotError::Format { format: outer.format, version: outer.version.to_string() });
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
