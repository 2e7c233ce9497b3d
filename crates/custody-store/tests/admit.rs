//! What the registry accepts, it gives back: an entry is refused unless its ids follow the id
//! grammar and its stored text reads back as itself, so every stored journal replays (store
//! case 01: quoted ids; case 11: id limits), whatever the entry came from.

use custody_core::ops::Operation;
use custody_journal::{parse, Entry, Source};
use custody_store::{MemoryStore, Registry, Store, SubmitError};
use proptest::prelude::*;

const BASE: &str = "entity e \"E\"\n  ratios efi\n  gwp ar5\ncounterparty sup \"Supplier\"\n\
    item ore \"Ore\"\n  category raw-material\n  carbon-content 0.01\nperiod 2025-01 2025-01-01 2025-12-31\n";

fn entries(text: &str) -> Vec<Entry> {
    let (e, d) = parse(&[Source { name: "t".into(), text: text.into() }]);
    assert!(d.is_empty(), "{d:?}");
    e.into_iter().map(|s| s.entry).collect()
}

async fn registry() -> Registry<MemoryStore> {
    let r = Registry::new(MemoryStore::new());
    let all = entries(BASE);
    let Entry::Entity(entity) = &all[0] else { unreachable!() };
    r.create(entity).await.unwrap();
    r.submit("e", all[1..].to_vec()).await.unwrap();
    r
}

fn purchase(id: &str, extra: &str) -> String {
    format!("2025-01-02 purchase {id}\n  supplier sup\n  item ore\n  quantity 1 t\n{extra}")
}

/// Each variant of store case 01 (a quoted token where an id goes) and of case 11 (no limits)
/// is refused, naming the entry, and leaves the journal as it was.
#[tokio::test]
async fn entries_the_journal_cannot_give_back_are_refused() {
    let long = format!("p{}", "x".repeat(9_999));
    let cases = [
        "counterparty \"Grid electricity\"".to_string(),
        "counterparty \"#x\" \"Name\"".to_string(),
        "counterparty \"a\\nb\" \"Name\"".to_string(),
        "counterparty \"\" \"Empty\"".to_string(),
        "item \"coal x\" \"Coal\"\n  category fuel\n".to_string(),
        "asset \"my plant\" \"Plant\"\n  in-service 2020-01\n  life 10 years\n".to_string(),
        "period \"p 1\" 2026-01-01 2026-12-31\n".to_string(),
        purchase("\"a b\"", ""),
        purchase("p1", "  lot \"L 1\"\n"),
        purchase("p1", "  site \"s #1\"\n"),
        purchase(&long, ""),
    ];
    let r = registry().await;
    let head = r.store_head().await;
    for text in cases {
        // The parser refuses most of them itself (the id grammar); what it lets through, the
        // registry refuses before anything is written.
        let (parsed, diags) = parse(&[Source { name: "t".into(), text: text.clone() }]);
        if !diags.is_empty() {
            continue;
        }
        let got = r.submit("e", parsed.into_iter().map(|s| s.entry).collect()).await;
        assert!(matches!(got, Err(SubmitError::Refused { index: 0, .. })), "{text:.60}: {got:?}");
        assert_eq!(r.store_head().await, head, "{text:.60}");
    }
    r.submit("e", entries(&purchase("p1", "  lot L1\n  site s1\n"))).await.unwrap();
    r.verify("e").await.unwrap();
}

/// An entity whose id is outside the grammar is refused before its journal is created.
#[tokio::test]
async fn entity_ids_are_checked_before_the_journal_exists() {
    let r = Registry::new(MemoryStore::new());
    for id in ["e 1", "#x", "..", "", "a\u{202e}b"] {
        let entity = custody_core::Entity { id: id.into(), name: "E".into(), ..entity_e() };
        assert!(matches!(r.create(&entity).await, Err(SubmitError::Refused { .. })), "{id:?}");
    }
    assert!(r.store().entity_ids().await.unwrap().is_empty());
}

fn entity_e() -> custody_core::Entity {
    match &entries(BASE)[0] {
        Entry::Entity(e) => e.clone(),
        _ => unreachable!(),
    }
}

trait HeadOf {
    async fn store_head(&self) -> custody_store::Head;
}

impl HeadOf for Registry<MemoryStore> {
    async fn store_head(&self) -> custody_store::Head {
        self.store().head("e").await.unwrap()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any string as a counterparty id, an operation id or a lot: the registry refuses it, or
    /// stores it so that the journal replays (verify passes) and gives the same id back.
    #[test]
    fn whatever_is_accepted_replays(id in "\\PC{0,12}|[a-z #\"\\\\]{1,6}|[A-Za-z0-9._:@+/-]{1,20}", at in 0usize..3) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let r = registry().await;
            let mut batch = entries(&purchase("p1", "  lot L1\n"));
            let entry = match (at, &mut batch[0]) {
                (0, _) => Entry::Counterparty(custody_core::model::Counterparty { id: id.clone(), name: "N".into() }),
                (1, Entry::Op(op)) => { op.id = id.clone(); batch[0].clone() }
                (_, Entry::Op(op)) => {
                    if let Operation::Purchase(p) = &mut op.body { p.lot = Some(id.clone()); }
                    batch[0].clone()
                }
                _ => unreachable!(),
            };
            if r.submit("e", vec![entry.clone()]).await.is_ok() {
                r.verify("e").await.unwrap();
                // The stored text reads back as exactly the entry accepted.
                let stored = r.store().entries("e", 0, 1_000).await.unwrap();
                let last = stored.last().unwrap();
                let back = entries(&last.text);
                assert_eq!(back, vec![entry], "{id:?} accepted but stored as {:?}", last.text);
            }
        });
    }
}
