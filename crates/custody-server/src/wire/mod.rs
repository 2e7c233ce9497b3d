//! The API's JSON, in one place: every request body a route reads and every body it answers, as
//! serde types that also derive their OpenAPI schema (`utoipa`). `/openapi.json` is generated from
//! these types (the `openapi` module), so the document and the wire cannot drift apart.
//!
//! Operations in JSON are in [`ops`]; they map to the same core `Op` values the journal parser
//! produces.

mod fields;
pub mod ops;

use custody_core::model::{format_date, Transaction};
use custody_store::{Outcome, Reconciliation, Transfer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

// ---- requests ------------------------------------------------------------------------------------

/// `POST /entities`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEntity {
    /// The entity id (the journal's identifier grammar).
    pub id: String,
    pub name: String,
    /// The carbon-ratio table: `efi` (default) or `molar`.
    #[serde(default = "default_ratios")]
    #[schema(default = "efi", pattern = "^(efi|molar)$")]
    pub ratios: String,
    /// The GWP table: `ar6` (default) or `ar5`.
    #[serde(default = "default_gwp")]
    #[schema(default = "ar6", pattern = "^(ar5|ar6)$")]
    pub gwp: String,
}

fn default_ratios() -> String {
    "efi".into()
}
fn default_gwp() -> String {
    "ar6".into()
}

/// `POST /keys`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewKey {
    /// `admin`, `member`, `counterparty` or `verifier`.
    #[schema(pattern = "^(admin|member|counterparty|verifier)$")]
    pub role: String,
    /// The entity a member or counterparty key belongs to.
    pub entity: Option<String>,
    /// The entities a verifier key may read.
    #[serde(default)]
    pub grants: Vec<String>,
}

/// `POST /entities/{id}/transfers/accept`. Unknown fields are refused (400), as in typed JSON
/// operations: a field the route does not read is never silently dropped.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferDecision {
    /// `SELLER/SALE/BUYER`.
    pub transfer: String,
    /// YYYY-MM-DD.
    pub date: String,
    /// The buyer's item the transfer is booked as (required).
    pub item: Option<String>,
    /// The operation id (default `receive:TRANSFER`).
    pub id: Option<String>,
    pub lot: Option<String>,
    pub site: Option<String>,
    /// The chain-of-custody model the buyer states (`identity-preserved`, `segregated`,
    /// `controlled-blending`, `mass-balance`, `book-and-claim`): optional; the receive carries the
    /// seller's model, and one other than the seller's is refused (422 `transfer_invalid`, E022).
    pub custody: Option<String>,
}

/// `POST /entities/{id}/transfers/reject`. Unknown fields are refused (400).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRejection {
    /// `SELLER/SALE/BUYER`.
    pub transfer: String,
    /// YYYY-MM-DD: the decision's date, never written into the seller's books.
    pub date: String,
    /// Refused (400) unless it is the id the seller's side derives, `return:TRANSFER`.
    pub id: Option<String>,
}

/// `POST /entities/{id}/journal` as journal text in JSON.
#[derive(Debug, Deserialize, ToSchema)]
pub struct JournalText {
    /// Journal entries (docs/journal.md): operations and definitions.
    pub journal: String,
}

/// `POST /entities/{id}/journal` as typed operations.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OperationBatch {
    /// Applied in order as one batch, all or nothing.
    pub operations: Vec<ops::JsonOperation>,
}

/// The JSON body of `POST /entities/{id}/journal`: journal text, or typed operations.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum JournalRequest {
    Text(JournalText),
    Operations(OperationBatch),
}

// ---- responses -----------------------------------------------------------------------------------

/// `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}

/// An entity.
#[derive(Debug, Serialize, ToSchema)]
pub struct Entity {
    pub id: String,
    pub name: String,
    /// `efi` or `molar`.
    pub ratios: String,
    /// `ar5` or `ar6`.
    pub gwp: String,
}

impl From<&custody_core::Entity> for Entity {
    fn from(e: &custody_core::Entity) -> Entity {
        Entity { id: e.id.clone(), name: e.name.clone(), ratios: e.ratios.as_str().into(), gwp: e.gwp.as_str().into() }
    }
}

/// A created API key; the secret is shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKey {
    pub id: String,
    pub secret: String,
    pub role: String,
}

/// What a batch did, entry by entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct Outcomes {
    pub outcomes: Vec<EntryOutcome>,
}

/// One entry of a batch: `written` (with its journal sequence number and, for an operation, the
/// transaction posted) or `duplicate` (posted before with the same content; nothing written).
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryOutcome {
    pub index: usize,
    /// `written` or `duplicate`.
    #[schema(pattern = "^(written|duplicate)$")]
    pub result: String,
    /// Written entries only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    /// Written entries only, and left out under `Prefer: return=minimal`: the transaction posted,
    /// `null` for a definition.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<TransactionJson>)]
    pub transaction: Option<Option<TransactionJson>>,
}

impl Outcomes {
    pub fn new(outcomes: &[Outcome]) -> Outcomes {
        Outcomes::with(outcomes, true)
    }

