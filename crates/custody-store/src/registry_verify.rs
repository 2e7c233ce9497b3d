//! `Registry::verify`: every stored entry replayed and compared with what was stored (chain,
//! transaction text, posting rows, balances), reading the next page while this one replays.

use crate::admit::parse_one;
use crate::registry::{apply_entry, transaction_text, PAGE};
use crate::*;
use custody_core::model::Posting;
use custody_core::Ledger;
use std::collections::BTreeMap;

/// A verification failure at entry `seq`.
fn verify_failure(seq: i64, op_id: &Option<String>, what: String) -> VerifyError {
    VerifyError { seq, op_id: op_id.clone(), what }
}

/// The ledger's positions as the store's running balances, sorted (what `Store::balances` answers).
pub(crate) fn balance_rows(ledger: &Ledger) -> Vec<BalanceRow> {
    let mut rows: Vec<BalanceRow> = ledger
        .positions()
        .iter()
        .map(|((account, species, dims), amount)| BalanceRow {
            account: account.to_string(),
            species: species.as_str().to_string(),
            dims: dims_key(dims),
            amount: *amount,
        })
        .collect();
    rows.sort();
    rows
}

impl<S: Store> Registry<S> {
    /// Replays and checks one page of stored entries against their posting rows (`verify`).
    fn verify_page(
        ledger: &mut Option<Ledger>,
        prev_out: &mut String,
        seq_out: &mut i64,
        page: Vec<EntryRow>,
        rows: Vec<PostingRow>,
        snapshot: Option<&(i64, String, String)>,
        fail: &dyn Fn(i64, &Option<String>, String) -> VerifyError,
    ) -> Result<(), VerifyError> {
        let (mut seq, mut prev) = (*seq_out, std::mem::take(prev_out));
        // Posting rows for this page of entries. Rows past the page's last entry are left to
        // the next page: they may be a concurrent writer's, appended after the page was read.
        let (first, last) = (page[0].seq, page[page.len() - 1].seq);
        let mut stored_postings: BTreeMap<i64, Vec<PostingRow>> = BTreeMap::new();
        for r in rows.into_iter().filter(|r| r.seq >= first && r.seq <= last) {
            stored_postings.entry(r.seq).or_default().push(r);
        }
        for row in page {
            if row.seq != seq + 1 {
                return Err(fail(row.seq, &row.op_id, format!("sequence gap after entry {seq}")));
            }
            seq = row.seq;
            if row.prev_hash != prev {
                return Err(fail(seq, &row.op_id, "does not carry the hash of the entry before it".into()));
            }
            let hash = chain_hash(&prev, &row.text, row.tx_text.as_deref());
            if hash != row.hash {
                return Err(fail(seq, &row.op_id, "its hash does not match its content (altered)".into()));
            }
            prev = hash;
            let entry = parse_one(&row.text, seq).map_err(|e| fail(seq, &row.op_id, e))?;
            let before = ledger.as_ref().map(|l| l.transactions().len()).unwrap_or(0);
            apply_entry(ledger, &entry)
                .map_err(|e| fail(seq, &row.op_id, format!("no longer applies: {}", e.reason())))?;
            let posted = ledger
                .as_ref()
                .and_then(|l| l.transactions().get(before))
                .filter(|_| ledger.as_ref().map(|l| l.transactions().len()).unwrap_or(0) > before);
            let replayed_text = posted.map(transaction_text);
            if replayed_text != row.tx_text {
                return Err(fail(seq, &row.op_id, "its stored transaction differs from the replay".into()));
            }
            let stored: Vec<_> = stored_postings
                .remove(&seq)
                .unwrap_or_default()
                .into_iter()
                .map(|r| Posting { gas: None, ..r.posting })
                .collect();
            // Rows hold carbon, not the stated gas beside it: that figure is the replay's own,
            // from the hash-chained operation text.
            let replayed: Vec<_> = posted
                .map(|t| t.postings.iter().map(|p| Posting { gas: None, ..p.clone() }).collect())
                .unwrap_or_default();
            if stored != replayed {
                let at =
                    stored.iter().zip(&replayed).position(|(a, b)| a != b).unwrap_or(stored.len().min(replayed.len()));
                return Err(fail(
                    seq,
                    &row.op_id,
                    format!(
                        "stored posting {at} differs from the journal ({:?} vs {:?})",
                        stored.get(at),
                        replayed.get(at)
                    ),
                ));
            }
            if let Some((_, entry_hash, digest)) = snapshot.filter(|s| s.0 == seq) {
                let replayed = ledger.as_ref().map(|l| snapshot_digest(&l.snapshot())).unwrap_or_default();
                if *entry_hash != row.hash || replayed != *digest {
                    return Err(fail(
                        seq,
                        &row.op_id,
                        format!("the stored snapshot taken here is not the replay's ledger (digest {digest}, replay {replayed})"),
                    ));
                }
            }
        }
        if let Some((s, _)) = stored_postings.into_iter().next() {
            return Err(fail(s, &None, "posting rows without a journal entry".into()));
        }
        (*seq_out, *prev_out) = (seq, prev);
        Ok(())
    }

