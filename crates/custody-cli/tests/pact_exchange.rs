//! PACT between `custody serve` processes (docs/pact.md): published footprint versions, `custody
//! pact pull`. Real servers over HTTPS with their own self-signed certificates.

use serde_json::Value;
use std::path::PathBuf;

#[path = "pact/requester.rs"]
mod requester;
#[path = "pact/server.rs"]
mod server;
use server::{client, get, ok, post_event, token, Server};

/// The seller of the conformance suite: bar sold in two closed months. 2025-04: 1000 t of ore at
/// 120 kgCO2/t (20 tC) made 500 t of bar, all sold: 0.24 kgCO2e/kg, 0.04 kgC/kg.
const SELLER: &str = "entity seller \"Seller\"\n  ratios efi\n  gwp ar6\n\
period 2025-03 2025-03-01 2025-03-31\nperiod 2025-04 2025-04-01 2025-04-30\n\
site works \"Works\"\n  country DE\n  default\n\
counterparty ore-co \"Ore\"\ncounterparty buyer \"Buyer\"\n\
item ore \"Ore\"\n  category raw-material\nitem bar \"Bar\"\n  category product\n  cn-code 72142000\n\
2025-03-02 purchase p1\n  supplier ore-co\n  item ore\n  quantity 1000 t\n  factor 100 kgCO2/t\n  content 20 tC\n\
2025-03-03 consume c1\n  use ore 1000 t\n2025-03-04 produce m1\n  output bar 500 t content 20 tC\n\
2025-03-05 sell s1\n  item bar\n  customer buyer share 100%\nclose 2025-03\n\
2025-04-02 purchase p2\n  supplier ore-co\n  item ore\n  quantity 1000 t\n  factor 120 kgCO2/t\n  content 20 tC\n\
2025-04-03 consume c2\n  use ore 1000 t\n2025-04-04 produce m2\n  output bar 500 t content 20 tC\n\
2025-04-05 sell s2\n  item bar\n  customer buyer share 100%\nclose 2025-04\n";

const BUYER: &str = "entity buyer \"Buyer\"\n  ratios efi\n  gwp ar6\nperiod 2025-05 2025-05-01 2025-05-31\n\
counterparty seller \"Seller\"\nitem bar \"Bar\"\n  category raw-material\n";

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("custody-pact-exchange-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn db(dir: &std::path::Path, name: &str, journal: &str) -> String {
    let file = dir.join(format!("{name}.journal"));
    std::fs::write(&file, journal).unwrap();
    let db = format!("sqlite://{}", dir.join(format!("{name}.db")).display());
    ok(&["import", file.to_str().unwrap(), "--database-url", &db]);
    db
}

fn period(pf: &Value) -> &str {
    pf["extensions"][0]["data"]["period"].as_str().unwrap()
}

