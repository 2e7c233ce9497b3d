//! A ledger's snapshot: its whole replay state as bytes, so that a store loads a long journal
//! from the snapshot and replays only the entries after it (issue 12 item 3).
//!
//! Shape (postcard, <https://postcard.jamesmunns.com/wire-format>): `format: u32`, the build
//! ([`SNAPSHOT_BUILD`]: the crate version and a digest of the sources that decide what a replay
//! produces, custody-core's and custody-journal's, made by `build.rs`), the length of the body
//! (8 bytes, little-endian), the body: the ledger's fields with every interned name written as a
//! `u32` index into a table (`crate::name::with_table`), and last that table: the distinct
//! names in first-use order. Hash maps are written
//! in key order, so two ledgers in the same state have byte-identical snapshots: a store can name
//! a snapshot by its digest and `verify` can compare a replayed ledger with it. Not kept: the
//! work counter and receives' settled claimed views (read from sellers when a statement is made).
//!
//! A snapshot is an accelerator, never the record: the journal stays the source of truth and a
//! snapshot that does not decode (another format, another build, damaged bytes) is refused with a
//! [`SnapshotError`] so that the caller replays the journal instead.

use super::state::Ledger;
use crate::name::{self, Name};

/// The snapshot format (the outer shape above). Format 2 writes the names after the body, so the
/// body is encoded once, straight into the snapshot's buffer (format 1 copied it: at a million
/// operations, 400 MB more at the end of an import).
pub const SNAPSHOT_FORMAT: u32 = 2;

/// The build a snapshot must come from to be read: the crate version and the digest of the
/// sources of custody-core and custody-journal. Any change to the ledger's rules, its state's
/// shape or the journal's reading makes another build, whose snapshots are refused (and the
/// journal replayed), so a snapshot never carries one build's state into another.
pub const SNAPSHOT_BUILD: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("CUSTODY_SNAPSHOT_SOURCES"));

/// The snapshot's head: postcard `format: u32` and `build: &str`; then the body's length as 8
/// bytes little-endian, the body (the ledger), and the name table (postcard `Vec<&str>`).
#[derive(serde::Serialize, serde::Deserialize)]
struct Head<'a> {
    format: u32,
    build: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("the snapshot is of format {format}, build {build}; this build reads format {SNAPSHOT_FORMAT}, build {SNAPSHOT_BUILD}")]
    Format { format: u32, build: String },
    #[error("the snapshot does not decode: {0}")]
    Decode(String),
}

/// The format and build a snapshot was written by (its head), or `None` for bytes that do not
/// start with a head. A snapshot of another format or build than this one's
/// ([`SNAPSHOT_FORMAT`], [`SNAPSHOT_BUILD`]) is never read ([`Ledger::from_snapshot`]).
pub fn snapshot_writer(bytes: &[u8]) -> Option<(u32, String)> {
    let (head, _) = postcard::take_from_bytes::<Head>(bytes).ok()?;
    Some((head.format, head.build.to_string()))
}

impl Ledger {
    /// The ledger's state as deterministic bytes (shape in the module docs). Written into one
    /// buffer reserved up front (about a kilobyte per transaction, touched only as written).
    pub fn snapshot(&self) -> Vec<u8> {
        let head = Head { format: SNAPSHOT_FORMAT, build: SNAPSHOT_BUILD };
        let out = Vec::with_capacity(self.txs.len().saturating_mul(1024).saturating_add(1 << 16));
        let mut out = postcard::to_extend(&head, out).expect("a head always serializes");
        let at = out.len();
        out.extend_from_slice(&[0; 8]);
        let (out, names) = name::with_table(|| postcard::to_extend(self, out));
        let mut out = out.expect("a ledger always serializes");
        let body = (out.len() - at - 8) as u64;
        out[at..at + 8].copy_from_slice(&body.to_le_bytes());
        let names: Vec<&str> = names.iter().map(Name::as_str).collect();
        postcard::to_extend(&names, out).expect("names always serialize")
    }

    /// The ledger a snapshot holds. Errors: [`SnapshotError::Format`] for another format or
    /// build, [`SnapshotError::Decode`] for bytes that do not decode to exactly one ledger.
    pub fn from_snapshot(bytes: &[u8]) -> Result<Ledger, SnapshotError> {
        let decode = |e: postcard::Error| SnapshotError::Decode(e.to_string());
        let (head, rest): (Head<'_>, _) = postcard::take_from_bytes(bytes).map_err(decode)?;
        if head.format != SNAPSHOT_FORMAT || head.build != SNAPSHOT_BUILD {
            return Err(SnapshotError::Format { format: head.format, build: head.build.to_string() });
        }
        let short = || SnapshotError::Decode("the snapshot ends early".into());
        let (len, rest) = rest.split_first_chunk::<8>().ok_or_else(short)?;
        let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| short())?;
        if rest.len() < len {
            return Err(short());
        }
        let (body, rest) = rest.split_at(len);
        let (names, rest): (Vec<&str>, _) = postcard::take_from_bytes(rest).map_err(decode)?;
        if !rest.is_empty() {
            return Err(SnapshotError::Decode(format!("{} bytes follow the snapshot", rest.len())));
        }
        let names: Vec<Name> = names.iter().map(|n| Name::new(n)).collect();
        let (ledger, rest) = name::with_names(names, || postcard::take_from_bytes::<Ledger>(body)).map_err(decode)?;
        if !rest.is_empty() {
            return Err(SnapshotError::Decode(format!("{} bytes follow the ledger", rest.len())));
        }
        Ok(ledger)
    }
}
