//! Returns between servers (docs/pact.md "Returns between servers"): a buyer on another `custody
//! serve` sends a delivered transfer back, signed, and the seller's server books its return. Real
//! servers over HTTPS with their own databases and self-signed certificates.

use custody_store::{Registry, SqlStore, Store};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[path = "pact/server.rs"]
mod server;
use server::{client, custody, ok, post_event, token, Server};

/// 1000 t of ore at 120 kgCO2/t with 20 tC make 600 t of bar: 200 t (s1) and 300 t (s2) sold to
/// the buyer and delivered; 100 t (s3) sold later, never delivered. The period stays open.
const SELLER: &str = "entity seller \"Seller\"\n  ratios efi\n  gwp ar6\n\
period 2025-06 2025-06-01 2025-06-30\n\
site works \"Works\"\n  country DE\n  default\n\
counterparty ore-co \"Ore\"\ncounterparty buyer \"Buyer\"\n\
item ore \"Ore\"\n  category raw-material\nitem bar \"Bar\"\n  category product\n\
2025-06-02 purchase p1\n  supplier ore-co\n  item ore\n  quantity 1000 t\n  factor 120 kgCO2/t\n  content 20 tC\n\
2025-06-03 consume c1\n  use ore 1000 t\n2025-06-04 produce m1\n  output bar 600 t content 20 tC\n\
2025-06-05 sell s1\n  item bar\n  quantity 200 t\n  customer buyer share 100%\n\
2025-06-06 sell s2\n  item bar\n  quantity 300 t\n  customer buyer share 100%\n";
const S3: &str = "2025-06-07 sell s3\n  item bar\n  quantity 100 t\n  customer buyer share 100%\n";

const BUYER: &str = "entity buyer \"Buyer\"\n  ratios efi\n  gwp ar6\nperiod 2025-06 2025-06-01 2025-06-30\n\
counterparty seller \"Seller\"\nitem bar \"Bar\"\n  category raw-material\n";
const RECEIVE: &str = "2025-06-08 receive bar-in\n  transfer seller/s1/buyer\n  item bar\n";

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("custody-pact-return-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn import(d: &Path, db: &str, name: &str, text: &str, entity: Option<&str>) -> std::process::Output {
    let f = d.join(format!("{name}.journal"));
    std::fs::write(&f, text).unwrap();
    let mut args = vec!["import", f.to_str().unwrap(), "--database-url", db];
    if let Some(e) = entity {
        args.extend(["--entity", e]);
    }
    custody(&args)
}