    /// The outcomes without the transactions posted (`Prefer: return=minimal`): index, result
    /// and seq only.
    pub fn minimal(outcomes: &[Outcome]) -> Outcomes {
        Outcomes::with(outcomes, false)
    }

    fn with(outcomes: &[Outcome], transactions: bool) -> Outcomes {
        let outcomes = outcomes
            .iter()
            .enumerate()
            .map(|(index, o)| match o {
                Outcome::Written { seq, transaction } => EntryOutcome {
                    index,
                    result: "written".into(),
                    seq: Some(*seq),
                    transaction: transactions.then(|| transaction.as_ref().map(TransactionJson::from)),
                },
                Outcome::Duplicate => EntryOutcome { index, result: "duplicate".into(), seq: None, transaction: None },
            })
            .collect();
        Outcomes { outcomes }
    }
}

/// A posted transaction.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Transaction)]
pub struct TransactionJson {
    pub id: String,
    /// YYYY-MM-DD.
    pub date: String,
    pub kind: String,
    pub description: String,
    pub reverses: Option<String>,
    pub postings: Vec<PostingJson>,
    pub movements: Vec<MovementJson>,
    pub meta: BTreeMap<String, String>,
}

/// A posting: an exact amount of one species on one account, with its dimensions.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Posting)]
pub struct PostingJson {
    pub account: String,
    pub species: String,
    /// Grams of carbon (grams of gas for N2O and SF6), exact.
    #[serde(rename = "amount_gC")]
    pub amount_gc: i64,
    pub item: Option<String>,
    pub lot: Option<String>,
    pub site: Option<String>,
    pub origin: Option<String>,
    pub counterparty: Option<String>,
}

/// A stock movement in the item's base unit (g or kJ).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Movement)]
pub struct MovementJson {
    pub item: String,
    pub lot: Option<String>,
    pub site: Option<String>,
    pub quantity: i64,
}

impl From<&Transaction> for TransactionJson {
    fn from(tx: &Transaction) -> TransactionJson {
        TransactionJson {
            id: tx.id.clone(),
            date: format_date(tx.date),
            kind: tx.kind.as_str().into(),
            description: tx.description.clone(),
            reverses: tx.reverses.clone(),
            postings: tx
                .postings
                .iter()
                .map(|p| PostingJson {
                    account: p.account.to_string(),
                    species: p.species.as_str().into(),
                    amount_gc: p.amount,
                    item: p.dims.item.map(String::from),
                    lot: p.dims.lot.map(String::from),
                    site: p.dims.site.map(String::from),
                    origin: p.dims.origin.map(|o| o.as_str().into()),
                    counterparty: p.dims.counterparty.map(String::from),
                })
                .collect(),
            movements: tx
                .movements
                .iter()
                .map(|m| MovementJson {
                    item: m.item.to_string(),
                    lot: m.lot.map(String::from),
                    site: m.site.map(String::from),
                    quantity: m.quantity,
                })
                .collect(),
            meta: tx.meta.to_map(),
        }
    }
}

/// `GET /entities/{id}/verify` when the journal verifies.
#[derive(Debug, Serialize, ToSchema)]
pub struct Verified {
    pub ok: bool,
    pub entries: i64,
    pub transactions: usize,
    pub balances: usize,
    pub head_hash: String,
    /// The entry at which the stored snapshot was taken and checked against the replay (absent:
    /// no snapshot is kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_seq: Option<i64>,
    /// A stored snapshot another build wrote (after an upgrade): its writer (`format F, build
    /// B`). This server never reads it and replays the journal instead; it is not compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_other_build: Option<String>,
}

/// An amount a transfer carries, by form and species.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferAmount {
    /// `content` or `emissions`.
    pub form: String,
    pub species: String,
    #[serde(rename = "amount_gC")]
    pub amount_gc: i64,
    /// Grams of the gas as the seller stated it, for a gas held in carbon whose figure was stated
    /// (`null`: the gas is the carbon converted with the seller's ratios).
    #[serde(rename = "stated_gas_g")]
    pub stated_gas_g: Option<i64>,
}

/// A transfer between two entities' ledgers (docs/reports.md). `booked` and `mismatch` are given
/// in the reconciliation only.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Transfer)]
pub struct TransferJson {
    pub id: String,
    pub seller: String,
    pub sale: String,
    pub buyer: String,
    pub item: String,
    pub date: String,
    /// In the seller's base unit (g or kJ).
    pub quantity: i64,
    pub status: String,
    pub sent: Vec<TransferAmount>,
    pub custody: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booked: Option<Vec<TransferAmount>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mismatch: Option<bool>,
}

impl TransferJson {
    pub fn new(t: &Transfer, r: Option<&Reconciliation>) -> TransferJson {
        let amounts = |a: &custody_store::Amounts| {
            a.iter()
                .map(|(f, s, g, gas)| TransferAmount {
                    form: f.as_str().into(),
                    species: s.as_str().into(),
                    amount_gc: *g,
                    stated_gas_g: *gas,
                })
                .collect::<Vec<_>>()
        };
        TransferJson {
            id: t.id.clone(),
            seller: t.seller.clone(),
            sale: t.sale.clone(),
            buyer: t.buyer.clone(),
            item: t.item.clone(),
            date: format_date(t.date),
            quantity: t.quantity,
            status: t.status.as_str().into(),
            sent: amounts(&t.amounts),
            custody: t.custody.map(|m| m.as_str().into()),
            booked: r.map(|r| amounts(&r.received)),
            mismatch: r.map(|r| r.mismatch),
        }
    }
}