const SERVE: [&str; 4] = ["--pact-issuer", "seller.example", "--pact-standard", "GHGP-Product"];

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_footprint_is_a_new_version_and_the_old_one_stays_readable() {
    let d = dir("versions");
    let db = db(&d, "seller", SELLER);
    let creds = client(&db, "seller", None);
    let (requester, received) = requester::requester(&d.join("requester.pem"));
    ok(&[
        "pact",
        "peer",
        "add",
        "--entity",
        "seller",
        "--customer",
        "buyer",
        "--url",
        &requester,
        "--client-id",
        "test_client_id",
        "--client-secret",
        "test_client_secret",
        "--database-url",
        &db,
    ]);
    let ca = d.join("requester.pem");
    let args = |exempted: &'static str| -> Vec<String> {
        let mut a: Vec<String> = SERVE.iter().map(|s| s.to_string()).collect();
        a.extend(["--pact-exempted".into(), exempted.into(), "--pact-ca-cert".into(), ca.display().to_string()]);
        a
    };
    let start = |exempted: &'static str| {
        let a = args(exempted);
        Server::start(&d, "seller", &db, &a.iter().map(String::as_str).collect::<Vec<_>>())
    };

    let s = start("0");
    let t = token(&s.base, &creds).await;
    let (_, v1) = get(&s.base, "/3/footprints", &t).await;
    let v1 = v1["data"].as_array().unwrap().clone();
    assert_eq!(v1.len(), 2, "bar in 2025-03 and 2025-04: {v1:#?}");
    assert!(v1.iter().all(|pf| pf["status"] == "Active" && pf.get("precedingPfIds").is_none()));
    s.stop();

    // The owner corrects a declaration: every footprint states something new.
    let s = start("1.5");
    let t = token(&s.base, &creds).await;
    let (_, all) = get(&s.base, "/3/footprints", &t).await;
    let all = all["data"].as_array().unwrap().clone();
    assert_eq!(all.len(), 4, "two versions of each: {all:#?}");
    for old in &v1 {
        let id = old["id"].as_str().unwrap();
        let (status, one) = get(&s.base, &format!("/3/footprints/{id}"), &t).await;
        assert_eq!(status, 200);
        assert_eq!(one["data"]["status"], "Deprecated");
        assert_eq!(one["data"]["pcf"]["exemptedEmissionsPercent"], "0", "published content never changes");
        let new: Vec<&Value> = all.iter().filter(|pf| pf["status"] == "Active" && period(pf) == period(old)).collect();
        assert_eq!(new.len(), 1);
        assert_eq!(new[0]["precedingPfIds"], serde_json::json!([id]));
        assert_eq!(new[0]["pcf"]["exemptedEmissionsPercent"], "1.5");
        assert_ne!(new[0]["id"], old["id"]);
    }
    let new_ids: Vec<String> =
        all.iter().filter(|pf| pf["status"] == "Active").map(|pf| pf["id"].as_str().unwrap().to_string()).collect();
    // The peer is told, in a PublishedEvent.
    let mut event = None;
    for _ in 0..100 {
        event = received.lock().unwrap().iter().find(|e| e["type"] == custody_pact::events::PUBLISHED).cloned();
        if event.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let event = event.expect("a PublishedEvent reached the peer");
    let mut got: Vec<String> =
        event["data"]["pfIds"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    got.sort();
    let mut want = new_ids.clone();
    want.sort();
    assert_eq!(got, want);
    s.stop();

    // Back to the first declaration: a third version (a new id), not the first one revived.
    let s = start("0");
    let t = token(&s.base, &creds).await;
    let (_, all) = get(&s.base, "/3/footprints?status=Active", &t).await;
    let active = all["data"].as_array().unwrap();
    assert_eq!(active.len(), 2);
    for pf in active {
        assert_eq!(pf["precedingPfIds"].as_array().unwrap().len(), 2);
        assert!(v1.iter().all(|o| o["id"] != pf["id"]));
        assert_eq!(pf["pcf"]["exemptedEmissionsPercent"], "0");
    }
    s.stop();
}

fn pull(s: &Server, creds: &(String, String), db: &str) -> Value {
    let out = ok(&[
        "pact",
        "pull",
        &s.base,
        "--client-id",
        &creds.0,
        "--client-secret",
        &creds.1,
        "--product",
        "bar",
        "--entity",
        "buyer",
        "--supplier",
        "seller",
        "--item",
        "bar",
        "--quantity",
        "100 t",
        "--date",
        "2025-05-02",
        "--ca-cert",
        s.cert.to_str().unwrap(),
        "--page-size",
        "1",
        "--format",
        "json",
        "--database-url",
        db,
    ]);
    serde_json::from_str(&out).unwrap()
}

fn ids(report: &Value, key: &str) -> Vec<String> {
    report[key].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().to_string()).collect()
}

