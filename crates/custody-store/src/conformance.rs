//! The executable contract every backend must satisfy. Each check takes a fresh, empty store.
//! It exists for the silent failures: a racy head check, a half-written batch, balances that drift
//! from the journal, pagination that skips or repeats.

use crate::*;
use custody_core::model::{Dims, Posting};
use custody_core::units::Species;

fn posting(account: &str, amount: i64, item: Option<&str>) -> Posting {
    Posting {
        account: account.into(),
        species: Species::C,
        amount,
        dims: Dims { item: item.map(Into::into), ..Dims::default() }.into(),
        gas: None,
    }
}

fn entry(prev: &str, n: i64, postings: Vec<Posting>) -> NewEntry {
    let text = format!("entry {n}\n");
    let tx_text = Some(format!("tx {n}\n"));
    NewEntry {
        op_id: Some(format!("op-{n}")),
        hash: chain_hash(prev, &text, tx_text.as_deref()),
        text,
        tx_text,
        postings,
        exclusive: None,
    }
}

/// Appends `n` entries one by one, each moving 10 gC into a stock account.
async fn fill<S: Store>(store: &S, entity: &str, n: i64) -> Head {
    let mut head = store.head(entity).await.unwrap();
    for _ in 0..n {
        let e = entry(
            &head.hash,
            head.seq + 1,
            vec![posting("raw.content", 10, Some("ore")), posting("in.content", 10, None)],
        );
        head = store.append(entity, &head, &[e]).await.unwrap();
    }
    head
}

pub async fn creates_entities_once<S: Store>(store: S) {
    store.create_entity("a").await.unwrap();
    store.create_entity("b").await.unwrap();
    assert_eq!(store.create_entity("a").await, Err(StoreError::AlreadyExists("a".into())));
    assert_eq!(store.entity_ids().await.unwrap(), vec!["a".to_string(), "b".to_string()]);
    assert_eq!(store.head("a").await.unwrap(), Head::genesis());
    assert_eq!(store.head("nobody").await, Err(StoreError::NotFound("nobody".into())));
}

pub async fn appends_and_reads_back<S: Store>(store: S) {
    store.create_entity("a").await.unwrap();
    let e1 = entry(GENESIS, 1, vec![posting("raw.content", 5, Some("ore")), posting("in.content", 5, None)]);
    let e2 = entry(&e1.hash, 2, vec![]);
    let head = store.append("a", &Head::genesis(), &[e1.clone(), e2.clone()]).await.unwrap();
    assert_eq!(head, Head { seq: 2, hash: e2.hash.clone() });
    let rows = store.entries("a", 0, 100).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].seq, &rows[0].text, &rows[0].prev_hash), (1, &e1.text, &GENESIS.to_string()));
    assert_eq!((rows[1].seq, &rows[1].prev_hash, &rows[1].hash), (2, &e1.hash, &e2.hash));
    assert_eq!(rows[0].tx_text, e1.tx_text);
    let postings = store.postings("a", 1, 2).await.unwrap();
    assert_eq!(postings.iter().map(|p| p.posting.clone()).collect::<Vec<_>>(), e1.postings);
    let balances = store.balances("a").await.unwrap();
    assert_eq!(balances.len(), 2);
    assert_eq!(balances[0].account, "in.content");
    assert_eq!(balances[1].amount, 5);
}

pub async fn refuses_a_stale_head<S: Store>(store: S) {
    store.create_entity("a").await.unwrap();
    let first = entry(GENESIS, 1, vec![]);
    store.append("a", &Head::genesis(), &[first]).await.unwrap();
    // A writer that read the genesis head must not append.
    let stale = entry(GENESIS, 1, vec![posting("raw.content", 1, None), posting("in.content", 1, None)]);
    assert_eq!(store.append("a", &Head::genesis(), &[stale]).await, Err(StoreError::Conflict));
    assert_eq!(store.entries("a", 0, 10).await.unwrap().len(), 1);
    assert!(store.postings("a", 0, 10).await.unwrap().is_empty(), "a refused append wrote postings");
    assert!(store.balances("a").await.unwrap().is_empty(), "a refused append moved balances");
    assert_eq!(store.append("nobody", &Head::genesis(), &[]).await, Err(StoreError::NotFound("nobody".into())));
}

