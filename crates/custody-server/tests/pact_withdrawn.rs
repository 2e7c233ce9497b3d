//! Footprints withdrawn (docs/pact.md "Versions"): the latest version of a product and period for
//! which no complete footprint is generated any more is served `Deprecated`, stays readable,
//! is announced once, and is never revived: the same content generated again is a new version.

use custody_server::pact_versions::{publish, WITHDRAWN};
use custody_store::{MemoryStore, Registry, Store};
use serde_json::Value;

/// Bar sold in two closed months: two footprints.
const JOURNAL: &str = "period 2025-03 2025-03-01 2025-03-31\nperiod 2025-04 2025-04-01 2025-04-30\n\
    counterparty ore-co \"Ore\"\ncounterparty buyer \"B\"\n\
    item ore \"Ore\"\n  category raw-material\nitem bar \"Bar\"\n  category product\n\
    2025-03-02 purchase p1\n  supplier ore-co\n  item ore\n  quantity 1000 t\n  factor 100 kgCO2/t\n  content 20 tC\n\
    2025-03-03 consume c1\n  use ore 1000 t\n2025-03-04 produce m1\n  output bar 500 t content 20 tC\n\
    2025-03-05 sell s1\n  item bar\n  customer buyer share 100%\nclose 2025-03\n\
    2025-04-02 purchase p2\n  supplier ore-co\n  item ore\n  quantity 1000 t\n  factor 120 kgCO2/t\n  content 20 tC\n\
    2025-04-03 consume c2\n  use ore 1000 t\n2025-04-04 produce m2\n  output bar 500 t content 20 tC\n\
    2025-04-05 sell s2\n  item bar\n  customer buyer share 100%\nclose 2025-04\n";

fn by_period<'a>(all: &'a [Value], period: &str) -> Vec<&'a Value> {
    all.iter().filter(|pf| pf["extensions"][0]["data"]["period"] == period).collect()
}

#[tokio::test]
async fn a_footprint_no_longer_generated_is_deprecated_once_and_never_revived() {
    let registry = Registry::new(MemoryStore::new());
    let entity = custody_core::Entity {
        id: "a".into(),
        name: "Entity a".into(),
        ratios: custody_core::units::CarbonRatios::parse("efi").unwrap(),
        gwp: custody_core::units::Gwp::parse("ar6").unwrap(),
        co_voc: Default::default(),
    };
    registry.create(&entity).await.unwrap();
    let entries = custody_journal::parse(&[custody_journal::Source { name: "j".into(), text: JOURNAL.into() }]).0;
    registry.submit("a", entries.into_iter().map(|s| s.entry).collect()).await.unwrap();
    let opts = custody_pact::Options {
        issuer: "t.example".into(),
        standards: vec!["ISO14067".into()],
        exempted_percent: custody_core::exact::parse_decimal("0"),
        base_url: String::new(),
    };
    let generated = registry.read("a", |l| custody_pact::footprints(l, &opts)).await.unwrap();
    assert_eq!(generated.len(), 2);
    let store = registry.store();
    let base = "https://t.example";

    let v = publish(store, "a", base, generated.clone()).await.unwrap();
    assert_eq!(v.all.len(), 2);
    assert!(v.all.iter().all(|pf| pf["status"] == "Active") && v.announce.is_empty());
    let march = by_period(&v.all, "2025-03")[0]["id"].as_str().unwrap().to_string();
    let april = by_period(&v.all, "2025-04")[0]["id"].as_str().unwrap().to_string();

    // March's footprint is no longer generated: withdrawn, announced, still served (Deprecated).
    let without_march: Vec<_> = generated.iter().filter(|g| g.period != "2025-03").cloned().collect();
    let v = publish(store, "a", base, without_march.clone()).await.unwrap();
    assert_eq!(v.announce, std::slice::from_ref(&march));
    assert_eq!(v.all.len(), 2);
    assert_eq!(by_period(&v.all, "2025-03")[0]["status"], "Deprecated");
    assert_eq!(by_period(&v.all, "2025-04")[0]["status"], "Active");
    assert!(v.all.iter().all(|pf| pf.get("statusComment").is_none()), "v3 has no statusComment");
    let records = store.records("a", WITHDRAWN).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].0, march);
    let reason: Value = serde_json::from_str(&records[0].1).unwrap();
    assert_eq!(reason["reason"], "no footprint of `bar` is generated for 2025-03 now (nothing of it sold then)");
    // Again: nothing new to announce.
    assert!(publish(store, "a", base, without_march).await.unwrap().announce.is_empty());

    // April's owner declarations left off (a required field lacking, as a server started
    // without them sees it): not withdrawn, nothing announced, April still Active as published.
    let incomplete_opts = custody_pact::Options { exempted_percent: None, ..opts.clone() };
    let incomplete = registry.read("a", |l| custody_pact::footprints(l, &incomplete_opts)).await.unwrap();
    let april_incomplete: Vec<_> = incomplete.into_iter().filter(|g| g.period == "2025-04").collect();
    let v = publish(store, "a", base, april_incomplete).await.unwrap();
    assert!(v.announce.is_empty(), "{:?}", v.announce);
    assert_eq!(by_period(&v.all, "2025-04")[0]["status"], "Active");
    assert_eq!(by_period(&v.all, "2025-04")[0]["id"], april.as_str());
    assert_eq!(store.records("a", WITHDRAWN).await.unwrap().len(), 1, "only March's");

    // Generated again with the same content: a new version of March (never the withdrawn one
    // revived); April as it was.
    let v = publish(store, "a", base, generated).await.unwrap();
    assert_eq!(v.all.len(), 3);
    assert_eq!(v.announce.len(), 1);
    let versions = by_period(&v.all, "2025-03");
    assert_eq!(versions[0]["id"], march.as_str());
    assert_eq!(versions[0]["status"], "Deprecated");
    assert_eq!(versions[1]["status"], "Active");
    assert_eq!(versions[1]["precedingPfIds"], serde_json::json!([march]));
    assert!(v.announce.iter().any(|id| versions[1]["id"] == id.as_str()));
    let april_now = by_period(&v.all, "2025-04");
    assert_eq!((april_now.len(), april_now[0]["status"].as_str()), (1, Some("Active")));
}
