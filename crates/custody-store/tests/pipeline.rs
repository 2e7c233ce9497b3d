//! `custody import`'s pipeline (`Registry::pipeline`: each batch applied while the one before is
//! written) writes exactly what `Registry::submit` writes batch by batch: the same entries, the
//! same hash chain, the same refusals at the same entry. Property over generated mill journals
//! and batch sizes on the memory store; the same journal on SQLite and PostgreSQL; a refusal in
//! any batch; a conflict with another writer; batches that must be resolved against another
//! entity (a receive).

mod common;

use custody_journal::Entry;
use custody_store::{MemoryStore, Outcome, Registry, SqlStore, Store, SubmitError, Which};
use proptest::prelude::*;
use std::fmt::Write as _;

const HEAD: &str = "entity mill \"Mill\"\n  ratios efi\n  gwp ar6\ncounterparty sup \"Supplier\"\n\
    counterparty cust \"Customer\"\nitem ore \"Ore\"\n  category raw-material\n  carbon-content 0.01\n  costing fifo\n\
    item steel \"Steel\"\n  category product\nperiod y2025 2025-01-01 2025-12-31\n";

/// A valid mill journal of `n` operations chosen by `picks` (purchases, consumptions, production
/// runs, sales; each only when the stock allows it), and, when `bad` is given, one refused
/// operation (a consumption of more ore than held, E012) inserted at that position.
fn journal(picks: &[u8], bad: Option<usize>) -> Vec<Entry> {
    let (mut ore, mut wip, mut steel) = (0u32, 0u32, 0u32);
    let mut j = String::new();
    for (i, pick) in picks.iter().enumerate() {
        if bad == Some(i) {
            let _ = writeln!(j, "2025-02-01 consume too-much\n  use ore {} t", ore + 1);
        }
        let day = 1 + i / 40;
        let date = format!("2025-{:02}-{:02}", 1 + (day / 28).min(11), 1 + day % 28);
        match pick % 4 {
            1 if ore >= 5 => {
                let _ = writeln!(j, "{date} consume c{i}\n  use ore 5 t");
                (ore, wip) = (ore - 5, wip + 5);
            }
            2 if wip > 0 => {
                let _ = writeln!(j, "{date} produce m{i}\n  output steel {wip} t");
                (wip, steel) = (0, steel + wip);
            }
            3 if steel >= 3 => {
                let _ = writeln!(j, "{date} sell s{i}\n  item steel\n  customer cust 3 t");
                steel -= 3;
            }
            _ => {
                let _ = writeln!(
                    j,
                    "{date} purchase p{i}\n  supplier sup\n  item ore\n  quantity 10 t\n  factor {} gCO2/kg",
                    80 + i % 9
                );
                ore += 10;
            }
        }
    }
    common::entries(&format!("{HEAD}{j}"))
}

/// The journal's operations cut into batches of the given sizes, after a first batch of the
/// definitions (written by `submit` in both runs, so that a refusal leaves a usable ledger).
fn batches(entries: &[Entry], sizes: &[usize]) -> Vec<Vec<Entry>> {
    let defs = entries.iter().take_while(|e| !matches!(e, Entry::Op(_))).count();
    let mut out = vec![entries[1..defs].to_vec()];
    let (mut at, mut k) = (defs, 0);
    while at < entries.len() {
        let n = sizes[k % sizes.len()].max(1);
        out.push(entries[at..(at + n).min(entries.len())].to_vec());
        at += n;
        k += 1;
    }
    out
}

/// Where a batch sequence stopped: the batch and the entry refused (or none), and the store's head.
type Run = (Option<(usize, usize)>, i64, String);