pub async fn refuses_a_second_entry_for_one_operation<S: Store>(store: S) {
    store.create_entity("a").await.unwrap();
    let head = fill(&store, "a", 2).await;
    let again = NewEntry { op_id: Some("op-1".into()), ..entry(&head.hash, 3, vec![]) };
    assert_eq!(store.append("a", &head, &[again]).await, Err(StoreError::DuplicateOperation("op-1".into())));
    assert_eq!(store.head("a").await.unwrap(), head, "nothing of the refused append stays");
    // Another entity may use the same operation id.
    store.create_entity("b").await.unwrap();
    store.append("b", &Head::genesis(), &[entry(GENESIS, 1, vec![])]).await.unwrap();
}

pub async fn keeps_entities_apart<S: Store>(store: S) {
    store.create_entity("a").await.unwrap();
    store.create_entity("b").await.unwrap();
    fill(&store, "a", 3).await;
    assert!(store.entries("b", 0, 10).await.unwrap().is_empty());
    assert!(store.balances("b").await.unwrap().is_empty());
    assert_eq!(store.head("b").await.unwrap(), Head::genesis());
}

pub async fn balances_sum_postings_and_drop_zeros<S: Store>(store: S) {
    store.create_entity("a").await.unwrap();
    let head = fill(&store, "a", 4).await;
    let b = store.balances("a").await.unwrap();
    assert_eq!(b.iter().map(|r| r.amount).collect::<Vec<_>>(), vec![40, 40]);
    let undo = entry(&head.hash, 5, vec![posting("raw.content", -40, Some("ore")), posting("in.content", -40, None)]);
    store.append("a", &head, &[undo]).await.unwrap();
    assert!(store.balances("a").await.unwrap().is_empty(), "zero balances are dropped");
}

pub async fn pages_without_gaps_or_repeats<S: Store>(store: S) {
    store.create_entity("a").await.unwrap();
    fill(&store, "a", 25).await;
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = store.entries("a", after, 7).await.unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().unwrap().seq;
        seen.extend(page.into_iter().map(|r| r.seq));
    }
    assert_eq!(seen, (1..=25).collect::<Vec<_>>());
    assert_eq!(store.postings("a", 3, 4).await.unwrap().len(), 4);
}

/// Concurrent appenders that all read the same head: exactly one wins.
pub async fn one_writer_wins_a_race<S: Store + 'static>(store: std::sync::Arc<S>) {
    store.create_entity("a").await.unwrap();
    let head = store.head("a").await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (store, head) = (store.clone(), head.clone());
        tasks.push(tokio::spawn(async move {
            let e = entry(&head.hash, 1, vec![posting("raw.content", i + 1, None), posting("in.content", i + 1, None)]);
            store.append("a", &head, &[e]).await
        }));
    }
    let mut wins = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => wins += 1,
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("unexpected error in a race: {e}"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(store.entries("a", 0, 10).await.unwrap().len(), 1);
    assert_eq!(store.postings("a", 0, 10).await.unwrap().len(), 2);
}

pub async fn keeps_keys_hashed_and_revocable<S: Store>(store: S) {
    let key = ApiKey {
        id: "k1".into(),
        hash: key_hash("secret-1"),
        role: "verifier".into(),
        entity: None,
        grants: vec!["a".into(), "b".into()],
        revoked: false,
    };
    store.put_key(&key).await.unwrap();
    assert_eq!(store.put_key(&key).await, Err(StoreError::AlreadyExists("k1".into())));
    assert_eq!(store.key_by_hash(&key_hash("secret-1")).await.unwrap(), Some(key.clone()));
    assert_eq!(store.key_by_hash(&key_hash("secret-2")).await.unwrap(), None);
    assert!(store.revoke_key("k1").await.unwrap());
    assert!(!store.revoke_key("nope").await.unwrap());
    assert!(store.key_by_hash(&key_hash("secret-1")).await.unwrap().unwrap().revoked);
    // The key and a journal head in one call: each answers as its own call does, apart.
    store.create_entity("e").await.unwrap();
    let head = store.head("e").await.unwrap();
    let revoked = store.key_by_hash(&key_hash("secret-1")).await.unwrap();
    assert_eq!(store.key_and_head(&key_hash("secret-1"), "e").await.unwrap(), (revoked.clone(), Some(head.clone())));
    assert_eq!(store.key_and_head(&key_hash("secret-1"), "nope").await.unwrap(), (revoked, None));
    assert_eq!(store.key_and_head(&key_hash("secret-2"), "e").await.unwrap(), (None, Some(head)));
    assert_eq!(store.key_and_head(&key_hash("secret-2"), "nope").await.unwrap(), (None, None));
    // Listed with when it was made; a use is recorded (to the minute), never a secret.
    let listed = store.list_keys().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].key.revoked && listed[0].created.is_some() && listed[0].last_used.is_none());
    store.touch_key("k1", 1_000_000).await.unwrap();
    store.touch_key("k1", 1_000_030).await.unwrap();
    assert_eq!(store.list_keys().await.unwrap()[0].last_used, Some(1_000_000));
    store.touch_key("k1", 1_000_090).await.unwrap();
    assert_eq!(store.list_keys().await.unwrap()[0].last_used, Some(1_000_090));
}

