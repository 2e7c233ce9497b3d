//! Statements streamed from the store (issue 12 item 2): a statement that is a fold over the
//! transactions (`custody_core::statements::BalancesFold`) reads the entity's definitions and
//! then its stored transactions page by page, holding one page at a time, never the ledger.
//!
//! Definitions are the entries without an operation id (the registry gives every operation
//! entry its id, and only operation entries: `Registry::submit`), and operations define nothing
//! (the chart, the periods and the entity change only through definition entries), so the
//! definitions replayed alone give the full replay's chart, periods and entity. A transaction's
//! date and kind are only in its stored canonical text (`transaction_text`, which `verify`
//! checks against the replay), not in posting rows: [`Registry::stream_postings`] parses the
//! text's header with the journal parser and takes the postings from the posting rows (read
//! packed, cheap); [`Registry::stream_transactions`] decodes whole texts (the reference in
//! tests, some four times slower).

use crate::admit::parse_one;
use crate::registry::{apply_entry, SubmitErrorKind};
use crate::*;
use custody_core::model::{Date, Posting, Transaction, TxKind};
use custody_core::ops::Operation;
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

/// A stored transaction text decoded back to the transaction it was printed from
/// (`transaction_text` is a raw operation: the inverse of `Raw::from(&Transaction)`): id,
/// date, kind, description, postings, movements, reversal and meta as posted, except each
/// posting's stated gas mass (`Posting::gas`, for display), which the text does not hold (nor do
/// posting rows), so it is `None`. Errors name the entry's seq.
pub fn decode_transaction(seq: i64, text: &str) -> Result<Transaction, SubmitError> {
    let bad = |why: String| SubmitError::Corrupt(format!("entry {seq}: the stored transaction {why}"));
    let Entry::Op(op) = parse_one(text, seq).map_err(|e| bad(format!("does not parse: {e}")))? else {
        return Err(bad("is not an operation".into()));
    };
    let op = *op;
    let Operation::Raw(raw) = op.body else { return Err(bad("is not a raw transaction".into())) };
    Ok(Transaction {
        id: op.id,
        date: op.date,
        kind: raw.kind,
        description: op.memo,
        postings: raw.postings,
        movements: raw.movements,
        reverses: raw.reverses,
        meta: raw.meta,
    })
}

/// A stored transaction as a statement stream reads it ([`Registry::stream_postings`]): the
/// facts of its text's header (id, date, kind, what it reverses) and its stored posting rows, in
/// order (as `Store::postings` gives them: the memory store keeps each posting's stated gas
/// mass, the SQL stores do not; no statement folded from a stream reads it). Its movements and
/// meta are not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamedTransaction {
    pub seq: i64,
    pub id: String,
    pub date: Date,
    pub kind: TxKind,
    pub reverses: Option<String>,
    pub postings: Vec<Posting>,
}

/// The header of a stored transaction text (its lines before the first `post` line: the
/// operation line, `kind` and `reverses`; `print_raw` writes postings, movements and meta after
/// them), parsed with the journal parser: `(id, date, kind, reverses)`. Errors name the seq.
fn decode_header(seq: i64, text: &str) -> Result<(String, Date, TxKind, Option<String>), SubmitError> {
    let bad = |why: String| SubmitError::Corrupt(format!("entry {seq}: the stored transaction {why}"));
    let head = match text.find("\n  post ") {
        Some(end) => &text[..=end],
        None => text,
    };
    let Entry::Op(op) = parse_one(head, seq).map_err(|e| bad(format!("does not parse: {e}")))? else {
        return Err(bad("is not an operation".into()));
    };
    let op = *op;
    let Operation::Raw(raw) = op.body else { return Err(bad("is not a raw transaction".into())) };
    Ok((op.id, op.date, raw.kind, raw.reverses))
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
            apply_entry(&mut ledger, &entry).map_err(|e| {
                let why = match e {
                    SubmitErrorKind::Rejected(r) => r.to_string(),
                    SubmitErrorKind::Refused(m) => m,
                };
                SubmitError::Corrupt(format!("entry {} no longer applies: {why}", row.seq))
            })?;
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
        let page = page.max(1);
        let (mut after, mut stats) = (0, StreamStats::default());
        loop {
            let rows = self.store().transaction_texts(entity, after, page).await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            stats.pages += 1;
            stats.most_held = stats.most_held.max(rows.len());
            for (seq, text) in &rows {
                f(&decode_transaction(*seq, text)?);
                stats.transactions += 1;
            }
        }
        Ok(stats)
    }

    /// Passes each stored transaction of the entity to `f` as a [`StreamedTransaction`], in
    /// journal order, `page` (at least 1) at a time: each page's texts are read for their headers
    /// only and its postings as packed posting rows (`Store::postings`), much cheaper than
    /// decoding whole texts ([`Registry::stream_transactions`]). At most `page` transactions
    /// are held at once. Errors: no such entity, a store error, a header that does not decode,
    /// posting rows of an entry that posted no transaction.
    pub async fn stream_postings(
        &self,
        entity: &str,
        page: i64,
        f: impl FnMut(&StreamedTransaction),
    ) -> Result<StreamStats, SubmitError> {
        self.stream_headers_and(entity, page, true, f).await
    }

    /// [`Registry::stream_postings`] without the postings (each `postings` is empty): the dates
    /// and kinds a default period is chosen from, read from the texts alone.
    pub async fn stream_headers(
        &self,
        entity: &str,
        page: i64,
        f: impl FnMut(&StreamedTransaction),
    ) -> Result<StreamStats, SubmitError> {
        self.stream_headers_and(entity, page, false, f).await
    }

    async fn stream_headers_and(
        &self,
        entity: &str,
        page: i64,
        with_postings: bool,
        mut f: impl FnMut(&StreamedTransaction),
    ) -> Result<StreamStats, SubmitError> {
        let page = page.max(1);
        let (mut after, mut stats) = (0, StreamStats::default());
        loop {
            let rows = self.store().transaction_texts(entity, after, page).await?;
            let (Some(first), Some(last)) = (rows.first(), rows.last()) else { break };
            let (first, last) = (first.0, last.0);
            after = last;
            stats.pages += 1;
            stats.most_held = stats.most_held.max(rows.len());
            let postings = match with_postings {
                true => self.store().postings(entity, first, last).await?,
                false => Vec::new(),
            };
            let mut postings = postings.into_iter().peekable();
            for (seq, text) in &rows {
                let (id, date, kind, reverses) = decode_header(*seq, text)?;
                let mut tx = StreamedTransaction { seq: *seq, id, date, kind, reverses, postings: Vec::new() };
                while let Some(row) = postings.next_if(|r| r.seq <= *seq) {
                    if row.seq != *seq {
                        return Err(SubmitError::Corrupt(format!(
                            "entry {}: posting rows without a transaction",
                            row.seq
                        )));
                    }
                    tx.postings.push(row.posting);
                }
                f(&tx);
                stats.transactions += 1;
            }
            if let Some(row) = postings.next() {
                return Err(SubmitError::Corrupt(format!("entry {}: posting rows without a transaction", row.seq)));
            }
        }
        Ok(stats)
    }
}