fn db(d: &Path, name: &str, journal: &str) -> String {
    let db = format!("sqlite://{}", d.join(format!("{name}.db")).display());
    let o = import(d, &db, name, journal, None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    db
}

fn peer_add(db: &str, entity: &str, counterparty: &str, url: &str, creds: &(String, String)) {
    ok(&[
        "pact",
        "peer",
        "add",
        "--entity",
        entity,
        "--counterparty",
        counterparty,
        "--url",
        url,
        "--client-id",
        &creds.0,
        "--client-secret",
        &creds.1,
        "--database-url",
        db,
    ]);
}

/// POSTs a `ReturnDelivered` event carrying `signed` to `base` with a token of `creds`.
async fn post_return(base: &str, creds: &(String, String), source: &str, signed: &Value) -> (u16, Value) {
    let event = json!({"type": "org.custody.ReturnDelivered.1", "specversion": "1.0", "id": "r-1",
                       "source": source, "time": "2025-06-09T00:00:00Z", "data": signed});
    post_event(base, &token(base, creds).await, &event).await
}

/// A return of `transfer` signed by `key` as the buyer.
fn sign(key: &Path, transfer: &Value) -> Value {
    let key = custody_proof::SecretKey::from_file_text(&std::fs::read_to_string(key).unwrap()).unwrap();
    let head = custody_proof::head_of(&key, "buyer", &[custody_store::GENESIS.to_string()]).unwrap();
    serde_json::to_value(key.sign_document("pact-return", json!({"transfer": transfer}), head)).unwrap()
}

fn report(db: &str, entity: &str, kind: &str) -> Value {
    let args = ["report", kind, "--entity", entity, "--period", "2025-06", "--format", "json", "--database-url", db];
    serde_json::from_str(&ok(&args)).unwrap()
}

async fn records(db: &str, entity: &str, kind: &str) -> Vec<String> {
    let store = SqlStore::connect(db).await.unwrap();
    let mut k: Vec<String> = store.records(entity, kind).await.unwrap().into_iter().map(|(k, _)| k).collect();
    k.sort();
    k
}

#[tokio::test(flavor = "multi_thread")]
async fn a_buyer_on_another_server_returns_a_delivered_sale_and_both_books_equal_one_registry() {
    let d = dir("roundtrip");
    let seller = db(&d, "seller", SELLER);
    let buyer = db(&d, "buyer", BUYER);
    let keys = ["seller", "buyer", "stranger"].map(|n| {
        let k = d.join(format!("{n}.key"));
        ok(&["signing-key", "create", "-o", k.to_str().unwrap()]);
        k
    });
    let [seller_key, buyer_key, stranger_key] = &keys;
    // Each side issues the other a credential bound to it; the seller also an unbound one and one
    // bound to another buyer.
    let to_seller = client(&buyer, "buyer", Some("seller"));
    let to_buyer = client(&seller, "seller", Some("buyer"));
    let unbound = client(&seller, "seller", None);
    let elsewhere = client(&seller, "seller", Some("other-buyer"));

    // Delivery: the seller's server first, then the buyer's trusting its certificate.
    let s = Server::start(&d, "seller", &seller, &["--signing-key", seller_key.to_str().unwrap()]);
    let b = Server::start(
        &d,
        "buyer",
        &buyer,
        &["--signing-key", buyer_key.to_str().unwrap(), "--pact-ca-cert", s.cert.to_str().unwrap()],
    );
    peer_add(&seller, "seller", "buyer", &b.base, &to_seller);
    let deliver = ok(&[
        "pact",
        "deliver",
        "--entity",
        "seller",
        "--signing-key",
        seller_key.to_str().unwrap(),
        "--source",
        &s.base,
        "--ca-cert",
        b.cert.to_str().unwrap(),
        "--format",
        "json",
        "--database-url",
        &seller,
    ]);
    let r: Value = serde_json::from_str(&deliver).unwrap();
    assert_eq!(r["accepted"].as_array().unwrap().len(), 2, "{r:#}");
    // s3 is sold after the delivery run: never delivered. The buyer receives s1, refuses s2.
    assert!(import(&d, &seller, "s3", S3, Some("seller")).status.success());
    assert!(import(&d, &buyer, "receive", RECEIVE, Some("buyer")).status.success());
    // Before any return the seller cannot undo s2 on its own (the buyer's server holds it).
    let o = import(&d, &seller, "undo", "2025-06-09 return back\n  sale s2\n  customer buyer\n", Some("seller"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("accepted by the buyer's server"), "{o:?}");

    // The seller's server again, now trusting the buyer's certificate (it reads the buyer's key).
    s.stop();
    let s = Server::start(
        &d,
        "seller2",
        &seller,
        &["--signing-key", seller_key.to_str().unwrap(), "--pact-ca-cert", b.cert.to_str().unwrap()],
    );
    peer_add(&buyer, "buyer", "seller", &s.base, &to_buyer);

    // The transfers as the buyer's server holds them (delivered, signed by the seller).
    let delivered = |id: &str| {
        let buyer = buyer.clone();
        let id = id.to_string();
        async move {
            let store = SqlStore::connect(&buyer).await.unwrap();
            let rows = store.records("buyer", custody_store::delivered::DELIVERED).await.unwrap();
            let body = rows.into_iter().find(|(k, _)| *k == id).unwrap().1;
            serde_json::from_str::<Value>(&body).unwrap()["transfer"].clone()
        }
    };
    let s2 = delivered("seller/s2/buyer").await;
    let s3 = {
        let reg = Registry::new(SqlStore::connect(&seller).await.unwrap());
        let ledger = reg.ledger("seller").await.unwrap();
        let t = custody_store::sales_of("seller", &ledger, &["buyer".into()]).into_iter().find(|t| t.sale == "s3");
        custody_store::delivered::transfer_json(&t.unwrap())
    };
    let with = |f: &dyn Fn(&mut Value)| {
        let mut t = s2.clone();
        f(&mut t);
        t
    };
    let q = s2["quantity"].as_i64().unwrap();
    let a0 = s2["amounts"][0]["amount"].as_i64().unwrap();
    let mut tampered = sign(buyer_key, &s2);
    tampered["document"]["transfer"]["quantity"] = json!(q / 2);
    let unknown = with(&|t| {
        t["id"] = json!("seller/s9/buyer");
        t["sale"] = json!("s9");
    });
    #[allow(clippy::type_complexity)]
    let cases: Vec<(&str, &(String, String), Value, &str)> = vec![
        ("signed with a key the buyer does not publish", &to_buyer, sign(stranger_key, &s2), "V002 key_mismatch"),
        ("an unbound credential", &unbound, sign(buyer_key, &s2), "is bound to no buyer"),
        ("a credential bound to another buyer", &elsewhere, sign(buyer_key, &s2), "issued for the buyer `other-buyer`"),
        ("a changed document", &to_buyer, tampered, "V005 digest_mismatch"),
        ("an unknown transfer", &to_buyer, sign(buyer_key, &unknown), "return_unknown_transfer"),
        (
            "more than delivered",
            &to_buyer,
            sign(buyer_key, &with(&|t| t["quantity"] = json!(q + 1))),
            "return_mismatch: transfer `seller/s2/buyer`: the quantity 300000001 is more than the 300000000 delivered",
        ),
        ("a part", &to_buyer, sign(buyer_key, &with(&|t| t["quantity"] = json!(q / 2))), "whole transfer"),
        (
            "other amounts",
            &to_buyer,
            sign(buyer_key, &with(&|t| t["amounts"][0]["amount"] = json!(a0 - 1))),
            "the amounts are not the ones delivered",
        ),
        ("a sale never delivered", &to_buyer, sign(buyer_key, &s3), "return_not_delivered"),
    ];
    let head = |db: String| async move { SqlStore::connect(&db).await.unwrap().head("seller").await.unwrap() };
    let before = head(seller.clone()).await;
    for (case, creds, signed, want) in &cases {
        let (status, body) = post_return(&s.base, creds, &b.base, signed).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("BadRequest")), "{case}: {body}");
        let m = body["message"].as_str().unwrap();
        assert!(m.contains(want), "{case}: {m}");
    }
    // Refused, nothing written: no return kept or booked, no buyer key pinned.
    assert_eq!(head(seller.clone()).await, before);
    assert!(records(&seller, "seller", custody_store::delivered_return::RETURNED).await.is_empty());
    assert!(records(&seller, "seller", custody_server::pact_return::BUYER_KEY).await.is_empty());
    // The buyer's own command refuses a transfer it received (a receive is never undone).
    let send = |transfer: &str| {
        custody(&[
            "pact",
            "return",
            "--entity",
            "buyer",
            "--transfer",
            transfer,
            "--signing-key",
            buyer_key.to_str().unwrap(),
            "--source",
            &b.base,
            "--ca-cert",
            s.cert.to_str().unwrap(),
            "--format",
            "json",
            "--database-url",
            &buyer,
        ])
    };
    let o = send("seller/s1/buyer");
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("booked a receive"), "{o:?}");

    // The return of s2: accepted, the seller's return booked, the buyer's key pinned.
    let o = send("seller/s2/buyer");
    let out: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    assert!(o.status.success(), "{out} {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(out["returned"], "seller/s2/buyer");
    assert_eq!(records(&seller, "seller", custody_store::delivered_return::RETURNED).await, ["seller/s2/buyer"]);
    assert_eq!(records(&seller, "seller", custody_server::pact_return::BUYER_KEY).await, ["buyer"]);
    assert_eq!(records(&buyer, "buyer", custody_store::delivered_return::RETURN_SENT).await, ["seller/s2/buyer"]);
    // Replayed (the same return signed again): refused; the command refuses to send it twice.
    let (status, body) = post_return(&s.base, &to_buyer, &b.base, &sign(buyer_key, &s2)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().starts_with("return_replayed"), "{body}");
    let o = send("seller/s2/buyer");
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("returned already"), "{o:?}");
    // The buyer can no longer receive s2.
    let o =
        import(&d, &buyer, "late", "2025-06-10 receive late\n  transfer seller/s2/buyer\n  item bar\n", Some("buyer"));
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("returned"), "{o:?}");
    s.stop();
    b.stop();

    // One registry where the buyer refused s2 (`Registry::reject`): the same statements, to the gram.
    let one = format!("sqlite://{}", d.join("one.db").display());
    for (name, text, entity) in
        [("one-seller", SELLER, None), ("one-s3", S3, Some("seller")), ("one-buyer", BUYER, None)]
    {
        assert!(import(&d, &one, name, text, entity).status.success(), "{name}");
    }
    assert!(import(&d, &one, "one-receive", RECEIVE, Some("buyer")).status.success());
    Registry::new(SqlStore::connect(&one).await.unwrap()).reject("buyer", "seller/s2/buyer").await.unwrap();
    for kind in ["ledger", "balances", "product-intensity", "entity-emissions", "eledger", "carbon-balance"] {
        assert_eq!(report(&seller, "seller", kind), report(&one, "seller", kind), "seller {kind}");
    }
    for kind in ["ledger", "balances", "entity-emissions", "carbon-balance", "purchased-goods"] {
        assert_eq!(report(&buyer, "buyer", kind), report(&one, "buyer", kind), "buyer {kind}");
    }
    // Reconciliation on both sides: s2 returned, s1 received, nothing mismatched.
    let status = |db: &str| {
        let rec: Value = serde_json::from_str(&ok(&["reconcile", "--format", "json", "--database-url", db])).unwrap();
        assert_eq!(rec["mismatches"], 0, "{rec:#}");
        let mut rows: Vec<(String, String)> = rec["transfers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["id"].as_str().unwrap().to_string(), t["status"].as_str().unwrap().to_string()))
            .collect();
        rows.sort();
        rows
    };
    let row = |id: &str, s: &str| (id.to_string(), s.to_string());
    assert_eq!(status(&buyer), [row("seller/s1/buyer", "received"), row("seller/s2/buyer", "returned")]);
    assert_eq!(status(&seller), [row("seller/s2/buyer", "returned")]);
    let sent: Value = serde_json::from_str(&ok(&[
        "pact",
        "deliveries",
        "--entity",
        "seller",
        "--format",
        "json",
        "--database-url",
        &seller,
    ]))
    .unwrap();
    assert_eq!(sent["returned"][0]["id"], "seller/s2/buyer", "{sent:#}");
    for db in [&seller, &buyer, &one] {
        ok(&["verify", "--database-url", db]);
    }
}

