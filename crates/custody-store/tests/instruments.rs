//! Instruments across the entities of one registry (issue 17, items 3, 6 and 8): certificates of
//! two issuers with one id, a bundled certificate that follows its goods, the seller's custody
//! model carried into the receive, a buyer's reject that cannot choose the seller's return, and
//! errors that tell one tenant nothing of another's books.

use custody_journal::Entry;
use custody_store::{MemoryStore, Registry, Store};

mod common;
use common::entries as journal;

/// Imports a journal; the fixtures are shared by several entities, and a company is never its
/// own counterparty, so its own id is left out of its counterparties.
async fn import<S: Store + 'static>(registry: &Registry<S>, text: &str) -> String {
    let own = match journal(text).first() {
        Some(Entry::Entity(e)) => e.id.clone(),
        _ => panic!("a journal starts with its entity"),
    };
    let all = journal(text).into_iter().filter(|x| !matches!(x, Entry::Counterparty(c) if c.id == own)).collect();
    common::submit_entries(registry, all).await.unwrap()
}

fn issuer(id: &str, pool: &str) -> String {
    format!(
        "entity {id} \"{id}\"\n  ratios efi\n  gwp ar6\ncounterparty d \"D\"\n\
         item dri-steel \"DRI\"\n  category product\nitem coil \"Coil\"\n  category product\n\
         period 2025 2025-01-01 2025-12-31\n\
         pool {pool} \"pool\"\n  attribute low-emission-iron\n  method credit\n  eligible dri-steel\n  start 2025-01\n  \
         period 12 months\n  boundary site s1\n  group flat coil\n  attribution proportional\n  \
         output unbundled-certificate\n  claim \"instruments\"\n\
         2025-03-31 pool-input in\n  pool {pool}\n  item dri-steel\n  quantity 100 t\n  site s1\n\
         2025-04-01 certificate-issue i\n  pool {pool}\n  certificate CERT-1\n  units 10\n\
         2025-04-02 certificate-transfer t\n  certificate CERT-1\n  to d\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn case_11_two_issuers_cert_1_both_received_and_retired() {
    let registry = Registry::new(MemoryStore::new());
    import(&registry, &issuer("a", "b-c")).await;
    import(&registry, &issuer("a-b", "c")).await;
    let d = import(
        &registry,
        "entity d \"D\"\n  ratios efi\n  gwp ar6\ncounterparty a \"A\"\ncounterparty a-b \"A-B\"\nperiod 2025 2025-01-01 2025-12-31\n",
    )
    .await;
    for from in ["a", "a-b"] {
        let text = format!("2025-04-03 certificate-receive r-{from}\n  certificate CERT-1\n  from {from}\n");
        registry.submit(&d, journal(&text)).await.unwrap();
    }
    for from in ["a", "a-b"] {
        let text = format!(
            "2025-04-04 certificate-retire x-{from}\n  certificate {from}/CERT-1\n  beneficiary \"D\"\n  purpose \"p\"\n  claim-period \"2025\"\n"
        );
        registry.submit(&d, journal(&text)).await.unwrap();
    }
    let l = registry.ledger(&d).await.unwrap();
    let spaces: std::collections::BTreeSet<_> = l.certificates().retired.keys().cloned().collect();
    assert_eq!(spaces.len(), 2, "20 distinct units in two serial spaces");
    registry.verify(&d).await.unwrap();
}

/// The credit is 1000 t of HBI declared from outside the ledger (the widgets were sold
/// unprocessed before the pool input: they credit no pool, hostile2 F1's other order).
const SELLER: &str = "entity s \"Seller\"\n  ratios efi\n  gwp ar5\ncounterparty grid \"Grid\"\ncounterparty b \"B\"\ncounterparty c \"C\"\n\
item elec \"Electricity\"\n  category electricity\nitem widget \"Widget\"\n  category product\n\
item hbi \"HBI from outside the ledger\"\n  category raw-material\n\
item parts \"Parts (the material the product is made of)\"\n  category raw-material\n  carbon-content 0\nperiod 2025 2025-01-01 2025-12-31\n\
2025-03-10 purchase buy-elec\n  supplier grid\n  item elec\n  quantity 1000 kWh\n  factor 500 gCO2/kWh\n\
2025-03-10 purchase parts-in\n  supplier grid\n  item parts\n  quantity 1000 t\n  attributed 0 tCO2\n2025-03-10 consume use\n  use parts 1000 t\n  use elec 1000 kWh\n2025-03-10 produce make\n  output widget 100 t\n\
2025-03-11 sell sale1\n  item widget\n  customer b 100 t\n  custody mass-balance\n\
pool bp \"Bundled\"\n  attribute low-emission-iron\n  method credit\n  eligible hbi\n  start 2025-01\n  \
period 12 months\n  boundary site s1\n  group flat widget\n  group-key mass\n  attribution proportional\n  \
output bundled-certificate\n  claim \"travels with the sale\"\n  conversion 1\n\
2025-03-31 pool-input in\n  pool bp\n  item hbi\n  quantity 1000 t\n  site s1\n";

fn buyer(id: &str) -> String {
    format!(
        "entity {id} \"{id}\"\n  ratios efi\n  gwp ar5\ncounterparty s \"Seller\"\ncounterparty c \"C\"\ncounterparty b \"B\"\n\
         item widget \"Widget\"\n  category raw-material\nperiod 2025 2025-01-01 2025-12-31\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn case_45_a_bundled_certificate_follows_its_goods() {
    let registry = Registry::new(MemoryStore::new());
    let s = import(&registry, SELLER).await;
    let b = import(&registry, &buyer("b")).await;
    let issue = |units: u32| {
        format!(
            "2025-04-01 certificate-issue big\n  pool bp\n  certificate BIG\n  units {units}\n  bundled-with sale1\n"
        )
    };
    let err = registry.submit(&s, journal(&issue(500))).await.unwrap_err();
    assert!(err.to_string().contains("claim_exceeds_balance"), "500 units on 100 t: {err}");
    registry.submit(&s, journal(&issue(100))).await.unwrap();
    // Returned before it moves: the certificate stays with the goods.
    let ret = journal("2025-04-02 return ret\n  sale sale1\n  customer b\n");
    let tb = journal("2025-04-03 certificate-transfer tb\n  certificate BIG\n  to b\n");
    let mut both = ret.clone();
    both.extend(tb.clone());
    let err = registry.submit(&s, both).await.unwrap_err();
    assert!(err.to_string().contains("certificate_unavailable"), "{err}");
    // Sent with the goods: the sale is neither reversed nor its goods returned while it is away.
    registry.submit(&s, tb).await.unwrap();
    let err = registry.submit(&s, journal("2025-04-04 reverse rv\n  of sale1\n")).await.unwrap_err();
    assert!(err.to_string().contains("certificate_unavailable"), "{err}");
    let err = registry.submit(&s, ret).await.unwrap_err();
    assert!(err.to_string().contains("certificate_unavailable"), "{err}");
    registry.submit(&b, journal("2025-04-05 certificate-receive rb\n  certificate BIG\n  from s\n")).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn case_48_the_sellers_custody_model_is_carried_into_the_receive() {
    let registry = Registry::new(MemoryStore::new());
    import(&registry, SELLER).await;
    let b = import(&registry, &buyer("b")).await;
    let err = registry
        .submit(
            &b,
            journal("2025-03-12 receive in1\n  transfer s/sale1/b\n  item widget\n  custody identity-preserved\n"),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("transfer_invalid"), "{err}");
    registry.submit(&b, journal("2025-03-12 receive in1\n  transfer s/sale1/b\n  item widget\n")).await.unwrap();
    let l = registry.ledger(&b).await.unwrap();
    let scope = custody_core::statements::Scope::resolve(&l, None).unwrap();
    let pg = custody_core::statements::purchased_goods(&l, &scope);
    let kinds: Vec<&str> = pg.lines.iter().filter(|(s, _, _)| s == "s").map(|(_, k, _)| *k).collect();
    assert_eq!(kinds, ["mass-balance-chain-of-custody"]);
    registry.verify(&b).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn case_80_a_reject_writes_the_return_the_sellers_side_derives() {
    let registry = Registry::new(MemoryStore::new());
    let s = import(&registry, SELLER).await;
    import(&registry, &buyer("b")).await;
    registry.reject("b", "s/sale1/b").await.unwrap();
    let l = registry.ledger(&s).await.unwrap();
    let ret = l.transactions().iter().find(|t| t.kind == custody_core::model::TxKind::Return).unwrap();
    let sale = l.transaction("sale1").unwrap();
    assert_eq!((ret.id.as_str(), ret.date), ("return:s/sale1/b", sale.date));
    // A transfer never sent to the buyer reads the same whether or not its seller exists.
    let ghost = registry.reject("b", "zz/x/b").await.unwrap_err().to_string();
    let real = registry.reject("b", "s/x/b").await.unwrap_err().to_string();
    assert_eq!(ghost.replace("zz/x/b", "<ID>/x/b"), real.replace("s/x/b", "<ID>/x/b"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn case_80_errors_about_another_tenants_objects_do_not_tell_whether_they_exist() {
    let registry = Registry::new(MemoryStore::new());
    let s = import(&registry, SELLER).await;
    let b = import(&registry, &buyer("b")).await;
    import(&registry, &buyer("c")).await;
    // s issues X (unbundled pool) to c: b probes for X and for a certificate that does not exist.
    registry
        .submit(
            &s,
            journal(
                "item green-iron \"Green iron from outside the ledger\"\n  category raw-material\n\
                 pool free \"Free\"\n  attribute low-emission-iron\n  method credit\n  eligible green-iron\n  start 2025-01\n  \
                 period 12 months\n  boundary site s1\n  group g widget\n  attribution proportional\n  \
                 output unbundled-certificate\n  claim \"market\"\n\
                 2025-03-31 pool-input w\n  pool free\n  item green-iron\n  quantity 10 t\n  site s1\n\
                 2025-04-01 certificate-issue ix\n  pool free\n  certificate X\n  units 1\n\
                 2025-04-02 certificate-transfer tx\n  certificate X\n  to c\n",
            ),
        )
        .await
        .unwrap();
    // Also one s still holds (Y), one it retired (Z): every probe reads alike, names masked.
    registry
        .submit(
            &s,
            journal(
                "2025-04-01 certificate-issue iy\n  pool free\n  certificate Y\n  units 1\n\
                 2025-04-01 certificate-issue iz\n  pool free\n  certificate Z\n  units 1\n\
                 2025-04-02 certificate-retire rz\n  certificate Z\n  beneficiary \"S\"\n  purpose \"p\"\n  claim-period \"2025\"\n",
            ),
        )
        .await
        .unwrap();
    let probe =
        |cert: &str, from: &str| format!("2025-04-03 certificate-receive p\n  certificate {cert}\n  from {from}\n");
    let mut answers = std::collections::BTreeSet::new();
    for (cert, from) in [("NOPE", "s"), ("X", "s"), ("Y", "s"), ("Z", "s"), ("X", "zz"), ("X", "c")] {
        let e = registry.submit(&b, journal(&probe(cert, from))).await.unwrap_err().to_string();
        answers.insert(e.replace(&format!("`{cert}`"), "`<ID>`").replace(&format!("`{from}`"), "`<E>`"));
    }
    assert_eq!(answers.len(), 1, "{answers:#?}");
    let recv = |t: &str| format!("2025-04-03 receive p\n  transfer {t}\n  item widget\n");
    let mut answers = std::collections::BTreeSet::new();
    for t in ["zz/x/b", "c/x/b", "s/x/b", "s/sale-to-c/b", "qq/sale1/b"] {
        let e = registry.submit(&b, journal(&recv(t))).await.unwrap_err().to_string();
        answers.insert(e.replace(t, "<T>"));
    }
    assert_eq!(answers.len(), 1, "{answers:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_custody_model_is_carried_and_no_other_one_accepted() {
    use custody_core::coc::CustodyModel;
    for &sold in CustodyModel::ALL {
        for stated in std::iter::once(None).chain(CustodyModel::ALL.iter().copied().map(Some)) {
            let registry = Registry::new(MemoryStore::new());
            import(&registry, &SELLER.replace("custody mass-balance", &format!("custody {}", sold.as_str()))).await;
            let b = import(&registry, &buyer("b")).await;
            let line = stated.map(|m| format!("  custody {}\n", m.as_str())).unwrap_or_default();
            let text = format!("2025-03-12 receive in1\n  transfer s/sale1/b\n  item widget\n{line}");
            let res = registry.submit(&b, journal(&text)).await;
            if stated.is_none_or(|m| m == sold) {
                res.unwrap();
                let l = registry.ledger(&b).await.unwrap();
                let meta = &l.transaction("in1").unwrap().meta;
                assert_eq!(meta.get(custody_core::ledger::CUSTODY_META).map(String::as_str), Some(sold.as_str()));
            } else {
                assert!(res.unwrap_err().to_string().contains("transfer_invalid"), "{sold:?} received as {stated:?}");
            }
        }
    }
}

/// Certificates are reconciled like goods (issue 13 item 1): each transfer to an entity of the
/// registry is pending until received, then received exactly once, with its units.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn certificate_transfers_are_reconciled_both_sides() {
    let registry = Registry::new(MemoryStore::new());
    import(&registry, &issuer("a", "pool-a")).await;
    let d = import(
        &registry,
        "entity d \"D\"\n  ratios efi\n  gwp ar6\ncounterparty a \"A\"\nperiod 2025 2025-01-01 2025-12-31\n",
    )
    .await;
    let rows = registry.reconcile_certificates().await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0].status(), rows[0].from.as_str(), rows[0].to.as_str()), ("pending", "a", "d"));
    assert!(rows[0].mismatch.is_none());
    let text = "2025-04-03 certificate-receive r1\n  certificate CERT-1\n  from a\n";
    registry.submit(&d, journal(text)).await.unwrap();
    // A second receive of the same transfer is refused, so it settles once.
    let again = "2025-04-05 certificate-receive r2\n  certificate CERT-1\n  from a\n";
    assert!(registry.submit(&d, journal(again)).await.is_err());
    let rows = registry.reconcile_certificates().await.unwrap();
    assert_eq!(
        (rows[0].status(), rows[0].receives.clone(), rows[0].units),
        ("received", vec!["r1".to_string()], Some(10))
    );
    assert!(rows.iter().all(|r| r.mismatch.is_none()), "{rows:?}");
}

/// Hostile finding F2 through the registry (the repro's journal entries, SQLite-free): `b` splits
/// `a`'s `X` and sends `X1` to `c`; `a` issues and sends its own `X1`; `c` receives both (70 units,
/// all of `a`'s serials 1..60 and 101..110), retires each once, and every transfer settles once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn f2_a_split_part_and_the_issuers_own_block_of_one_id_both_settle() {
    let registry = Registry::new(MemoryStore::new());
    let holder = |id: &str| {
        format!("entity {id} \"{id}\"\n  ratios efi\n  gwp ar6\ncounterparty a \"A\"\ncounterparty b \"B\"\ncounterparty c \"C\"\nperiod 2025 2025-01-01 2025-12-31\n")
    };
    let mut a = issuer("a", "certs").replace("counterparty d \"D\"\n", "counterparty b \"B\"\ncounterparty c \"C\"\n");
    a = a.replace("quantity 100 t", "quantity 1000 t");
    a = a[..a.find("2025-04-01 certificate-issue").unwrap()].to_string();
    let a = import(&registry, &a).await;
    let b = import(&registry, &holder("b")).await;
    let c = import(&registry, &holder("c")).await;
    let ok = |who: &str, text: &str| {
        let (registry, who, text) = (&registry, who.to_string(), text.to_string());
        async move { registry.submit(&who, journal(&text)).await.unwrap_or_else(|e| panic!("{who}: {text}: {e:?}")) }
    };
    ok(&a, "2025-07-01 certificate-issue iss\n  pool certs\n  certificate X\n  units 100\n").await;
    ok(&a, "2025-07-02 certificate-transfer t1\n  certificate X\n  to b\n").await;
    ok(&b, "2025-07-03 certificate-receive r1\n  certificate X\n  from a\n").await;
    ok(&b, "2025-07-04 certificate-split sp\n  certificate X\n  units 60\n  first X1\n  rest X2\n").await;
    ok(&b, "2025-07-05 certificate-transfer t2\n  certificate X1\n  to c\n").await;
    ok(&a, "2025-07-05 certificate-issue iss-x1\n  pool certs\n  certificate X1\n  units 10\n").await;
    ok(&a, "2025-07-05 certificate-transfer t3\n  certificate X1\n  to c\n").await;
    ok(&c, "2025-07-06 certificate-receive r1\n  certificate X1\n  from b\n").await;
    ok(&c, "2025-07-06 certificate-receive r2\n  certificate X1\n  from a\n").await;
    let l = registry.ledger(&c).await.unwrap();
    let held: Vec<(String, String, u64, u64)> =
        l.certificates().certificates.values().map(|x| (x.reference(), x.issuer.clone(), x.first, x.last)).collect();
    let want = [("X1", "a", 101, 110), ("b/X1", "a", 1, 60)];
    assert_eq!(held, want.map(|(r, i, f, l)| (r.to_string(), i.to_string(), f, l)).to_vec());
    for (n, r) in ["b/X1", "a/X1"].iter().enumerate() {
        let retire = format!(
            "2025-07-07 certificate-retire x{n}\n  certificate {r}\n  beneficiary \"C\"\n  purpose \"p\"\n  claim-period \"2025\"\n"
        );
        ok(&c, &retire).await;
        assert!(registry.submit(&c, journal(&retire.replace(" x", " y"))).await.is_err(), "{r} retires once");
    }
    let rows = registry.reconcile_certificates().await.unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|r| r.status() == "received" && r.mismatch.is_none()), "{rows:?}");
    for e in [&a, &b, &c] {
        registry.verify(e).await.unwrap();
    }
}

/// An entity buying 1 GWh of power and retiring energy attribute certificate `serial` against it.
fn eac_holder(id: &str, serial: &str) -> String {
    format!(
        "entity {id} \"{id}\"\n  ratios efi\n  gwp ar6\ncounterparty grid \"G\"\ncounterparty broker \"B\"\n\
         item power \"P\"\n  category electricity\n  market-boundary DE\n  grid-factor 400 gCO2/kWh \"grid\"\n\
         period 2025 2025-01-01 2025-12-31\n\
         2025-01-05 purchase p1\n  supplier grid\n  item power\n  quantity 1 GWh\n  factor 400 gCO2/kWh\n\
         2025-01-31 obtain rec-1\n  instrument eac\n  quantity 0.001 tCO2e\n  counterparty broker\n  \
         certificate {serial}\n  against power\n  covers 1 GWh\n  generated 2025-01-01 2025-01-31\n  boundary DE\n  \
         rate 0 gCO2/kWh\n"
    )
}

/// The breaker's case (a serial obtained by two entities of one database, each applying it to its
/// own Scope 2) and its kind: a serial is used once in the whole registry, whichever entity holds
/// it, on every store; other serials and the same entity's repeated import still pass.
async fn one_serial_once_across_entities<S: Store + 'static>(registry: Registry<S>) {
    import(&registry, &eac_holder("a", "GO-2025-1")).await;
    // The same import again is idempotent, not a second use.
    import(&registry, &eac_holder("a", "GO-2025-1")).await;
    for (entity, serial) in [("b", "GO-2025-1"), ("c", "GO-2025-1")] {
        let all = journal(&eac_holder(entity, serial));
        match common::submit_entries(&registry, all).await {
            Err(custody_store::SubmitError::Rejected { rejection, .. }) => {
                assert_eq!(rejection.code().as_str(), "certificate_reused", "{entity}: {rejection}");
                assert!(rejection.to_string().contains("GO-2025-1"), "{rejection}");
            }
            other => panic!("{entity}: a second use of one serial was accepted: {other:?}"),
        }
        // Nothing of the refused batch was written.
        assert_eq!(registry.read(entity, |l| l.transactions().len()).await.unwrap(), 0);
    }
    import(&registry, &eac_holder("d", "GO-2025-2")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_eac_serial_is_used_once_across_the_registry() {
    one_serial_once_across_entities(Registry::new(MemoryStore::new())).await;
    let path = std::env::temp_dir().join(format!("custody-eac-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let url = format!("sqlite://{}", path.display());
    one_serial_once_across_entities(Registry::new(custody_store::SqlStore::connect(&url).await.unwrap())).await;
}

/// Hostile test 2, F13: b receives s/sale1/b (declared mass-balance), makes gadgets wholly from
/// it and sells them to c. Stated identity-preserved, the sale is refused (E022) naming the
/// carried model and its receive; undeclared, it goes out as mass-balance and c's receive (and
/// purchased-goods) holds mass-balance, not a physical claim.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn f13_a_mass_balance_input_is_not_sold_on_as_identity_preserved() {
    let registry = Registry::new(MemoryStore::new());
    import(&registry, SELLER).await;
    let b = import(&registry, &format!("{}item gadget \"Gadget\"\n  category product\n", buyer("b"))).await;
    let c = import(&registry, &buyer("c")).await;
    let make = "2025-03-12 receive r1\n  transfer s/sale1/b\n  item widget\n\
                2025-03-13 consume c1\n  use widget 100 t\n2025-03-13 produce m1\n  output gadget 100 t\n";
    registry.submit(&b, journal(make)).await.unwrap();
    let sale = |model: &str| format!("2025-03-14 sell sb\n  item gadget\n  customer c 100 t\n{model}");
    for stronger in ["identity-preserved", "segregated", "controlled-blending"] {
        let err =
            registry.submit(&b, journal(&sale(&format!("  custody {stronger}\n")))).await.unwrap_err().to_string();
        for part in [
            "transfer_invalid".to_string(),
            "sale `sb`".into(),
            format!("declares {stronger}"),
            "carries mass-balance from receive `r1` of transfer `s/sale1/b`".into(),
        ] {
            assert!(err.contains(&part), "{part:?} not in {err}");
        }
    }
    registry.submit(&b, journal(&sale(""))).await.unwrap();
    registry.submit(&c, journal("2025-03-15 receive r1\n  transfer b/sb/c\n  item widget\n")).await.unwrap();
    let l = registry.ledger(&c).await.unwrap();
    assert_eq!(
        l.transaction("r1").unwrap().meta.get(custody_core::ledger::CUSTODY_META).map(String::as_str),
        Some("mass-balance")
    );
    let scope = custody_core::statements::Scope::resolve(&l, None).unwrap();
    let pg = custody_core::statements::purchased_goods(&l, &scope);
    let types: Vec<(&str, &str)> = pg.lines.iter().map(|(supplier, kind, _)| (supplier.as_str(), *kind)).collect();
    assert_eq!(types, vec![("b", "mass-balance-chain-of-custody")]);
    registry.verify(&b).await.unwrap();
    registry.verify(&c).await.unwrap();
}