async fn by_submit<S: Store + 'static>(r: &Registry<S>, entity: &Entry, batches: &[Vec<Entry>]) -> Run {
    let Entry::Entity(e) = entity else { unreachable!() };
    r.ensure(e).await.unwrap();
    let mut stop = None;
    for (k, b) in batches.iter().enumerate() {
        match r.submit("mill", b.clone()).await {
            Ok(_) => {}
            Err(SubmitError::Rejected { index, .. } | SubmitError::Refused { index, .. }) => {
                stop = Some((k, index));
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    let h = r.store().head("mill").await.unwrap();
    (stop, h.seq, h.hash)
}

async fn by_pipeline<S: Store + 'static>(r: &Registry<S>, entity: &Entry, batches: &[Vec<Entry>]) -> Run {
    let Entry::Entity(e) = entity else { unreachable!() };
    r.ensure(e).await.unwrap();
    r.submit("mill", batches[0].clone()).await.unwrap();
    let mut pipe = r.pipeline("mill");
    let mut written = 1usize;
    let mut stop = None;
    for (k, b) in batches.iter().enumerate().skip(1) {
        match pipe.push(b.clone()).await {
            Ok(done) => written += done.len(),
            Err(e) => {
                written += e.confirmed.len();
                let at = if e.which == Which::This { k } else { k - 1 };
                match e.error {
                    SubmitError::Rejected { index, .. } | SubmitError::Refused { index, .. } => {
                        stop = Some((at, index))
                    }
                    other => panic!("{other}"),
                }
                break;
            }
        }
    }
    if stop.is_none() {
        written += pipe.finish().await.unwrap().len();
        assert_eq!(written, batches.len(), "every batch is confirmed once");
    } else {
        drop(pipe);
        assert_eq!(written, stop.unwrap().0, "the batches before the refused one are confirmed");
    }
    let h = r.store().head("mill").await.unwrap();
    (stop, h.seq, h.hash)
}

/// Both ways on fresh stores from `store`, compared; the pipeline's journal then verifies, and
/// the registry's cached ledger is the stored one (a later submit goes on from it).
async fn same<S: Store + 'static>(store: impl Fn() -> S, picks: &[u8], bad: Option<usize>, sizes: &[usize]) {
    let all = journal(picks, bad);
    let b = batches(&all, sizes);
    let expected = by_submit(&Registry::new(store()), &all[0], &b).await;
    let r = Registry::new(store());
    let got = by_pipeline(&r, &all[0], &b).await;
    assert_eq!(got, expected, "sizes {sizes:?}, refused entry at {bad:?}");
    assert_eq!(got.0.is_some(), bad.is_some());
    // The ledger the registry keeps is the stored one: no entry of a refused or unwritten batch.
    let replayed = r.verify("mill").await.unwrap();
    let cached = r.read("mill", |l| (l.transactions().len(), l.positions().clone())).await.unwrap();
    assert_eq!(cached.0, replayed.transactions, "the cached ledger holds what was written");
    // The same batches up to the refused one, submitted on a fresh store.
    let stored = Registry::new(store());
    by_submit(&stored, &all[0], &b[..got.0.map_or(b.len(), |(k, _)| k)]).await;
    assert_eq!(cached.1, stored.read("mill", |l| l.positions().clone()).await.unwrap());
    common::more(
        &r,
        "mill",
        "2025-12-31 purchase after\n  supplier sup\n  item ore\n  quantity 1 t\n  factor 1 gCO2/kg\n",
    )
    .await
    .unwrap();
    r.verify("mill").await.unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn the_pipeline_writes_what_submit_writes(
        picks in proptest::collection::vec(any::<u8>(), 1..160),
        sizes in proptest::collection::vec(1usize..40, 1..4),
        bad in proptest::option::of(0usize..160),
    ) {
        let bad = bad.filter(|b| *b < picks.len());
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
            .block_on(same(MemoryStore::new, &picks, bad, &sizes));
    }
}

fn picks(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 11) as u8).collect()
}

