//! Statements streamed from the store (issue 12 item 2): a statement that is a fold over the
//! transactions (`custody_core::statements::BalancesFold`) reads the entity's definitions and
//! then its stored transactions page by page, holding one page at a time, never the ledger.
//!
//! Definitions are the entries without an operation id (the registry gives every operation
//! entry its id, and only operation entries: `Registry::submit`), and operations define nothing
//! (the chart, the periods and the entity change only through definition entries), so the
//! definitions replayed alone give the full replay's chart, periods and entity. Transactions are
//! decoded from their stored canonical text (`transaction_text`, which `verify` checks against
//! the replay) with the journal parser: the text is the exact transaction, date and kind
//! included, which posting rows do not hold. (Headers from the text with postings from the
//! packed posting rows was measured slower than decoding the whole text: SQLite's packing
//! costs more than the parser's amounts.)

use crate::admit::parse_one;
use crate::registry::apply_stored;
use crate::*;
use custody_core::model::{Date, Transaction, TxKind};
use custody_core::ops::{Op, Operation, Raw};
use custody_core::Ledger;
use custody_journal::Entry;

/// Transactions a statement stream reads per page by default (`Registry::stream_transactions`).
pub const STREAM_PAGE: i64 = 2_000;

/// What a stream read: for tests that the held state does not grow with the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamStats {
    /// Transactions passed on.
    pub transactions: u64,
    /// Pages read.
    pub pages: u64,
    /// The most transactions held at once (the largest page).
    pub most_held: usize,
}

/// A stored transaction text (`transaction_text`: a raw operation, the inverse of
/// `Raw::from(&Transaction)`) parsed back with the journal parser: the operation and its raw
/// body: `(id, date, memo, raw)`. Errors name the entry's seq.
fn parse_raw(seq: i64, text: &str) -> Result<(String, Date, String, Raw), SubmitError> {
    let bad = |why: String| SubmitError::Corrupt(format!("entry {seq}: the stored transaction {why}"));
    let Entry::Op(op) = parse_one(text, seq).map_err(|e| bad(format!("does not parse: {e}")))? else {
        return Err(bad("is not an operation".into()));
    };
    let Op { id, date, memo, body } = *op;
    let Operation::Raw(raw) = body else { return Err(bad("is not a raw transaction".into())) };
    Ok((id, date, memo, raw))
}

/// A stored transaction text decoded back to the transaction it was printed from: id, date,
/// kind, description, postings, movements, reversal and meta as posted, except each posting's
/// stated gas mass (`Posting::gas`, for display), which the text does not hold (nor do posting
/// rows), so it is `None`. Errors name the entry's seq.
pub fn decode_transaction(seq: i64, text: &str) -> Result<Transaction, SubmitError> {
    let (id, date, description, raw) = parse_raw(seq, text)?;
    Ok(Transaction {
        id,
        date,
        kind: raw.kind,
        description,
        postings: raw.postings,
        movements: raw.movements,
        reverses: raw.reverses,
        meta: raw.meta.into(),
    })
}

/// The header of a stored transaction ([`Registry::stream_headers`]): what its text says before
/// its postings. Enough to choose a default period (`PeriodActivity`) without decoding amounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionHeader {
    pub seq: i64,
    pub id: String,
    pub date: Date,
    pub kind: TxKind,
    pub reverses: Option<String>,
}

/// The header of a stored transaction text: its lines before the first `post` line (the
/// operation line, `kind` and `reverses`; `print_raw` writes postings, movements and meta after
/// them), parsed as [`parse_raw`] parses the whole text. Errors name the seq.
fn decode_header(seq: i64, text: &str) -> Result<TransactionHeader, SubmitError> {
    let head = match text.find("\n  post ") {
        Some(end) => &text[..=end],
        None => text,
    };
    let (id, date, _, raw) = parse_raw(seq, head)?;
    Ok(TransactionHeader { seq, id, date, kind: raw.kind, reverses: raw.reverses })
}

impl<S: Store> Registry<S> {
    /// The entity's definitions replayed alone: a ledger with the journal's entity, chart,
    /// items, sites, periods (closed as stored), pools and targets, and no transaction. Memory
    /// is bounded by what is defined. Errors: no such entity, an operation entry among the
    /// definitions, or a definition that no longer applies ([`SubmitError::Corrupt`]).
    pub async fn definitions(&self, entity: &str) -> Result<Ledger, SubmitError> {
        let mut ledger = None;
        for row in self.store().definitions(entity).await? {
            let entry = parse_one(&row.text, row.seq).map_err(SubmitError::Corrupt)?;
            if matches!(entry, Entry::Op(_)) {
                return Err(SubmitError::Corrupt(format!("entry {} is an operation without an id", row.seq)));
            }
            apply_stored(&mut ledger, &entry, row.seq)?;
        }
        ledger.ok_or_else(|| SubmitError::Corrupt(format!("entity `{entity}` has no entity entry")))
    }

    /// Passes each stored transaction of the entity to `f`, in journal order, reading `page`
    /// (at least 1) at a time: at most `page` transactions are held at once, whatever the length
    /// of the history. Errors: no such entity, a store error, a stored text that does not decode.
    pub async fn stream_transactions(
        &self,
        entity: &str,
        page: i64,
        mut f: impl FnMut(&Transaction),
    ) -> Result<StreamStats, SubmitError> {
        self.stream_texts(entity, page, |seq, text| {
            f(&decode_transaction(seq, text)?);
            Ok(())
        })
        .await
    }

    /// Passes each stored transaction's header to `f`, in journal order, `page` (at least 1)
    /// at a time: the text's lines before its postings parsed with the journal parser, the
    /// postings skipped (about a third of the cost of [`Registry::stream_transactions`] on the
    /// benchmark mill journal, whose texts are mostly postings). Errors: no such entity, a store
    /// error, a header that does not decode.
    pub async fn stream_headers(
        &self,
        entity: &str,
        page: i64,
        mut f: impl FnMut(&TransactionHeader),
    ) -> Result<StreamStats, SubmitError> {
        self.stream_texts(entity, page, |seq, text| {
            f(&decode_header(seq, text)?);
            Ok(())
        })
        .await
    }

    /// The stored transaction texts of the entity in journal order, `page` (at least 1) at a
    /// time, each passed to `f` with its entry's seq; counts pages, texts and the most held.
    async fn stream_texts(
        &self,
        entity: &str,
        page: i64,
        mut f: impl FnMut(i64, &str) -> Result<(), SubmitError>,
    ) -> Result<StreamStats, SubmitError> {
        let page = page.max(1);
        let (mut after, mut stats) = (0, StreamStats::default());
        loop {
            let rows = self.store().transaction_texts(entity, after, page).await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            stats.pages += 1;
            stats.most_held = stats.most_held.max(rows.len());
            for (seq, text) in &rows {
                f(*seq, text)?;
                stats.transactions += 1;
            }
        }
        Ok(stats)
    }
}