/// The buyer's ledger statement of May as JSON.
fn purchases(db: &str) -> Value {
    serde_json::from_str(&ok(&[
        "report",
        "ledger",
        "--entity",
        "buyer",
        "--period",
        "2025-05",
        "--format",
        "json",
        "--database-url",
        db,
    ]))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn pull_books_the_suppliers_footprint_once_and_reports_a_newer_version() {
    let d = dir("pull");
    let seller = db(&d, "seller", SELLER);
    let buyer = db(&d, "buyer", BUYER);
    let creds = client(&seller, "seller", None);
    let serve = |exempted: &'static str| {
        let mut a: Vec<&str> = SERVE.to_vec();
        a.extend(["--pact-exempted", exempted]);
        Server::start(&d, "seller", &seller, &a)
    };
    let s = serve("0");
    // Pages of one footprint: the Link header is followed; 2025-04 is the latest period.
    let first = pull(&s, &creds, &buyer);
    let t = token(&s.base, &creds).await;
    let (_, list) = get(&s.base, "/3/footprints?productId=urn:pact:seller.example:product-id:bar", &t).await;
    let april = list["data"].as_array().unwrap().iter().find(|pf| period(pf) == "2025-04").unwrap().clone();
    let april_id = april["id"].as_str().unwrap().to_string();
    assert_eq!(ids(&first, "booked"), vec![april_id.clone()], "{first:#}");
    assert_eq!(ids(&first, "notBooked").len(), 1, "March is not booked: {first:#}");
    assert_eq!(first["booked"][0]["version"], 1);
    let ledger = purchases(&buyer);
    // 100 t at the April footprint, 0.24 kgCO2e/kg and 0.04 kgC/kg: 24 t CO2e and 4 tC.
    let row = ledger["rows"].as_array().unwrap().iter().find(|r| r["kind"] == "purchase").unwrap();
    let posted = |account: &str, species: &str| -> i64 {
        row["postings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["account"] == account && p["species"] == species)
            .map(|p| p["amount_gC"].as_i64().unwrap())
            .sum()
    };
    assert_eq!(posted("raw.attributed", "CO2e"), 100_000_000 * 24 / 100, "{row:#}");
    assert_eq!(row["amounts_tC"]["raw.content"], 4, "{row:#}");
    let text = ledger.to_string();
    assert!(text.contains(&format!("pact:{april_id}")), "the purchase is in the buyer's ledger: {ledger:#}");
    assert!(text.contains(&format!("PACT footprint {april_id} version 1 from 127.0.0.1:")), "provenance: {ledger:#}");

    // Again: booked once.
    let again = pull(&s, &creds, &buyer);
    assert_eq!(ids(&again, "alreadyBooked"), vec![april_id.clone()]);
    assert!(again["booked"].as_array().unwrap().is_empty());
    assert_eq!(purchases(&buyer), ledger, "nothing more was booked");
    s.stop();

    // The seller publishes a new version: reported, not booked.
    let s = serve("2");
    let newer = pull(&s, &creds, &buyer);
    assert!(newer["booked"].as_array().unwrap().is_empty(), "{newer:#}");
    assert_eq!(newer["newerVersions"][0]["replaces"], april_id.as_str());
    assert_eq!(purchases(&buyer), ledger, "nothing more was booked");
    s.stop();
}

const RECEIVE: &str = "2025-05-02 receive bar-in\n  transfer seller/s2/buyer\n  item bar\n";

/// A one-registry run of the same journals: the reference the servers must match.
fn one_registry(d: &std::path::Path, journals: &[(&str, &str)]) -> String {
    let db = format!("sqlite://{}", d.join("one.db").display());
    for (name, text) in journals {
        let f = d.join(format!("one-{name}.journal"));
        std::fs::write(&f, text).unwrap();
        ok(&["import", f.to_str().unwrap(), "--database-url", &db]);
    }
    db
}

fn report(db: &str, entity: &str, kind: &str, period: &str) -> Value {
    serde_json::from_str(&ok(&[
        "report",
        kind,
        "--entity",
        entity,
        "--period",
        period,
        "--format",
        "json",
        "--database-url",
        db,
    ]))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sale_to_another_server_is_delivered_signed_and_received_with_the_sellers_amounts() {
    let d = dir("deliver");
    let seller = db(&d, "seller", SELLER);
    let buyer = db(&d, "buyer", BUYER);
    let key = d.join("seller.key");
    let wrong = d.join("other.key");
    ok(&["signing-key", "create", "-o", key.to_str().unwrap()]);
    ok(&["signing-key", "create", "-o", wrong.to_str().unwrap()]);
    let buyer_creds = client(&buyer, "buyer", Some("seller"));
    let s = Server::start(&d, "seller", &seller, &["--signing-key", key.to_str().unwrap()]);
    let b = Server::start(&d, "buyer", &buyer, &["--pact-ca-cert", s.cert.to_str().unwrap()]);
    ok(&[
        "pact",
        "peer",
        "add",
        "--entity",
        "seller",
        "--customer",
        "buyer",
        "--url",
        &b.base,
        "--client-id",
        &buyer_creds.0,
        "--client-secret",
        &buyer_creds.1,
        "--database-url",
        &seller,
    ]);
    let deliver = |key: &std::path::Path| {
        server::custody(&[
            "pact",
            "deliver",
            "--entity",
            "seller",
            "--signing-key",
            key.to_str().unwrap(),
            "--source",
            &s.base,
            "--ca-cert",
            b.cert.to_str().unwrap(),
            "--format",
            "json",
            "--database-url",
            &seller,
        ])
    };

    // Signed with a key the seller's server does not publish: refused, and the seller sees why.
    let o = deliver(&wrong);
    assert_eq!(o.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["refused"].as_array().unwrap().len(), 2, "{r:#}");
    assert_eq!(r["refused"][0]["status"], 400);
    assert_eq!(r["refused"][0]["body"]["code"], "BadRequest");
    assert!(r["refused"][0]["body"]["message"].as_str().unwrap().starts_with("V002 key_mismatch"), "{r:#}");

    // With the seller's key: both sales accepted; again: nothing sent twice.
    let o = deliver(&key);
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(o.status.success(), "{r:#}");
    let mut accepted = ids(&r, "accepted");
    accepted.sort();
    assert_eq!(accepted, vec!["seller/s1/buyer", "seller/s2/buyer"]);
    let r: Value = serde_json::from_slice(&deliver(&key).stdout).unwrap();
    assert_eq!(ids(&r, "alreadyAccepted").len(), 2);
    assert!(r["accepted"].as_array().unwrap().is_empty());

    // The buyer's server holds the delivered carbon: the seller can neither reverse nor return
    // the sale on its own server any more (E034, as for a buyer in its registry), nothing written.
    for (id, undo) in [("undo", "reverse undo\n  of s2\n"), ("back", "return back\n  sale s2\n  customer buyer\n")] {
        let f = d.join(format!("{id}.journal"));
        std::fs::write(&f, format!("period 2025-05 2025-05-01 2025-05-31\n2025-05-10 {undo}")).unwrap();
        let o = server::custody(&["import", f.to_str().unwrap(), "--entity", "seller", "--database-url", &seller]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{id}: a delivered sale was undone");
        assert!(err.contains("E034") || err.contains("E022"), "{id}: {err}");
        assert!(err.contains("accepted by the buyer's server"), "{id}: {err}");
    }

    // The buyer books its receive: resolved from the delivered transfer, exactly the seller's amounts.
    let f = d.join("receive.journal");
    std::fs::write(&f, RECEIVE).unwrap();
    ok(&["import", f.to_str().unwrap(), "--entity", "buyer", "--database-url", &buyer]);
    let one = one_registry(&d, &[("seller", SELLER), ("buyer", &format!("{BUYER}{RECEIVE}"))]);
    for kind in ["ledger", "balances"] {
        assert_eq!(report(&buyer, "buyer", kind, "2025-05"), report(&one, "buyer", kind, "2025-05"), "{kind}");
    }
    // Reconciliation on the buyer's server: the seller's signed amounts against the receive.
    let rec: Value = serde_json::from_str(&ok(&["reconcile", "--format", "json", "--database-url", &buyer])).unwrap();
    assert_eq!(rec["mismatches"], 0, "{rec:#}");
    let rows = rec["transfers"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let s2 = rows.iter().find(|t| t["id"] == "seller/s2/buyer").unwrap();
    assert_eq!(s2["status"], "received", "{s2:#}");

    // A tampered delivery and one signed by a stranger are refused, as PACT errors.
    let store = custody_store::SqlStore::connect(&buyer).await.unwrap();
    let (_, body) = custody_store::Store::records(&store, "buyer", custody_store::delivered::DELIVERED)
        .await
        .unwrap()
        .into_iter()
        .find(|(k, _)| k == "seller/s1/buyer")
        .unwrap();
    let mut signed: Value = serde_json::from_str::<Value>(&body).unwrap()["signed"].clone();
    let amount = signed["document"]["transfer"]["amounts"][0]["amount"].as_i64().unwrap();
    signed["document"]["transfer"]["amounts"][0]["amount"] = (amount + 1).into();
    let event = |data: Value| {
        serde_json::json!({"type": "org.custody.TransferDelivered.1", "specversion": "1.0", "id": "e-1",
                           "source": s.base, "time": "2025-05-02T00:00:00Z", "data": data})
    };
    let t = token(&b.base, &buyer_creds).await;
    let (status, body) = post_event(&b.base, &t, &event(signed)).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("BadRequest")), "{body}");
    assert!(body["message"].as_str().unwrap().starts_with("V005 digest_mismatch"), "{body}");
    let (status, body) = post_event(&b.base, "not-a-token", &event(Value::Null)).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("BadRequest")), "{body}");
    s.stop();
    b.stop();
}