    /// Recomputes the hash chain, replays every entry, and compares the transactions, posting rows
    /// and balances with what is stored. Names the first entry that differs.
    pub async fn verify(&self, entity: &str) -> Result<VerifyReport, VerifyError> {
        let fail = verify_failure;
        let store_err = |e: StoreError| VerifyError { seq: 0, op_id: None, what: e.to_string() };
        let mut ledger: Option<Ledger> = None;
        let mut prev = GENESIS.to_string();
        let mut seq = 0i64;
        // The next page (entries and their posting rows, read on two connections at once) is
        // fetched while this one is replayed: reading and replaying overlap (issue 12 item 3).
        let fetch = |after: i64| async move {
            let (page, rows) = tokio::join!(
                self.store().entries(entity, after, PAGE),
                self.store().postings(entity, after + 1, after + PAGE)
            );
            Ok::<_, StoreError>((page?, rows?))
        };
        // The stored snapshot, checked where the replay reaches the entry it names.
        // A snapshot another build wrote (an upgrade since) is never loaded by this one, which
        // replays instead: it is named in the report, not compared.
        let mut other_build = None;
        let snapshot = match self.store().snapshot(entity).await.map_err(store_err)? {
            Some(s) if snapshot_digest(&s.body) != s.digest => {
                return Err(fail(s.seq, &None, "the stored snapshot's bytes do not match its digest".into()))
            }
            Some(s) => match custody_core::snapshot_writer(&s.body) {
                Some((format, build))
                    if format != custody_core::SNAPSHOT_FORMAT || build != custody_core::SNAPSHOT_BUILD =>
                {
                    other_build = Some((s.seq, format!("format {format}, build {build}")));
                    None
                }
                _ => Some((s.seq, s.entry_hash, s.digest)),
            },
            None => None,
        };
        let mut next = fetch(0).await;
        loop {
            let (page, rows) = next.map_err(store_err)?;
            if page.is_empty() {
                break;
            }
            let last_seq = page[page.len() - 1].seq;
            // The replay runs on a blocking thread, so this task reads the next page meanwhile.
            let (mut l, mut p, mut s) = (ledger.take(), std::mem::take(&mut prev), seq);
            let snap = snapshot.clone();
            let replay = tokio::task::spawn_blocking(move || {
                let r = Self::verify_page(&mut l, &mut p, &mut s, page, rows, snap.as_ref(), &verify_failure);
                (l, p, s, r)
            });
            let (fetched, replayed) = tokio::join!(fetch(last_seq), replay);
            let (l, p, s, r) = replayed.map_err(|e| VerifyError { seq, op_id: None, what: e.to_string() })?;
            r?;
            (ledger, prev, seq) = (l, p, s);
            next = fetched;
        }
        let head = self.store().head(entity).await.map_err(store_err)?;
        if head.seq != seq || head.hash != prev {
            return Err(fail(head.seq, &None, "the entity's head does not match the last entry".into()));
        }
        let snapshot_seq = snapshot.map(|s| s.0);
        if let Some(s) = snapshot_seq.filter(|s| *s > seq || *s < 1) {
            return Err(fail(s, &None, "the stored snapshot names an entry that is not in the journal".into()));
        }
        let Some(ledger) = ledger else {
            return Ok(VerifyReport {
                entries: seq,
                transactions: 0,
                head_hash: prev,
                balances: 0,
                snapshot_seq,
                snapshot_other_build: other_build,
            });
        };
        ledger.verify().map_err(|e| fail(seq, &None, e))?;
        let want = balance_rows(&ledger);
        let stored = self.store().balances(entity).await.map_err(store_err)?;
        if stored != want {
            let at = stored.iter().zip(&want).position(|(a, b)| a != b).unwrap_or(stored.len().min(want.len()));
            let first = stored.get(at).or(want.get(at)).expect("lists differ");
            let last_touch = ledger
                .transactions()
                .iter()
                .rposition(|t| t.postings.iter().any(|p| p.account == first.account && dims_key(&p.dims) == first.dims))
                .map(|i| ledger.transactions()[i].id.clone());
            return Err(fail(
                seq,
                &last_touch,
                format!(
                    "stored balance {} {} [{}] is {:?}, the journal sums to {:?}",
                    first.account,
                    first.species,
                    first.dims,
                    stored.get(at).map(|b| b.amount),
                    want.get(at).map(|b| b.amount)
                ),
            ));
        }
        Ok(VerifyReport {
            entries: seq,
            transactions: ledger.transactions().len(),
            head_hash: prev,
            balances: want.len(),
            snapshot_seq,
            snapshot_other_build: other_build,
        })
    }
}