async fn on_sql(store: impl Fn() -> SqlStore + Clone) {
    for (bad, sizes) in
        [(None, vec![1]), (None, vec![7, 50]), (Some(0), vec![5]), (Some(120), vec![13]), (Some(299), vec![100])]
    {
        same(store.clone(), &picks(300), bad, &sizes).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pipeline_writes_what_submit_writes_on_sqlite() {
    let rt = tokio::runtime::Handle::current();
    on_sql(move || {
        let url = common::temp_sqlite_url();
        tokio::task::block_in_place(|| rt.block_on(SqlStore::connect(&url))).unwrap()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pipeline_writes_what_submit_writes_on_postgres() {
    if common::fresh_postgres("pipeline_probe").await.is_none() {
        return;
    }
    let rt = tokio::runtime::Handle::current();
    on_sql(move || {
        tokio::task::block_in_place(|| rt.block_on(common::fresh_postgres("pipeline"))).expect("DATABASE_URL is set")
    })
    .await;
}

/// Another writer appends between two batches: the pipeline's write finds the journal moved,
/// and both batches go through `submit`, after the other writer's entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_with_another_writer_resubmits() {
    let url = common::temp_sqlite_url();
    let (a, b) =
        (Registry::new(SqlStore::connect(&url).await.unwrap()), Registry::new(SqlStore::connect(&url).await.unwrap()));
    let all = journal(&picks(60), None);
    let Entry::Entity(e) = &all[0] else { unreachable!() };
    a.ensure(e).await.unwrap();
    let bs = batches(&all, &[20]);
    a.submit("mill", bs[0].clone()).await.unwrap();
    let mut pipe = a.pipeline("mill");
    assert!(pipe.push(bs[1].clone()).await.unwrap().is_empty(), "the first batch is applied, not yet written");
    common::more(
        &b,
        "mill",
        "2025-01-01 purchase other\n  supplier sup\n  item ore\n  quantity 1 t\n  factor 1 gCO2/kg\n",
    )
    .await
    .unwrap();
    let done = pipe.push(bs[2].clone()).await.unwrap();
    assert_eq!(done.len(), 2, "both batches resubmitted and confirmed");
    let mut written: Vec<Outcome> = done.concat();
    written.extend(pipe.finish().await.unwrap().concat());
    for batch in &bs[3..] {
        a.submit("mill", batch.clone()).await.unwrap();
    }
    let report = a.verify("mill").await.unwrap();
    // The entity, the definitions, the other writer's purchase and every operation.
    assert_eq!(report.entries as usize, all.len() + 1);
    assert!(written.iter().all(|o| matches!(o, Outcome::Written { .. })));
}

const SELLER: &str =
    "entity s \"Seller\"\n  ratios efi\n  gwp ar6\ncounterparty grid \"Grid\"\ncounterparty mill \"Mill\"\n\
    item power \"Power\"\n  category electricity\nitem widgets \"Widgets\"\n  category product\n\
    period 2025 2025-01-01 2025-12-31\n\
    2025-01-01 purchase p1\n  supplier grid\n  item power\n  quantity 1000 kWh\n  factor 500 gCO2/kWh\n\
    2025-01-01 consume c1\n  use power 1000 kWh\n2025-01-01 produce m1\n  output widgets 1000 kg\n\
    2025-01-01 sell sale1\n  item widgets\n  customer mill 1000 kg\n";

/// A receive needs the seller's ledger: its batch waits for the one ahead and goes through
/// `submit`; the batches around it are pipelined, and the journal is the one `submit` writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_with_a_receive_goes_through_submit() {
    let generated = journal(&picks(40), None);
    let receive =
        common::entries("counterparty s \"Seller\"\n2025-01-02 receive r1\n  transfer s/sale1/mill\n  item ore\n");
    // The definitions, 15 operations, the receive, the rest: batches of 10 put it in the second.
    let defs = generated.iter().take_while(|e| !matches!(e, Entry::Op(_))).count();
    let mut all = generated[..defs].to_vec();
    all.push(receive[0].clone());
    all.extend(generated[defs..defs + 15].iter().cloned());
    all.push(receive[1].clone());
    all.extend(generated[defs + 15..].iter().cloned());
    let b = batches(&all, &[10]);
    let mut runs = Vec::new();
    for piped in [false, true] {
        let r = Registry::new(MemoryStore::new());
        common::submit(&r, SELLER).await.unwrap();
        runs.push(if piped { by_pipeline(&r, &all[0], &b).await } else { by_submit(&r, &all[0], &b).await });
        r.verify("mill").await.unwrap();
        let received = r.read("mill", |l| l.transactions().iter().any(|t| t.id == "r1")).await.unwrap();
        assert!(received, "the receive is booked");
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].0.is_none());
}