pub async fn settles_an_exclusive_key_once_across_entities<S: Store>(store: S) {
    store.create_entity("seller").await.unwrap();
    store.create_entity("buyer").await.unwrap();
    let settle = |prev: &str| NewEntry { exclusive: Some("transfer:seller/s1/buyer".into()), ..entry(prev, 1, vec![]) };
    store.append("buyer", &Head::genesis(), &[settle(GENESIS)]).await.unwrap();
    let again = store.append("seller", &Head::genesis(), &[settle(GENESIS)]).await;
    assert_eq!(again, Err(StoreError::ExclusiveTaken("transfer:seller/s1/buyer".into())));
    assert_eq!(store.head("seller").await.unwrap(), Head::genesis(), "nothing of the refused append stays");
}

/// A batch larger than one SQL statement holds (the SQL store writes rows in multi-row statements
/// of a few hundred parameters): every entry, posting and balance lands, in order; a batch whose
/// 1,500th entry repeats a stored operation writes nothing and names that operation.
pub async fn writes_a_large_batch_whole<S: Store>(store: S) {
    store.create_entity("a").await.unwrap();
    let mut batch = Vec::new();
    let mut prev = GENESIS.to_string();
    let (n, items) = (2_000i64, ["ore", "coal", "gas"]);
    for i in 1..=n {
        let item = items[i as usize % 3];
        let e = entry(&prev, i, vec![posting("raw.content", i, Some(item)), posting("in.content", i, None)]);
        prev = e.hash.clone();
        batch.push(e);
    }
    let head = store.append("a", &Head::genesis(), &batch).await.unwrap();
    assert_eq!(head, Head { seq: n, hash: prev.clone() });
    let rows = store.entries("a", 0, n + 10).await.unwrap();
    assert_eq!(rows.len() as i64, n);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!((r.seq, &r.hash), (i as i64 + 1, &batch[i].hash), "entry {} out of place", i + 1);
        let expected_prev = if i == 0 { GENESIS } else { batch[i - 1].hash.as_str() };
        assert_eq!(r.prev_hash, expected_prev);
    }
    let postings = store.postings("a", 1, n).await.unwrap();
    assert_eq!(postings.len() as i64, 2 * n);
    assert!(postings.windows(2).all(|w| (w[0].seq, w[0].idx) < (w[1].seq, w[1].idx)));
    // The reference: each balance summed posting by posting, independently of the store.
    let mut expected: std::collections::BTreeMap<(String, String), i64> = Default::default();
    for e in &batch {
        for p in &e.postings {
            *expected.entry((p.account.to_string(), dims_key(&p.dims))).or_insert(0) += p.amount;
        }
    }
    let balances = store.balances("a").await.unwrap();
    assert_eq!(balances.len(), expected.len());
    for b in &balances {
        let key = (b.account.clone(), b.dims.clone());
        assert_eq!(Some(&b.amount), expected.get(&key), "balance of {} {}", b.account, b.dims);
    }
    let mut again = Vec::new();
    let mut prev2 = head.hash.clone();
    for i in 1..=1_600i64 {
        let mut e = entry(&prev2, n + i, vec![posting("raw.content", 1, None), posting("in.content", 1, None)]);
        if i == 1_500 {
            e.op_id = Some("op-7".into());
        }
        prev2 = e.hash.clone();
        again.push(e);
    }
    assert_eq!(store.append("a", &head, &again).await, Err(StoreError::DuplicateOperation("op-7".into())));
    assert_eq!(store.head("a").await.unwrap(), head, "nothing of the refused batch stays");
    assert_eq!(store.postings("a", 1, 10 * n).await.unwrap().len() as i64, 2 * n);
    assert_eq!(store.balances("a").await.unwrap(), balances);
}

