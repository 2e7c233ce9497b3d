//! The `Ledger` itself (definitions, journal, positions, pools and certificates), its constructor,
//! and the small types it hands out: entity, position keys, meta keys, `Applied`, `DefineError`.

use crate::chart::{Chart, ChartError};
use crate::model::*;
use crate::ops::*;
use crate::units::{CarbonRatios, Gwp, Species};
use std::collections::{BTreeMap, BTreeSet};

/// Hash maps of the ledger's working state, with rustc's Fx hash: keys are the ledger's own
/// ids and names (no untrusted collision attack reaches them faster than the journal's own size),
/// and SipHash was 6% of a replay (issue 12).
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, rustc_hash::FxBuildHasher>;

/// The company whose books these are, and the tables it reports with.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entity {
    pub id: String,
    pub name: String,
    pub ratios: CarbonRatios,
    pub gwp: Gwp,
    /// How the GHG inventory counts CO and VOC (`co-voc` on the entity; default excluded).
    pub co_voc: CoVocRule,
}

/// Key of a position: account, species, dimensions.
pub type PosKey = (Name, Species, Dims);

/// Key of an on-hand quantity: item, site, lot.
pub type QtyKey = (Name, Option<Name>, Option<Name>);

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Ledger {
    pub(super) entity: Entity,
    pub(super) chart: Chart,
    pub(super) items: BTreeMap<String, Item>,
    pub(super) assets: BTreeMap<String, Asset>,
    pub(super) counterparties: BTreeMap<String, Counterparty>,
    pub(super) sites: BTreeMap<String, Site>,
    pub(super) periods: Vec<Period>,
    pub(super) txs: Vec<Transaction>,
    /// Position of each transaction in `txs`, by id.
    #[serde(serialize_with = "sorted")]
    pub(super) tx_index: HashMap<String, usize>,
    /// Every operation as applied, packed (`PackedOp`): kept for duplicates, reversals, claims
    /// and the few statements that read what was written.
    #[serde(serialize_with = "sorted")]
    pub(super) ops: HashMap<String, PackedOp>,
    /// The claimed view each receive recorded (unpacked: statements and settlement read them).
    pub(super) receive_claims: BTreeMap<String, crate::coc::ReceivedClaim>,
    pub(super) reversed: BTreeSet<String>,
    pub(super) positions: BTreeMap<PosKey, i64>,
    /// Grams of gas held by the positions that took any stated gas figure (see `Posting::gas`);
    /// the others' gas is their carbon converted.
    #[serde(serialize_with = "sorted")]
    pub(super) gas: HashMap<PosKey, i64>,
    pub(super) quantities: BTreeMap<QtyKey, i64>,
    /// Lots of each (item, site) in order of arrival, for FIFO; only lots with stock are active.
    pub(super) lot_order: BTreeMap<(Name, Option<Name>), LotQueue>,
    pub(super) instruments: Vec<Instrument>,
    /// Transfers booked by `receive`, by transfer id.
    pub(super) received: BTreeSet<String>,
    /// (sale, customer) pairs undone by `return`.
    pub(super) returned: BTreeSet<(String, String)>,
    /// Final claimed views of receives booked from an open pool period, read from the seller's
    /// closed period when a statement is made (`Ledger::settle_received_claim`): never stored,
    /// never posted, never part of the journal.
    #[serde(skip)]
    pub(super) settled_claims: BTreeMap<String, crate::coc::ReceivedClaim>,
    pub(super) pools: BTreeMap<String, crate::coc::Pool>,
    pub(super) certificates: crate::coc::CertificateBook,
    pub(super) avoided: Vec<crate::coc::AvoidedCertificate>,
    /// Operations that posted no transaction (instruments, chain of custody), in order.
    pub(super) recorded: Vec<Op>,
    pub(super) targets: Vec<Target>,
    /// Running totals of every posting by side (carbon) and per non-carbon gas, kept apart from
    /// the positions so that conservation is checked in O(1) after each post.
    pub(super) totals: SideTotals,
    /// Entries visited by position and lot lookups (work, not time: tests guard linear growth).
    #[serde(skip)]
    pub(super) work: WorkCounter,
    /// The open positions of each holding (item, lot, site), so a holding's carbon is read
    /// without searching the whole position map. Derived from `positions` in `post`.
    #[serde(serialize_with = "sorted")]
    pub(super) by_holding: HashMap<Holding, BTreeSet<PosKey>>,
    /// The date each item holding (item, site, lot) first received quantity: nothing is drawn
    /// from a holding before it held anything.
    #[serde(serialize_with = "sorted")]
    pub(super) first_in: HashMap<QtyKey, Date>,
    /// Data gaps each holding carries (`gaps`): the operations without emission data whose
    /// material it may hold. Keys: (item, lot, None) for stock (every site: a move keeps the gap),
    /// (None, None, site) for work in process.
    pub(super) gaps: BTreeMap<Holding, BTreeSet<String>>,
    /// The weakest chain-of-custody model each holding's material came in under (`models`),
    /// keyed like `gaps`; a holding absent here carries no restriction.
    pub(super) models: BTreeMap<Holding, CarriedModel>,
    /// The weakest model each transaction carried out of its holdings (`models`): a customer's
    /// return or a reversal brings it back.
    pub(super) tx_models: BTreeMap<String, CarriedModel>,
    /// What of each item came in at each site and what left it unprocessed (`pool_feed`): the
    /// index `credited_stays` and pool inputs read instead of every transaction. Kept in `apply`.
    pub(super) site_flows: BTreeMap<(Name, Option<Name>), SiteFlow>,
    /// What each pool holds of an item as ledger-fed inputs, by the site its source operations
    /// brought it in at (`pool_feed`): pool id -> base units. Pool inputs are never removed (an
    /// operation that feeds a pool is not reversed), so the index only grows.
    pub(super) pooled_at: BTreeMap<(Name, Option<Name>), BTreeMap<String, i64>>,
}

