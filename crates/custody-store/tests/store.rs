//! The conformance suite on memory, SQLite and PostgreSQL, and the registry over each: the EFI
//! journal stored and replayed, idempotency, all-or-nothing batches, tamper evidence.
//!
//! PostgreSQL runs when `DATABASE_URL` is set (CI sets it); otherwise each prints a visible
//! `SKIPPED` line (past the harness's capture), and `.ci/run` fails if they did not run.

mod common;

use custody_journal::{parse, Entry, Source};
use custody_store::{conformance, MemoryStore, Outcome, Registry, SqlStore, Store, SubmitError};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conformance_memory() {
    conformance::check_all(|| async { MemoryStore::new() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conformance_sqlite() {
    conformance::check_all(|| async { SqlStore::connect(&common::temp_sqlite_url()).await.unwrap() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conformance_postgres() {
    if common::fresh_postgres("conformance_postgres").await.is_none() {
        return;
    }
    conformance::check_all(|| async { common::fresh_postgres("conformance_postgres").await.unwrap() }).await;
}

fn efi_entries() -> Vec<Entry> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/efi-h2-dri-eaf/efi.journal");
    let text = std::fs::read_to_string(path).unwrap();
    let (entries, diags) = parse(&[Source { name: "efi".into(), text }]);
    assert!(diags.is_empty());
    entries.into_iter().map(|e| e.entry).collect()
}

/// The EFI journal through the registry: same ledger as loading the file, verify passes,
/// resubmitting is a no-op, a rejected batch writes nothing.
async fn registry_round_trip<S: Store + 'static>(store: S) -> Registry<S> {
    let registry = Registry::new(store);
    let entries = efi_entries();
    let Entry::Entity(entity) = &entries[0] else { panic!("the journal starts with its entity") };
    registry.create(entity).await.unwrap();
    // In batches of five, as an import would.
    for batch in entries[1..].chunks(5) {
        registry.submit(&entity.id, batch.to_vec()).await.unwrap();
    }
    let stored = registry.ledger(&entity.id).await.unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/efi-h2-dri-eaf/efi.journal");
    let direct =
        custody_journal::load(&[Source { name: "efi".into(), text: std::fs::read_to_string(path).unwrap() }]).unwrap();
    assert_eq!(stored.transactions(), direct.transactions());
    assert_eq!(stored.positions(), direct.positions());
    let report = registry.verify(&entity.id).await.unwrap();
    assert_eq!(report.transactions, direct.transactions().len());

    // Resubmitting an operation already applied writes nothing.
    let purchase = entries.iter().find(|e| matches!(e, Entry::Op(op) if op.id == "buy-coal")).unwrap().clone();
    let head = registry.store().head(&entity.id).await.unwrap();
    assert_eq!(registry.submit(&entity.id, vec![purchase]).await.unwrap(), vec![Outcome::Duplicate]);
    assert_eq!(registry.store().head(&entity.id).await.unwrap(), head);

    // A batch whose second entry is rejected writes nothing, not even its first.
    let (good, _) = parse(&[Source {
        name: "b".into(),
        text: "counterparty late \"Late\"\n2025-01-31 consume too-much\n  use coal 1000000 t\n".into(),
    }]);
    let batch: Vec<Entry> = good.into_iter().map(|e| e.entry).collect();
    match registry.submit(&entity.id, batch).await {
        Err(SubmitError::Rejected { index: 1, rejection }) => assert_eq!(rejection.code().as_str(), "period_closed"),
        other => panic!("expected a rejection of entry 1, got {other:?}"),
    }
    assert_eq!(registry.store().head(&entity.id).await.unwrap(), head);
    let after = registry.ledger(&entity.id).await.unwrap();
    assert!(after.counterparties().all(|c| c.id != "late"), "the refused batch's first entry stayed in memory");
    registry.verify(&entity.id).await.unwrap();
    registry
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn registry_memory() {
    registry_round_trip(MemoryStore::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn registry_postgres() {
    if let Some(store) = common::fresh_postgres("registry_postgres").await {
        let registry = registry_round_trip(store).await;
        packed_postings_read_as_rows(registry.store()).await;
    }
}

/// Posting rows read packed (one row per entry: `postings`) are exactly the rows read one by
/// one, NULL dimensions, negative amounts and every entry included.
async fn packed_postings_read_as_rows(store: &SqlStore) {
    let head = store.head("steel-producer").await.unwrap();
    let packed = store.postings("steel-producer", 1, head.seq).await.unwrap();
    let rows = store.postings_by_row("steel-producer", 1, head.seq).await.unwrap();
    assert!(
        rows.len() > 100
            && rows.iter().any(|r| r.posting.amount < 0)
            && rows.iter().any(|r| r.posting.dims.item.is_none())
    );
    assert_eq!(packed, rows);
    for (first, last) in [(1, 1), (3, 7), (head.seq, head.seq + 5), (head.seq + 1, head.seq + 9)] {
        assert_eq!(
            store.postings("steel-producer", first, last).await.unwrap(),
            store.postings_by_row("steel-producer", first, last).await.unwrap()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn registry_sqlite_and_tampering_is_found() {
    let url = common::temp_sqlite_url();
    let registry = registry_round_trip(SqlStore::connect(&url).await.unwrap()).await;
    let store = registry.store();
    packed_postings_read_as_rows(store).await;

    // One byte of one stored amount: 17 -> 18 at the end of a posting of the natural gas purchase.
    let changed = store
        .execute_raw(
            "UPDATE postings SET amount = amount + 1 WHERE entity = 'steel-producer' \
             AND seq = (SELECT seq FROM entries WHERE op_id = 'buy-natural-gas') AND idx = 0",
        )
        .await
        .unwrap();
    assert_eq!(changed, 1);
    let err = registry.verify("steel-producer").await.unwrap_err();
    assert_eq!(err.op_id.as_deref(), Some("buy-natural-gas"), "{err}");
    assert!(err.to_string().contains("stored posting 0 differs"), "{err}");
    store.execute_raw("UPDATE postings SET amount = amount - 1 WHERE idx = 0 AND seq = (SELECT seq FROM entries WHERE op_id = 'buy-natural-gas')").await.unwrap();
    registry.verify("steel-producer").await.unwrap();

    // The journal text itself: the hash chain breaks at that entry.
    store
        .execute_raw("UPDATE entries SET body = REPLACE(body, '4500 t', '4501 t') WHERE op_id = 'buy-coal'")
        .await
        .unwrap();
    let err = registry.verify("steel-producer").await.unwrap_err();
    assert_eq!(err.op_id.as_deref(), Some("buy-coal"), "{err}");
    assert!(err.to_string().contains("hash does not match"), "{err}");
    store
        .execute_raw("UPDATE entries SET body = REPLACE(body, '4501 t', '4500 t') WHERE op_id = 'buy-coal'")
        .await
        .unwrap();

    // A running balance that drifted from the journal.
    store.execute_raw("UPDATE balances SET amount = amount + 5 WHERE account = 'byproduct.content'").await.unwrap();
    let err = registry.verify("steel-producer").await.unwrap_err();
    assert!(err.to_string().contains("stored balance byproduct.content"), "{err}");
    assert_eq!(err.op_id.as_deref(), Some("production"), "{err}");
}

// ---- transfers between entities ---------------------------------------------------------------------

fn three_tier(name: &str) -> Vec<Entry> {
    let path = format!("{}/../../examples/three-tier/{name}", env!("CARGO_MANIFEST_DIR"));
    let (entries, diags) = parse(&[Source { name: name.into(), text: std::fs::read_to_string(path).unwrap() }]);
    assert!(diags.is_empty(), "{diags:#?}");
    entries.into_iter().map(|e| e.entry).collect()
}

async fn import_all<S: Store + 'static>(registry: &Registry<S>, entries: Vec<Entry>) -> String {
    let Entry::Entity(e) = &entries[0] else { panic!("a journal starts with its entity") };
    registry.ensure(e).await.unwrap();
    registry.submit(&e.id, entries[1..].to_vec()).await.unwrap();
    e.id.clone()
}

/// Emissions by species that an entity added itself: its own direct emissions and what it bought
/// from outside the registry (everything attributed except transfers from other entities).
fn own_emissions(ledger: &custody_core::Ledger) -> std::collections::BTreeMap<custody_core::units::Species, i64> {
    let mut m = std::collections::BTreeMap::new();
    for tx in ledger.transactions() {
        for p in &tx.postings {
            let own = match tx.kind {
                custody_core::model::TxKind::Purchase => p.account == "in.attributed",
                custody_core::model::TxKind::Emit | custody_core::model::TxKind::Capture => p.account == "wip.direct",
                _ => false,
            };
            if own {
                *m.entry(p.species).or_insert(0) += p.amount;
            }
        }
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_tier_chain_counts_each_footprint_once() {
    let registry = Registry::new(MemoryStore::new());
    let mine = import_all(&registry, three_tier("1-mine.journal")).await;
    let mill = import_all(&registry, three_tier("2-mill.journal")).await;
    let plant = import_all(&registry, three_tier("2-transition-steel.journal")).await;
    let maker = import_all(&registry, three_tier("3-transformer-co.journal")).await;

    // The transformer's footprint, species by species, is the ore's, the mill's and its own
    // companies' own emissions, plus the structural steel's share of the DRI plant's, which the
    // plant's ledger sent with its sale to the maker (the plant sells to other customers too).
    let ledgers = [
        registry.ledger(&mine).await.unwrap(),
        registry.ledger(&mill).await.unwrap(),
        registry.ledger(&maker).await.unwrap(),
    ];
    let mut want = std::collections::BTreeMap::new();
    for l in &ledgers {
        for (sp, a) in own_emissions(l) {
            *want.entry(sp).or_insert(0) += a;
        }
    }
    let plant_ledger = registry.ledger(&plant).await.unwrap();
    let mut plate = std::collections::BTreeMap::new();
    let mut all_sales = std::collections::BTreeMap::new();
    for tx in plant_ledger.transactions().iter().filter(|t| t.kind == custody_core::model::TxKind::Sell) {
        for p in tx.postings.iter().filter(|p| p.account == "out.emissions") {
            *all_sales.entry(p.species).or_insert(0) -= p.amount;
            if p.dims.counterparty.as_deref() == Some(maker.as_str()) {
                *plate.entry(p.species).or_insert(0) -= p.amount;
            }
        }
    }
    // 20,000 of the 380,000 t the plant rolled from 730,000 tCO2 (efi: 0.273 gC per g CO2).
    let plate_c = plate[&custody_core::units::Species::CO2];
    let plant_c: i128 = 730_000_000_000 * 273 / 1000;
    assert_eq!(plate_c as i128, (plant_c * 20_000 * 2 + 380_000) / (2 * 380_000), "its share, rounded once");
    // The plant's sales carry its Q1 production's emissions whole (all of Q1 sold; Q2's DRI
    // steel is in stock): the other customers carry the rest, nothing is counted twice.
    assert_eq!(all_sales[&custody_core::units::Species::CO2] as i128, plant_c);
    for (sp, a) in plate {
        *want.entry(sp).or_insert(0) += a;
    }
    let mut sold = std::collections::BTreeMap::new();
    for tx in ledgers[2].transactions().iter().filter(|t| t.kind == custody_core::model::TxKind::Sell) {
        for p in tx.postings.iter().filter(|p| p.account == "out.emissions") {
            *sold.entry(p.species).or_insert(0) -= p.amount;
        }
    }
    assert_eq!(sold, want, "the transformer carries every upstream emission exactly once");

    // Both transfers were received with the seller's amounts.
    let recon = registry.reconcile().await.unwrap();
    assert_eq!(recon.len(), 3);
    assert!(
        recon.iter().all(|r| r.transfer.status == custody_store::TransferStatus::Received && !r.mismatch),
        "{recon:#?}"
    );

    // Receiving again, under another id, is refused; so is a transfer never sent.
    let again = parse(&[Source {
        name: "x".into(),
        text: "2025-03-31 receive ore-twice\n  transfer mine/ore-sale/mill\n  item ore\n".into(),
    }])
    .0;
    let err = registry.submit(&mill, vec![again[0].entry.clone()]).await.unwrap_err();
    assert!(err.to_string().contains("already received"), "{err}");
    let ghost = parse(&[Source {
        name: "x".into(),
        text: "2025-03-31 receive ghost\n  transfer mine/no-such-sale/mill\n  item ore\n".into(),
    }])
    .0;
    let err = registry.submit(&mill, vec![ghost[0].entry.clone()]).await.unwrap_err();
    assert!(err.to_string().contains("never sent"), "{err}");
    // A received delivery cannot be returned by the seller.
    let ret = parse(&[Source {
        name: "x".into(),
        text: "2025-03-31 return back\n  sale ore-sale\n  customer mill\n".into(),
    }])
    .0;
    let err = registry.submit(&mine, vec![ret[0].entry.clone()]).await.unwrap_err();
    assert!(err.to_string().contains("already received"), "{err}");
    for id in [&mine, &mill, &plant, &maker] {
        registry.verify(id).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_delivery_returns_to_the_sellers_inventory() {
    let registry = Registry::new(MemoryStore::new());
    let mine = import_all(&registry, three_tier("1-mine.journal")).await;
    let mut mill_entries = three_tier("2-mill.journal");
    mill_entries.truncate(9); // definitions only: the mill has not received the ore
    assert!(mill_entries.iter().all(|e| !matches!(e, Entry::Op(_))));
    let mill = import_all(&registry, mill_entries).await;
    let before = registry.ledger(&mine).await.unwrap();
    let on_hand: i64 = before.quantities().iter().filter(|((i, _, _), _)| i == "ore").map(|(_, q)| q).sum();
    assert_eq!(on_hand, 0);
    let ret = parse(&[Source {
        name: "x".into(),
        text: "2025-03-31 return refused\n  sale ore-sale\n  customer mill\n".into(),
    }])
    .0;
    registry.submit(&mine, vec![ret[0].entry.clone()]).await.unwrap();
    let after = registry.ledger(&mine).await.unwrap();
    let on_hand: i64 = after.quantities().iter().filter(|((i, _, _), _)| i == "ore").map(|(_, q)| q).sum();
    assert_eq!(on_hand, 100_000_000_000, "the ore is back in the mine's inventory");
    // Its carbon came back too: nothing of the sale is left in the flows to the mill.
    let out: i64 = after
        .positions()
        .iter()
        .filter(|((a, _, d), _)| a.starts_with("out.") && d.counterparty.as_deref() == Some("mill"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(out, 0);
    let recv = parse(&[Source {
        name: "x".into(),
        text: "2025-03-31 receive late\n  transfer mine/ore-sale/mill\n  item ore\n".into(),
    }])
    .0;
    let err = registry.submit(&mill, vec![recv[0].entry.clone()]).await.unwrap_err();
    assert!(err.to_string().contains("returned"), "{err}");
    let recon = registry.reconcile().await.unwrap();
    assert_eq!(recon[0].transfer.status, custody_store::TransferStatus::Returned);
    registry.verify(&mine).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn certificates_move_between_entities_and_retire_once() {
    let registry = Registry::new(MemoryStore::new());
    let path = format!("{}/../../examples/mass-balance-dri/1-transition-steel.journal", env!("CARGO_MANIFEST_DIR"));
    let (entries, diags) = parse(&[Source { name: "mb".into(), text: std::fs::read_to_string(path).unwrap() }]);
    assert!(diags.is_empty());
    let seller = import_all(&registry, entries.into_iter().map(|e| e.entry).collect()).await;
    let journal = |text: &str| {
        parse(&[Source { name: "x".into(), text: text.into() }]).0.into_iter().map(|e| e.entry).collect::<Vec<_>>()
    };
    let buyer = import_all(
        &registry,
        journal("entity automaker \"Automaker\"\n  ratios efi\n  gwp ar6\ncounterparty transition-steel \"Steel\"\nperiod 2025 2025-01-01 2025-12-31\n"),
    )
    .await;
    // The automaker books the certificate the steel maker transferred to it; the block is filled.
    registry
        .submit(
            &buyer,
            journal("2025-07-05 certificate-receive got-001a\n  certificate TS-2025-001a\n  from transition-steel\n"),
        )
        .await
        .unwrap();
    let l = registry.ledger(&buyer).await.unwrap();
    let c = l.certificates().find("transition-steel/TS-2025-001a", |_| true).unwrap();
    assert_eq!(c.issuer, "transition-steel", "known by issuer and id");
    assert_eq!((c.units(), c.holder.as_str()), (12_000, "automaker"));
    // Retired once; not twice; the seller cannot retire what it gave away; nothing received twice.
    let retire = "2025-07-06 certificate-retire r1\n  certificate TS-2025-001a\n  beneficiary \"Automaker\"\n  purpose \"Scope 3 disclosure\"\n  claim-period \"2025\"\n";
    registry.submit(&buyer, journal(retire)).await.unwrap();
    let again = registry.submit(&buyer, journal(&retire.replace("r1", "r2"))).await.unwrap_err();
    assert!(again.to_string().contains("certificate_unavailable"), "{again}");
    let theirs = registry.submit(&seller, journal(&retire.replace("r1", "r3"))).await.unwrap_err();
    assert!(theirs.to_string().contains("certificate_unavailable"), "{theirs}");
    let twice = registry
        .submit(
            &buyer,
            journal("2025-07-07 certificate-receive got-again\n  certificate TS-2025-001a\n  from transition-steel\n"),
        )
        .await
        .unwrap_err();
    assert!(twice.to_string().contains("already in this book"), "{twice}");
    let foreign = registry
        .submit(
            &buyer,
            journal("2025-07-07 certificate-receive got-b\n  certificate TS-2025-001b\n  from transition-steel\n"),
        )
        .await
        .unwrap_err();
    assert!(foreign.to_string().contains("was not transferred"), "{foreign}");
    registry.verify(&buyer).await.unwrap();
    registry.verify(&seller).await.unwrap();
}

/// Without DATABASE_URL a PostgreSQL test says SKIPPED where a person sees it (past the harness's
/// capture), and where the suite is required (`.ci/run`) it fails instead.
#[test]
fn a_postgres_test_without_database_url_says_skipped_or_fails_when_required() {
    let run = |required: bool| {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args(["registry_postgres", "--exact", "--test-threads=1"])
            .env_remove("DATABASE_URL")
            .env_remove("CI")
            .env_remove("CUSTODY_POSTGRES_MARKER")
            .env_remove("CUSTODY_REQUIRE_POSTGRES");
        if required {
            cmd.env("CUSTODY_REQUIRE_POSTGRES", "1");
        }
        cmd.output().unwrap()
    };
    let skipped = run(false);
    let text = String::from_utf8_lossy(&skipped.stderr).into_owned() + &String::from_utf8_lossy(&skipped.stdout);
    assert!(skipped.status.success(), "{text}");
    assert!(text.contains("SKIPPED registry_postgres: PostgreSQL tests need DATABASE_URL"), "{text}");
    let required = run(true);
    assert!(!required.status.success(), "a required PostgreSQL suite without DATABASE_URL must fail");
}