/// A page of a list: `items` from `offset`, at most `limit`, of `total`.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub offset: usize,
    pub limit: usize,
    pub total: usize,
    pub next_offset: Option<usize>,
}

macro_rules! page_type {
    ($name:ident, $item:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            pub offset: usize,
            pub limit: usize,
            pub total: usize,
            /// The offset of the next page; `null` on the last.
            pub next_offset: Option<usize>,
        }
        impl From<Page<$item>> for $name {
            fn from(p: Page<$item>) -> $name {
                $name { items: p.items, offset: p.offset, limit: p.limit, total: p.total, next_offset: p.next_offset }
            }
        }
    };
}

page_type!(EntityPage, Entity, "A page of entities.");
page_type!(TransactionPage, TransactionJson, "A page of posted transactions.");
page_type!(TransferPage, TransferJson, "A page of transfers.");
page_type!(EntryPage, EntryJson, "A page of stored journal entries.");

/// A stored journal entry: what was submitted (its canonical journal text), the transaction it
/// posted (as text), and the hash chaining it to the entry before it
/// (`custody_store::chain_hash`: SHA-256 over the previous hash, the text and the transaction
/// text, newline-separated, lowercase hex). `seq` counts from 1.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Entry)]
pub struct EntryJson {
    pub seq: i64,
    /// The operation's id; `null` for a definition (item, counterparty, period, ...).
    pub operation: Option<String>,
    pub text: String,
    pub transaction: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<custody_store::EntryRow> for EntryJson {
    fn from(r: custody_store::EntryRow) -> EntryJson {
        EntryJson {
            seq: r.seq,
            operation: r.op_id,
            text: r.text,
            transaction: r.tx_text,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// `GET /reconciliation`: a page of transfers with both sides, and how many mismatch.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReconciliationPage {
    pub items: Vec<TransferJson>,
    pub offset: usize,
    pub limit: usize,
    pub total: usize,
    pub next_offset: Option<usize>,
    /// Mismatched transfers among all visible ones (not only this page).
    pub mismatches: usize,
    /// Certificate transfers between entities the caller may see, each with its settlement
    /// (not paged); their mismatches are counted in `certificate_mismatches`.
    pub certificates: Vec<CertificateSettlementJson>,
    pub certificate_mismatches: usize,
}

/// A certificate transfer between two entities, both sides (`custody reconcile`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateSettlementJson {
    /// The sender's `certificate-transfer` operation ("" for a receive that names none).
    pub transfer: String,
    pub certificate: String,
    pub from: String,
    pub to: String,
    /// `pending` or `received`.
    pub status: String,
    /// The receiver's `certificate-receive` operations (one once settled).
    pub receives: Vec<String>,
    pub units: Option<u64>,
    /// Why it does not settle, or null.
    pub mismatch: Option<String>,
}

impl CertificateSettlementJson {
    pub fn new(c: &custody_store::CertificateSettlement) -> Self {
        CertificateSettlementJson {
            transfer: c.transfer.clone(),
            certificate: c.certificate.clone(),
            from: c.from.clone(),
            to: c.to.clone(),
            status: c.status().into(),
            receives: c.receives.clone(),
            units: c.units,
            mismatch: c.mismatch.clone(),
        }
    }
}

/// A statement as JSON; its fields depend on the kind (docs/reports.md).
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct Statement(pub serde_json::Value);

/// A product's footprint and claim assessed against the frameworks (docs/reports.md).
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct Assessment(pub serde_json::Value);

/// This OpenAPI document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct OpenApiDocument(pub serde_json::Value);

/// An error (RFC 9457), `application/problem+json`. Every error of the API has this shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    /// Stable code: a rejection code (e.g. insufficient_quantity) or unauthorized, forbidden,
    /// not_found, conflict, bad_request, journal_syntax, invalid_id (with `rule`), refused,
    /// verify_failed, method_not_allowed, payload_too_large, internal. Every error of the API is a
    /// Problem, also those raised before a route runs (a query string that does not parse, a body
    /// over 2 MB, an unknown route, a wrong method).
    pub code: String,
    pub detail: String,
    /// For invalid_id: the id rule broken (id_empty, id_too_long, id_character, id_dots, id_parts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// For a rejection: the rules the operation broke.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violations: Option<Vec<Violation>>,
    /// The batch entry (or JSON operation) that was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// For a rejection: the operation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// For journal_syntax: each error with its line and column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<SyntaxError>>,
    /// For a JSON operation: the field refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// One broken rule of a rejected operation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Violation {
    pub code: String,
    pub number: u16,
    pub field: Option<String>,
    pub message: String,
}

/// One error in posted journal text.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}