pub async fn keeps_records_append_only_in_order<S: Store>(store: S) {
    assert!(store.put_record("e", "published", "b", "one").await.unwrap());
    assert!(store.put_record("e", "published", "a", "two").await.unwrap());
    assert!(!store.put_record("e", "published", "b", "changed").await.unwrap(), "a key is written once");
    assert!(store.put_record("e", "peer", "b", "other kind").await.unwrap());
    assert!(store.put_record("f", "published", "b", "other entity").await.unwrap());
    let got = store.records("e", "published").await.unwrap();
    assert_eq!(got, vec![("b".to_string(), "one".to_string()), ("a".to_string(), "two".to_string())]);
    assert_eq!(store.records("e", "peer").await.unwrap().len(), 1);
    assert!(store.records("g", "published").await.unwrap().is_empty());
}

/// A snapshot names an entry of its journal by seq and hash, replaces the entity's earlier one,
/// and comes back byte for byte (binary bodies included).
pub async fn keeps_one_snapshot_per_entity_naming_its_entry<S: Store>(store: S) {
    store.create_entity("a").await.unwrap();
    store.create_entity("b").await.unwrap();
    let head = fill(&store, "a", 3).await;
    assert_eq!(store.snapshot("a").await.unwrap(), None);
    let body: Vec<u8> = (0..=255u8).chain([0, 0, 255]).collect();
    let first = SnapshotRow {
        seq: 2,
        entry_hash: store.entries("a", 1, 1).await.unwrap()[0].hash.clone(),
        digest: snapshot_digest(&body),
        body,
    };
    store.put_snapshot("a", &first).await.unwrap();
    assert_eq!(store.snapshot("a").await.unwrap(), Some(first.clone()));
    let wrong = SnapshotRow { seq: 3, entry_hash: "not the hash of entry 3".into(), ..first.clone() };
    assert_eq!(store.put_snapshot("a", &wrong).await, Err(StoreError::Conflict), "a snapshot names a real entry");
    let beyond = SnapshotRow { seq: 4, entry_hash: head.hash.clone(), ..first.clone() };
    assert_eq!(store.put_snapshot("a", &beyond).await, Err(StoreError::Conflict), "no entry 4 yet");
    assert_eq!(store.put_snapshot("b", &first).await, Err(StoreError::Conflict), "another entity's entry");
    assert_eq!(store.snapshot("a").await.unwrap(), Some(first), "refused snapshots change nothing");
    let second = SnapshotRow {
        seq: 3,
        entry_hash: head.hash.clone(),
        digest: snapshot_digest(b"later"),
        body: b"later".to_vec(),
    };
    store.put_snapshot("a", &second).await.unwrap();
    assert_eq!(store.snapshot("a").await.unwrap(), Some(second), "the later snapshot replaces the earlier");
    assert_eq!(store.snapshot("b").await.unwrap(), None);
}