/// The hostile tester's case (docs/pact.md "Company to company"): the buyer issues one credential
/// for its supplier `seller`; another party with its own server, key and entity `green-mill`
/// delivers with it and is refused, nothing kept and no key pinned for `green-mill`; then the
/// supplier's own delivery with it is accepted. An unbound credential delivers nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_credential_delivers_only_as_the_seller_it_was_issued_for() {
    let d = dir("peerbind");
    let seller = db(&d, "seller", SELLER);
    let evil = db(&d, "evil", &SELLER.replace("entity seller \"Seller\"", "entity green-mill \"Green\""));
    let buyer = db(&d, "buyer", BUYER);
    let (key, evil_key) = (d.join("seller.key"), d.join("evil.key"));
    ok(&["signing-key", "create", "-o", key.to_str().unwrap()]);
    ok(&["signing-key", "create", "-o", evil_key.to_str().unwrap()]);
    let creds = client(&buyer, "buyer", Some("seller"));
    let unbound = client(&buyer, "buyer", None);
    let s = Server::start(&d, "seller", &seller, &["--signing-key", key.to_str().unwrap()]);
    let e = Server::start(&d, "evil", &evil, &["--signing-key", evil_key.to_str().unwrap()]);
    let bundle = d.join("sellers.pem");
    let pems = [&s.cert, &e.cert].map(|c| std::fs::read_to_string(c).unwrap());
    std::fs::write(&bundle, pems.concat()).unwrap();
    let b = Server::start(&d, "buyer", &buyer, &["--pact-ca-cert", bundle.to_str().unwrap()]);
    // Each seller's server keeps the buyer's URL and the one credential (peers are never changed).
    for (entity, db) in [("green-mill", &evil), ("seller", &seller)] {
        ok(&[
            "pact",
            "peer",
            "add",
            "--entity",
            entity,
            "--customer",
            "buyer",
            "--url",
            &b.base,
            "--client-id",
            &creds.0,
            "--client-secret",
            &creds.1,
            "--database-url",
            db,
        ]);
    }
    let deliver = |entity: &str, db: &str, k: &std::path::Path, from: &Server| {
        let o = server::custody(&[
            "pact",
            "deliver",
            "--entity",
            entity,
            "--signing-key",
            k.to_str().unwrap(),
            "--source",
            &from.base,
            "--ca-cert",
            b.cert.to_str().unwrap(),
            "--format",
            "json",
            "--database-url",
            db,
        ]);
        let r: Value = serde_json::from_slice(&o.stdout).unwrap();
        (o.status.code(), r)
    };
    let kept = |kind: &'static str| {
        let buyer = buyer.clone();
        async move {
            let store = custody_store::SqlStore::connect(&buyer).await.unwrap();
            let mut k: Vec<String> = custody_store::Store::records(&store, "buyer", kind)
                .await
                .unwrap()
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            k.sort();
            k
        }
    };
    const PINNED: &str = custody_server::pact_receive::SELLER_KEY;
    const DELIVERED: &str = custody_store::delivered::DELIVERED;

    // green-mill with the credential issued for `seller`: both sales refused, as PACT errors.
    let (code, r) = deliver("green-mill", &evil, &evil_key, &e);
    assert_eq!(code, Some(1), "{r:#}");
    let refused = r["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 2, "{r:#}");
    for x in refused {
        assert_eq!((x["status"].as_u64(), x["body"]["code"].as_str()), (Some(400), Some("BadRequest")), "{r:#}");
        let m = x["body"]["message"].as_str().unwrap();
        let want = format!("the credential `{}` was issued for the seller `seller`, not `green-mill`", creds.0);
        assert!(m.starts_with(&want), "{m}");
    }
    assert!(kept(PINNED).await.is_empty(), "no key pinned");
    assert!(kept(DELIVERED).await.is_empty(), "nothing kept");

    // The supplier with the credential issued for it: accepted, its key pinned, not green-mill's.
    let (code, r) = deliver("seller", &seller, &key, &s);
    assert_eq!(code, Some(0), "{r:#}");
    assert_eq!(ids(&r, "accepted").len(), 2, "{r:#}");
    assert_eq!(kept(PINNED).await, vec!["seller"]);
    assert_eq!(kept(DELIVERED).await, vec!["seller/s1/buyer", "seller/s2/buyer"]);

    // The supplier's own signed delivery, sent again with an unbound credential of the buyer:
    // refused (before any check of it), the buyer told to issue a bound one.
    let store = custody_store::SqlStore::connect(&buyer).await.unwrap();
    let (_, body) = custody_store::Store::records(&store, "buyer", DELIVERED).await.unwrap().remove(0);
    let signed = serde_json::from_str::<Value>(&body).unwrap()["signed"].clone();
    let event = serde_json::json!({"type": "org.custody.TransferDelivered.1", "specversion": "1.0", "id": "e-1",
                                   "source": s.base, "time": "2025-05-02T00:00:00Z", "data": signed});
    let t = token(&b.base, &unbound).await;
    let (status, body) = post_event(&b.base, &t, &event).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("BadRequest")), "{body}");
    let m = body["message"].as_str().unwrap();
    assert!(m.contains(&format!("`{}` is bound to no seller", unbound.0)) && m.contains("--peer seller"), "{m}");
    // The unbound credential still reads the buyer's footprints (PACT data owner access).
    assert_eq!(get(&b.base, "/3/footprints", &t).await.0, 200);
    // The bound one, with the same event: accepted again (idempotent).
    let t = token(&b.base, &creds).await;
    assert_eq!(post_event(&b.base, &t, &event).await.0, 200);

    // green-mill again, now that the seller is pinned: still refused, still nothing of its own kept.
    let (code, _) = deliver("green-mill", &evil, &evil_key, &e);
    assert_eq!(code, Some(1));
    assert_eq!(kept(PINNED).await, vec!["seller"]);
    s.stop();
    e.stop();
    b.stop();
}