/// The seller closed the sale's period before the buyer's return arrived: its server keeps the
/// signed return (lifting its own refusal of that sale's return) but cannot book it
/// (`return_not_booked`). That is no refusal: the buyer's return stays pending, so the buyer can
/// never receive the transfer while the seller may undo the sale: the carbon is in one book.
#[tokio::test(flavor = "multi_thread")]
async fn a_return_the_seller_cannot_book_stays_pending_and_blocks_the_receive() {
    let d = dir("closed");
    let seller = db(&d, "seller", SELLER);
    let buyer = db(&d, "buyer", BUYER);
    let [seller_key, buyer_key] = ["seller", "buyer"].map(|n| {
        let k = d.join(format!("{n}.key"));
        ok(&["signing-key", "create", "-o", k.to_str().unwrap()]);
        k
    });
    let to_seller = client(&buyer, "buyer", Some("seller"));
    let to_buyer = client(&seller, "seller", Some("buyer"));
    let s = Server::start(&d, "seller", &seller, &["--signing-key", seller_key.to_str().unwrap()]);
    let b = Server::start(
        &d,
        "buyer",
        &buyer,
        &["--signing-key", buyer_key.to_str().unwrap(), "--pact-ca-cert", s.cert.to_str().unwrap()],
    );
    peer_add(&seller, "seller", "buyer", &b.base, &to_seller);
    let cert = b.cert.to_str().unwrap().to_string();
    let deliver = ["pact", "deliver", "--entity", "seller", "--signing-key", seller_key.to_str().unwrap()];
    ok(&[&deliver[..], &["--source", &s.base, "--ca-cert", &cert, "--format", "json", "--database-url", &seller]]
        .concat());
    s.stop();
    assert!(import(&d, &seller, "close", "close 2025-06\n", Some("seller")).status.success());
    let s = Server::start(
        &d,
        "seller2",
        &seller,
        &["--signing-key", seller_key.to_str().unwrap(), "--pact-ca-cert", b.cert.to_str().unwrap()],
    );
    peer_add(&buyer, "buyer", "seller", &s.base, &to_buyer);
    let send = || {
        custody(&[
            "pact",
            "return",
            "--entity",
            "buyer",
            "--transfer",
            "seller/s2/buyer",
            "--signing-key",
            buyer_key.to_str().unwrap(),
            "--source",
            &b.base,
            "--ca-cert",
            s.cert.to_str().unwrap(),
            "--format",
            "json",
            "--database-url",
            &buyer,
        ])
    };
    for attempt in 0..2 {
        let o = send();
        let out: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
        assert!(!o.status.success(), "attempt {attempt}: {out}");
        assert_eq!(out["pending"], "seller/s2/buyer", "attempt {attempt}: {out}");
        assert!(out["body"]["message"].as_str().unwrap().starts_with("return_not_booked"), "{out}");
        // Not refused: the buyer cannot receive the transfer.
        assert!(records(&buyer, "buyer", custody_store::delivered_return::RETURN_REFUSED).await.is_empty());
        let o = import(
            &d,
            &buyer,
            "late",
            "2025-06-10 receive late\n  transfer seller/s2/buyer\n  item bar\n",
            Some("buyer"),
        );
        assert!(!o.status.success(), "attempt {attempt}: the receive of a transfer being returned must be refused");
    }
    assert_eq!(records(&seller, "seller", custody_store::delivered_return::RETURNED).await, ["seller/s2/buyer"]);
    s.stop();
    b.stop();
    for db in [&seller, &buyer] {
        ok(&["verify", "--database-url", db]);
    }
}