/// Definitions (entries without an operation id) come back alone, in order; transaction texts
/// page in order without gaps or repeats, skipping entries that posted none (definitions,
/// operations that post nothing); each entity reads only its own; an unknown entity is NotFound.
pub async fn reads_definitions_and_transaction_texts<S: Store>(store: S) {
    store.create_entity("a").await.unwrap();
    store.create_entity("b").await.unwrap();
    // seq:   1    2   3        4    5..=9
    // kind:  def  tx  op (no tx) def  tx
    let mut new = Vec::new();
    let mut prev = GENESIS.to_string();
    for n in 1..=9i64 {
        let mut e = entry(&prev, n, vec![posting("raw.content", n, None), posting("in.content", n, None)]);
        if n == 1 || n == 4 || n == 3 {
            e.postings.clear();
            e.tx_text = None;
        }
        if n == 1 || n == 4 {
            e.op_id = None;
            e.text = format!("definition {n}\n");
        }
        e.hash = chain_hash(&prev, &e.text, e.tx_text.as_deref());
        prev = e.hash.clone();
        new.push(e);
    }
    store.append("a", &Head::genesis(), &new).await.unwrap();
    let defs = store.definitions("a").await.unwrap();
    assert_eq!(
        defs.iter().map(|d| (d.seq, d.text.as_str(), d.op_id.clone(), d.hash.as_str())).collect::<Vec<_>>(),
        vec![(1, "definition 1\n", None, new[0].hash.as_str()), (4, "definition 4\n", None, new[3].hash.as_str())]
    );
    let (mut after, mut read) = (0, Vec::new());
    loop {
        let page = store.transaction_texts("a", after, 2).await.unwrap();
        assert!(page.len() <= 2, "a page holds at most its limit");
        let Some(last) = page.last() else { break };
        after = last.0;
        read.extend(page);
    }
    let expected: Vec<(i64, String)> = [2i64, 5, 6, 7, 8, 9].iter().map(|n| (*n, format!("tx {n}\n"))).collect();
    assert_eq!(read, expected);
    assert_eq!(store.transaction_texts("a", 0, 100).await.unwrap(), expected, "one page");
    assert_eq!(store.transaction_texts("a", 4, 1).await.unwrap(), vec![(5, "tx 5\n".to_string())]);
    assert!(store.transaction_texts("a", 9, 10).await.unwrap().is_empty());
    assert!(store.transaction_texts("a", 0, 0).await.unwrap().is_empty());
    assert!(store.definitions("b").await.unwrap().is_empty());
    assert!(store.transaction_texts("b", 0, 10).await.unwrap().is_empty());
    assert_eq!(store.definitions("nobody").await, Err(StoreError::NotFound("nobody".into())));
    assert_eq!(store.transaction_texts("nobody", 0, 10).await, Err(StoreError::NotFound("nobody".into())));
}

/// Runs every check, each on a fresh store from `make`.
pub async fn check_all<S, F, Fut>(make: F)
where
    S: Store + 'static,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = S>,
{
    creates_entities_once(make().await).await;
    appends_and_reads_back(make().await).await;
    refuses_a_stale_head(make().await).await;
    refuses_a_second_entry_for_one_operation(make().await).await;
    keeps_entities_apart(make().await).await;
    balances_sum_postings_and_drop_zeros(make().await).await;
    pages_without_gaps_or_repeats(make().await).await;
    keeps_keys_hashed_and_revocable(make().await).await;
    settles_an_exclusive_key_once_across_entities(make().await).await;
    writes_a_large_batch_whole(make().await).await;
    keeps_records_append_only_in_order(make().await).await;
    keeps_one_snapshot_per_entity_naming_its_entry(make().await).await;
    reads_definitions_and_transaction_texts(make().await).await;
    one_writer_wins_a_race(std::sync::Arc::new(make().await)).await;
}

/// Says that `test` did not run, and why, where a person sees it: on the process's stderr
/// directly, past the test harness's capture (`cargo test` otherwise hides it behind `ok`).
pub fn skipped(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// The PostgreSQL URL a test runs on (`DATABASE_URL`), or `None` after a visible `SKIPPED` line.
///
/// The line is written to the process's stderr directly, past the test harness's capture, so
/// `cargo test` shows it. When `CUSTODY_REQUIRE_POSTGRES` is set (`.ci/run` sets it) a missing URL
/// fails the test instead. Every test that runs appends its name to the file named by
/// `CUSTODY_POSTGRES_MARKER`, if set, so CI can check that the suite really ran.
pub fn postgres_url(test: &str) -> Option<String> {
    use std::io::Write;
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            if let Some(marker) = std::env::var_os("CUSTODY_POSTGRES_MARKER") {
                let file = std::fs::OpenOptions::new().create(true).append(true).open(&marker);
                if let Ok(mut f) = file {
                    let _ = writeln!(f, "{test}");
                }
            }
            Some(url)
        }
        _ => {
            let required = std::env::var_os("CUSTODY_REQUIRE_POSTGRES").is_some() || std::env::var_os("CI").is_some();
            assert!(!required, "{test}: DATABASE_URL is not set, but the PostgreSQL suite is required here");
            skipped(test, "PostgreSQL tests need DATABASE_URL (e.g. postgres://postgres:postgres@localhost/postgres)");
            None
        }
    }
}