/// An item's flows at one site, over the ledger's standing transactions (a reversal takes its
/// original's out): base units that came in, and those that left unprocessed (sold, returned or
/// moved) by destination (`None`: out of the company; a move's destination site otherwise).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SiteFlow {
    pub came_in: i64,
    pub exits: BTreeMap<Option<Name>, i64>,
}

/// The weakest chain-of-custody model material may hold, and the operation that brought it in
/// (a receive of a transfer declared under it, or a purchase whose supplier declared it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CarriedModel {
    pub model: crate::coc::CustodyModel,
    /// Where the model came from, as the refusal names it (e.g. "receive `r1` of transfer `s/sale1/b`").
    pub from: String,
}

/// A holding: item (none for work in process), lot, site.
pub type Holding = (Option<Name>, Option<Name>, Option<Name>);

/// The lots of one item at one site in order of first arrival. A lot drawn to zero leaves the
/// active set (so FIFO draws never walk exhausted lots) and comes back at its own place if stock
/// returns to it (a reversal, a return).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct LotQueue {
    #[serde(serialize_with = "sorted")]
    seq: HashMap<String, u64>,
    active: BTreeMap<u64, String>,
}

impl LotQueue {
    /// Records a lot's quantity after a movement.
    pub(super) fn set(&mut self, lot: &str, on_hand: i64) {
        let next = self.seq.len() as u64;
        let seq = *self.seq.entry(lot.to_string()).or_insert(next);
        if on_hand == 0 {
            self.active.remove(&seq);
        } else {
            self.active.insert(seq, lot.to_string());
        }
    }
    /// Lots holding stock, oldest first.
    pub(super) fn active(&self) -> impl Iterator<Item = &String> {
        self.active.values()
    }
}

/// A count of work done by lookups, kept apart from the ledger's state (cloning copies it).
#[derive(Debug, Default)]
pub struct WorkCounter(std::sync::atomic::AtomicU64);

impl Clone for WorkCounter {
    fn clone(&self) -> Self {
        WorkCounter(std::sync::atomic::AtomicU64::new(self.get()))
    }
}