/// The journal's `entity` entry alone (its first lines up to the first blank line after it).
fn entity_entry(journal: &str) -> String {
    let start = journal.find("\nentity ").map_or(0, |i| i + 1);
    let rest = &journal[start..];
    rest[..rest.find("\n\n").map_or(rest.len(), |i| i + 1)].to_string()
}

/// The acceptance test of issue 9: examples/three-tier split over servers, each company (the mine,
/// the mill, the DRI plant whose pool sells structural steel, the transformer maker) with its own
/// database and process, gives the statements of one registry to the gram.
#[tokio::test(flavor = "multi_thread")]
async fn three_tier_over_three_servers_gives_the_statements_of_one_registry() {
    let d = dir("three-tier");
    let ex = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/three-tier"));
    let read = |f: &str| std::fs::read_to_string(ex.join(f)).unwrap();
    let (mine_j, mill_j, maker_j) = (read("1-mine.journal"), read("2-mill.journal"), read("3-transformer-co.journal"));
    let ts_j = read("2-transition-steel.journal");
    // Each company its own database: the mine's whole journal; the buyers only their entity
    // until their suppliers' deliveries have arrived.
    let mine = db(&d, "mine", &mine_j);
    let ts = db(&d, "transition-steel", &ts_j);
    let mill = db(&d, "mill", &entity_entry(&mill_j));
    let maker = db(&d, "transformer-co", &entity_entry(&maker_j));
    let key = |name: &str| {
        let k = d.join(format!("{name}.key"));
        ok(&["signing-key", "create", "-o", k.to_str().unwrap()]);
        k
    };
    let (mine_key, mill_key, ts_key) = (key("mine"), key("mill"), key("transition-steel"));
    let mill_creds = client(&mill, "mill", Some("mine"));
    // One credential per supplier: each is bound to the seller it was issued for.
    let maker_creds = client(&maker, "transformer-co", Some("mill"));
    let maker_ts_creds = client(&maker, "transformer-co", Some("transition-steel"));
    let mine_s = Server::start(&d, "mine", &mine, &["--signing-key", mine_key.to_str().unwrap()]);
    let mill_s = Server::start(
        &d,
        "mill",
        &mill,
        &["--signing-key", mill_key.to_str().unwrap(), "--pact-ca-cert", mine_s.cert.to_str().unwrap()],
    );
    let ts_s = Server::start(&d, "transition-steel", &ts, &["--signing-key", ts_key.to_str().unwrap()]);
    // The maker trusts both of its suppliers' hosts: one PEM bundle.
    let bundle = d.join("suppliers.pem");
    let pems = [&mill_s.cert, &ts_s.cert].map(|c| std::fs::read_to_string(c).unwrap());
    std::fs::write(&bundle, pems.concat()).unwrap();
    let maker_s = Server::start(&d, "transformer-co", &maker, &["--pact-ca-cert", bundle.to_str().unwrap()]);
    let deliver = |entity: &str,
                   db: &str,
                   k: &std::path::Path,
                   from: &Server,
                   to: &Server,
                   customer: &str,
                   creds: &(String, String)| {
        ok(&[
            "pact",
            "peer",
            "add",
            "--entity",
            entity,
            "--customer",
            customer,
            "--url",
            &to.base,
            "--client-id",
            &creds.0,
            "--client-secret",
            &creds.1,
            "--database-url",
            db,
        ]);
        let r: Value = serde_json::from_str(&ok(&[
            "pact",
            "deliver",
            "--entity",
            entity,
            "--signing-key",
            k.to_str().unwrap(),
            "--source",
            &from.base,
            "--ca-cert",
            to.cert.to_str().unwrap(),
            "--format",
            "json",
            "--database-url",
            db,
        ]))
        .unwrap();
        assert_eq!(r["accepted"].as_array().unwrap().len(), 1, "{r:#}");
    };
    deliver("mine", &mine, &mine_key, &mine_s, &mill_s, "mill", &mill_creds);
    let write = |name: &str, text: &str| {
        let f = d.join(format!("{name}-full.journal"));
        std::fs::write(&f, text).unwrap();
        f
    };
    ok(&["import", write("mill", &mill_j).to_str().unwrap(), "--database-url", &mill]);
    deliver("mill", &mill, &mill_key, &mill_s, &maker_s, "transformer-co", &maker_creds);
    deliver("transition-steel", &ts, &ts_key, &ts_s, &maker_s, "transformer-co", &maker_ts_creds);
    ok(&["import", write("maker", &maker_j).to_str().unwrap(), "--database-url", &maker]);

    let one = one_registry(&d, &[("mine", &mine_j), ("mill", &mill_j), ("ts", &ts_j), ("maker", &maker_j)]);
    let kinds =
        ["ledger", "balances", "product-intensity", "entity-emissions", "eledger", "carbon-balance", "purchased-goods"];
    for (entity, db) in [("mine", &mine), ("mill", &mill), ("transformer-co", &maker)] {
        for kind in kinds {
            assert_eq!(report(db, entity, kind, "2025-03"), report(&one, entity, kind, "2025-03"), "{entity} {kind}");
        }
    }
    // The structural steel's claimed view travelled signed with the delivery: the maker's claimed
    // purchased goods and the assessment of the received plate are the one registry's.
    let claimed = |db: &str, kind: &str| {
        let args = ["report", kind, "--entity", "transformer-co", "--period", "2025-03"];
        serde_json::from_str::<Value>(&ok(&[
            &args[..],
            &["--view", "claimed", "--format", "json", "--database-url", db],
        ]
        .concat()))
        .unwrap()
    };
    for kind in ["entity-emissions", "product-intensity"] {
        assert_eq!(claimed(&maker, kind), claimed(&one, kind), "{kind} --view claimed");
    }
    let pg = report(&maker, "transformer-co", "purchased-goods", "2025-03");
    assert!(pg.to_string().contains("\"residual\""), "the plate's residual view is shown: {pg:#}");
    let assess = |db: &str| {
        let args = ["assess", "--entity", "transformer-co", "--received", "plate-in", "--period", "2025-03"];
        serde_json::from_str::<Value>(&ok(&[&args[..], &["--format", "json", "--database-url", db]].concat())).unwrap()
    };
    assert_eq!(assess(&maker), assess(&one), "assess --received plate-in");
    // What travelled: the residual (730,000 - 95,000 x 0.7369) / 285,000 t/t, as an exact fraction.
    let store = custody_store::SqlStore::connect(&maker).await.unwrap();
    let rows =
        custody_store::Store::records(&store, "transformer-co", custody_store::delivered::DELIVERED).await.unwrap();
    let (_, body) = rows.iter().find(|(k, _)| k.starts_with("transition-steel/")).unwrap();
    let line = &serde_json::from_str::<Value>(body).unwrap()["signed"]["document"]["claim"]["lines"][0];
    let (n, d) = (7_300_000_000i64 - 95_000 * 7369, 2_850_000_000i64); // both x 10^4
    let g = gcd(n, d);
    assert_eq!(line["factor"], format!("{}/{}", n / g, d / g), "{line:#}");
    assert_eq!(line["kind"], "residual");
    // Each buyer reconciles what its supplier signed against what it booked.
    for db in [&mill, &maker] {
        let rec: Value = serde_json::from_str(&ok(&["reconcile", "--format", "json", "--database-url", db])).unwrap();
        assert_eq!(rec["mismatches"], 0, "{rec:#}");
        let transfers = rec["transfers"].as_array().unwrap();
        assert!(!transfers.is_empty() && transfers.iter().all(|t| t["status"] == "received"), "{rec:#}");
    }
    // Every server's journal replays to what it stored; the sellers see their deliveries accepted.
    for db in [&mine, &mill, &ts, &maker] {
        ok(&["verify", "--database-url", db]);
    }
    for (entity, db) in [("mine", &mine), ("mill", &mill), ("transition-steel", &ts)] {
        let sent: Value = serde_json::from_str(&ok(&[
            "pact",
            "deliveries",
            "--entity",
            entity,
            "--format",
            "json",
            "--database-url",
            db,
        ]))
        .unwrap();
        assert_eq!(sent["accepted"].as_array().unwrap().len(), 1, "{sent:#}");
        assert!(sent["refused"].as_array().unwrap().is_empty(), "{sent:#}");
    }
    mine_s.stop();
    mill_s.stop();
    ts_s.stop();
    maker_s.stop();
}