impl WorkCounter {
    pub(super) fn add(&self, n: u64) {
        self.0.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Meta key naming the chain-of-custody model a sale (and its receive) declared.
pub const CUSTODY_META: &str = "custody";

/// Meta key marking a purchase that stated no emission or content figure: a data gap, not a zero.
pub const DATA_GAP_META: &str = "data_gap";

/// Meta key of a transaction that moved material carrying data gaps: the ids of the operations
/// without emission data it may contain, comma-separated, sorted (`gaps`).
pub const DATA_GAP_FROM_META: &str = "data_gap_from";

/// Meta key of an opening dated after an operation of the ledger: the id of the earliest such
/// operation (an inflow booked as an opening, flagged; docs/journal.md "Openings").
pub const OPENING_AFTER_META: &str = "opening_after";

/// Meta key naming the purchase a return to a supplier sends goods back from.
pub const RETURNED_PURCHASE_META: &str = "purchase";

/// Meta key naming the transfer a receive or return belongs to.
pub const TRANSFER_META: &str = "transfer";

/// What applying an operation did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Applied {
    /// A new transaction was posted (its index in the journal).
    Posted(usize),
    /// A market instrument was recorded beside the ledger.
    Recorded,
    /// The same id with the same content was applied before: nothing changed.
    Duplicate,
}

/// A definition the ledger refused (duplicate id, overlapping period, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DefineError(pub String);

impl From<ChartError> for DefineError {
    fn from(e: ChartError) -> Self {
        DefineError(e.to_string())
    }
}

impl Ledger {
    pub fn new(entity: Entity) -> Ledger {
        Ledger {
            entity,
            chart: Chart::efi(),
            items: BTreeMap::new(),
            assets: BTreeMap::new(),
            counterparties: BTreeMap::new(),
            sites: BTreeMap::new(),
            periods: Vec::new(),
            txs: Vec::new(),
            tx_index: HashMap::default(),
            ops: HashMap::default(),
            receive_claims: BTreeMap::new(),
            reversed: BTreeSet::new(),
            positions: BTreeMap::new(),
            gas: HashMap::default(),
            quantities: BTreeMap::new(),
            lot_order: BTreeMap::new(),
            instruments: Vec::new(),
            received: BTreeSet::new(),
            returned: BTreeSet::new(),
            settled_claims: BTreeMap::new(),
            pools: BTreeMap::new(),
            certificates: crate::coc::CertificateBook::default(),
            avoided: Vec::new(),
            recorded: Vec::new(),
            targets: Vec::new(),
            totals: SideTotals::default(),
            work: WorkCounter::default(),
            by_holding: HashMap::default(),
            first_in: HashMap::default(),
            gaps: BTreeMap::new(),
            models: BTreeMap::new(),
            tx_models: BTreeMap::new(),
            site_flows: BTreeMap::new(),
            pooled_at: BTreeMap::new(),
        }
    }
}

/// Serializes a hash map in key order, so that equal ledgers have equal snapshots.
fn sorted<K: serde::Serialize + Ord, V: serde::Serialize, S: serde::Serializer>(
    m: &HashMap<K, V>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut entries: Vec<(&K, &V)> = m.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    s.collect_map(entries)
}

/// An operation as applied, kept as its postcard bytes with names as text. The ledger keeps one
/// per entry and reads few of them (a duplicate id, a reversal, a statement naming a supplier):
/// packed, an operation takes its encoded size (about a sixth) instead of the 528-byte `Op` and
/// its strings (issue 12 item 2, "compact postings and positions").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedOp(Box<[u8]>);

impl PackedOp {
    pub(super) fn pack(op: &Op) -> PackedOp {
        let bytes = crate::name::as_text(|| postcard::to_stdvec(op)).expect("an operation always serializes");
        PackedOp(bytes.into_boxed_slice())
    }

    /// The operation again. Panics only if the bytes were not written by `pack` of this build:
    /// a snapshot of another build is refused before it is decoded.
    pub(super) fn unpack(&self) -> Op {
        crate::name::as_text(|| postcard::from_bytes(&self.0)).expect("a packed operation always decodes")
    }
}

impl serde::Serialize for PackedOp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for PackedOp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<PackedOp, D::Error> {
        struct Bytes;
        impl serde::de::Visitor<'_> for Bytes {
            type Value = PackedOp;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a packed operation's bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<PackedOp, E> {
                Ok(PackedOp(v.into()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<PackedOp, E> {
                Ok(PackedOp(v.into_boxed_slice()))
            }
        }
        d.deserialize_bytes(Bytes)
    }
}