/// The structural steel's buyer alone (examples/three-tier/3-transformer-co.journal, cut down).
const PLATE_BUYER: &str = "entity transformer-co \"Power transformer maker\"\n  ratios efi\n  gwp ar6\n\
counterparty transition-steel \"Transition Steel\"\nitem plate \"Structural steel plate\"\n  category raw-material\n\
period 2025-03 2025-03-01 2025-03-31\n";
const PLATE_IN: &str =
    "2025-03-31 receive plate-in\n  transfer transition-steel/coil-transformer/transformer-co\n  item plate\n";

/// A claimed view between two servers (docs/pact.md "Claims between servers"): delivered while
/// the seller's pool period is open, it is provisional on the buyer's server as in one registry;
/// a tampered claim is refused (V005); after the seller claims another sale and closes the period,
/// `pact deliver` sends the final view once, and the buyer's statements show it, equal to one
/// registry's to the gram.
#[tokio::test(flavor = "multi_thread")]
async fn a_claimed_view_travels_provisional_then_final() {
    let d = dir("claim-view");
    let ex = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/three-tier"));
    let ts_j = std::fs::read_to_string(ex.join("2-transition-steel.journal")).unwrap();
    // Before: every sale of the quarter, the period open and no claim yet. After: the automaker's
    // claim, the close and the rest.
    let cut = ts_j.find("# The automaker's coil gets the DRI factor").unwrap();
    let (before, after) = ts_j.split_at(cut);
    let ts = db(&d, "transition-steel", before);
    let maker = db(&d, "transformer-co", PLATE_BUYER);
    let key = d.join("ts.key");
    ok(&["signing-key", "create", "-o", key.to_str().unwrap()]);
    let creds = client(&maker, "transformer-co", Some("transition-steel"));
    let ts_s = Server::start(&d, "transition-steel", &ts, &["--signing-key", key.to_str().unwrap()]);
    let maker_s = Server::start(&d, "transformer-co", &maker, &["--pact-ca-cert", ts_s.cert.to_str().unwrap()]);
    ok(&[
        "pact",
        "peer",
        "add",
        "--entity",
        "transition-steel",
        "--customer",
        "transformer-co",
        "--url",
        &maker_s.base,
        "--client-id",
        &creds.0,
        "--client-secret",
        &creds.1,
        "--database-url",
        &ts,
    ]);
    let deliver = || -> Value {
        serde_json::from_str(&ok(&[
            "pact",
            "deliver",
            "--entity",
            "transition-steel",
            "--signing-key",
            key.to_str().unwrap(),
            "--source",
            &ts_s.base,
            "--ca-cert",
            maker_s.cert.to_str().unwrap(),
            "--format",
            "json",
            "--database-url",
            &ts,
        ]))
        .unwrap()
    };
    let r = deliver();
    assert_eq!(
        r["accepted"],
        serde_json::json!([{"id": "transition-steel/coil-transformer/transformer-co", "to": maker_s.base, "claim": "provisional"}]),
        "{r:#}"
    );
    let imp = |db: &str, name: &str, text: &str, entity: &str| {
        let f = d.join(format!("{name}.journal"));
        std::fs::write(&f, text).unwrap();
        ok(&["import", f.to_str().unwrap(), "--entity", entity, "--database-url", db]);
    };
    imp(&maker, "plate-in", PLATE_IN, "transformer-co");
    let one = one_registry(&d, &[("ts-before", before), ("maker", &format!("{PLATE_BUYER}{PLATE_IN}"))]);
    // The claimed views: purchased goods (physical beside claimed) and the claimed entity emissions.
    let claimed = |db: &str| -> Value {
        let view = |kind: &str, extra: &[&str]| -> Value {
            let args = ["report", kind, "--entity", "transformer-co", "--period", "2025-03", "--format", "json"];
            serde_json::from_str(&ok(&[&args[..], extra, &["--database-url", db]].concat())).unwrap()
        };
        serde_json::json!([view("purchased-goods", &[]), view("entity-emissions", &["--view", "claimed"])])
    };
    let assess = |db: &str| -> Value {
        serde_json::from_str(&ok(&[
            "assess",
            "--entity",
            "transformer-co",
            "--received",
            "plate-in",
            "--period",
            "2025-03",
            "--format",
            "json",
            "--database-url",
            db,
        ]))
        .unwrap()
    };
    let provisional = claimed(&maker);
    assert_eq!(provisional, claimed(&one));
    assert_eq!(assess(&maker), assess(&one));
    assert!(provisional.to_string().contains("\"provisional\":true"), "{provisional:#}");

    // The claimed factor changed in the signed document: the digest no longer matches.
    let store = custody_store::SqlStore::connect(&maker).await.unwrap();
    let (_, body) = custody_store::Store::records(&store, "transformer-co", custody_store::delivered::DELIVERED)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let mut signed: Value = serde_json::from_str::<Value>(&body).unwrap()["signed"].clone();
    let line = &mut signed["document"]["claim"]["lines"][0];
    // The pool average before any claim: 730,000 t CO2e over 380,000 t, in g per g.
    assert_eq!(line["factor"], "73/38", "{line:#}");
    line["factor"] = "1/2".into();
    let event = serde_json::json!({"type": "org.custody.TransferDelivered.1", "specversion": "1.0", "id": "e-claim",
                                   "source": ts_s.base, "time": "2025-05-02T00:00:00Z", "data": signed});
    let (status, body) = post_event(&maker_s.base, &token(&maker_s.base, &creds).await, &event).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("BadRequest")), "{body}");
    assert!(body["message"].as_str().unwrap().starts_with("V005 digest_mismatch"), "{body}");
    assert_eq!(claimed(&maker), provisional, "nothing kept from the refused delivery");

    // Still open: nothing to send again.
    let r = deliver();
    assert_eq!(r["alreadyAccepted"].as_array().unwrap().len(), 1, "{r:#}");
    // The seller claims the automaker's coil and closes the quarter: the final view, sent once.
    imp(&ts, "ts-after", after, "transition-steel");
    imp(&one, "one-ts-after", after, "transition-steel");
    let r = deliver();
    assert_eq!(r["accepted"][0]["claim"], "final", "{r:#}");
    let r = deliver();
    assert!(
        r["accepted"].as_array().unwrap().is_empty() && r["alreadyAccepted"].as_array().unwrap().len() == 1,
        "{r:#}"
    );
    let fin = claimed(&maker);
    assert_ne!(fin, provisional);
    assert_eq!(fin, claimed(&one));
    assert!(fin.to_string().contains("\"provisional\":false"), "{fin:#}");
    assert_eq!(assess(&maker), assess(&one));
    let rec: Value = serde_json::from_str(&ok(&["reconcile", "--format", "json", "--database-url", &maker])).unwrap();
    assert_eq!(rec["mismatches"], 0, "{rec:#}");
    ok(&["verify", "--database-url", &maker]);
    let sent: Value = serde_json::from_str(&ok(&[
        "pact",
        "deliveries",
        "--entity",
        "transition-steel",
        "--format",
        "json",
        "--database-url",
        &ts,
    ]))
    .unwrap();
    assert_eq!(sent["accepted"][0]["claim"], "final", "{sent:#}");
    ts_s.stop();
    maker_s.stop();
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}
