//! A footprint withdrawn over HTTPS (docs/pact.md "Versions"): the owner withdraws a required
//! declaration, so its footprints are no longer generated: each is served `Deprecated`, readable
//! by id, matched by `status=Deprecated`, announced to the peer in a `PublishedEvent`, and every
//! footprint served still validates against the v3 schema (skipped with a message without
//! `../shared`).

use serde_json::{json, Value};
use std::path::PathBuf;

#[path = "pact/requester.rs"]
mod requester;
#[path = "pact/server.rs"]
mod server;
use server::{ok, Server};

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

fn http() -> reqwest::Client {
    reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap()
}

async fn get(base: &str, path: &str, creds: &(String, String)) -> (u16, Value) {
    let t: Value = http()
        .post(format!("{base}/auth/token"))
        .basic_auth(&creds.0, Some(&creds.1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = http().get(format!("{base}{path}")).bearer_auth(t["access_token"].as_str().unwrap()).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn ids(list: &Value) -> Vec<String> {
    let mut v: Vec<String> =
        list["data"].as_array().unwrap().iter().map(|pf| pf["id"].as_str().unwrap().to_string()).collect();
    v.sort();
    v
}

/// The v3 ProductFootprint schema, when `../shared` is there.
fn schema() -> Option<jsonschema::Validator> {
    let d = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/ext/pact/v3/openapi.yaml"));
    let Ok(text) = std::fs::read_to_string(&d) else {
        eprintln!("SKIPPED: schema validation: {} is absent", d.display());
        return None;
    };
    let doc: Value = serde_json::to_value(serde_yaml::from_str::<serde_yaml::Value>(&text).unwrap()).unwrap();
    let schema = json!({"$ref": "#/components/schemas/ProductFootprint", "components": doc["components"]});
    Some(jsonschema::draft202012::new(&schema).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_withdrawn_footprint_is_deprecated_readable_and_announced() {
    let d = std::env::temp_dir().join(format!("custody-pact-deprecated-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let journal = d.join("seller.journal");
    std::fs::write(&journal, SELLER).unwrap();
    let db = format!("sqlite://{}", d.join("seller.db").display());
    ok(&["import", journal.to_str().unwrap(), "--database-url", &db]);
    let c: Value = serde_json::from_str(&ok(&[
        "pact",
        "client",
        "create",
        "--entity",
        "seller",
        "--format",
        "json",
        "--database-url",
        &db,
    ]))
    .unwrap();
    let creds = (c["client_id"].as_str().unwrap().to_string(), c["client_secret"].as_str().unwrap().to_string());
    let ca = d.join("requester.pem");
    let (peer, received) = requester::requester(&ca);
    ok(&[
        "pact",
        "peer",
        "add",
        "--entity",
        "seller",
        "--customer",
        "buyer",
        "--url",
        &peer,
        "--client-id",
        "test_client_id",
        "--client-secret",
        "test_client_secret",
        "--database-url",
        &db,
    ]);
    let start = |declared: bool| {
        let mut a = vec!["--pact-standard", "GHGP-Product", "--pact-ca-cert", ca.to_str().unwrap()];
        if declared {
            a.extend(["--pact-exempted", "0"]);
        }
        Server::start(&d, "seller", &db, &a)
    };
    let validator = schema();
    let valid = |list: &Value| {
        for pf in list["data"].as_array().unwrap() {
            if let Some(v) = &validator {
                let errors: Vec<String> = v.iter_errors(pf).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{errors:?}");
            }
        }
    };

    let s = start(true);
    let (_, first) = get(&s.base, "/3/footprints", &creds).await;
    assert_eq!(ids(&first).len(), 2);
    valid(&first);
    s.stop();

    // The owner withdraws its exemptedEmissionsPercent: nothing is generated complete any more.
    let s = start(false);
    let (status, all) = get(&s.base, "/3/footprints", &creds).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&all), ids(&first), "the same footprints, still served");
    assert!(all["data"].as_array().unwrap().iter().all(|pf| pf["status"] == "Deprecated"), "{all:#}");
    valid(&all);
    let (_, deprecated) = get(&s.base, "/3/footprints?status=Deprecated", &creds).await;
    assert_eq!(ids(&deprecated), ids(&first));
    let (_, active) = get(&s.base, "/3/footprints?status=Active", &creds).await;
    assert_eq!(ids(&active), Vec::<String>::new());
    for id in ids(&first) {
        let (status, one) = get(&s.base, &format!("/3/footprints/{id}"), &creds).await;
        assert_eq!((status, one["data"]["status"].as_str()), (200, Some("Deprecated")), "{one:#}");
        // Nothing else changed: the published content, but for its status (and the extension's
        // schema URL, on the host the request named: this server listens on another port).
        let mut before = first["data"].as_array().unwrap().iter().find(|pf| pf["id"] == id.as_str()).unwrap().clone();
        before["status"] = json!("Deprecated");
        before["extensions"][0]["dataSchema"] = one["data"]["extensions"][0]["dataSchema"].clone();
        assert_eq!(one["data"], before);
    }
    // The peer is told, once, in a PublishedEvent naming both.
    let mut got = Vec::new();
    for _ in 0..100 {
        got = received.lock().unwrap().clone();
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0]["type"], "org.wbcsd.pact.ProductFootprint.PublishedEvent.3");
    let mut announced: Vec<String> =
        got[0]["data"]["pfIds"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect();
    announced.sort();
    assert_eq!(announced, ids(&first));
    let _ = get(&s.base, "/3/footprints", &creds).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(received.lock().unwrap().len(), 1, "announced once");
    s.stop();

    // Declared again: new versions, Active, naming the withdrawn ones; those stay Deprecated.
    let s = start(true);
    let (_, active) = get(&s.base, "/3/footprints?status=Active", &creds).await;
    let active = active["data"].as_array().unwrap().clone();
    assert_eq!(active.len(), 2);
    for pf in &active {
        let preceding = pf["precedingPfIds"].as_array().unwrap();
        assert_eq!(preceding.len(), 1);
        assert!(ids(&first).contains(&preceding[0].as_str().unwrap().to_string()));
    }
    let (_, all) = get(&s.base, "/3/footprints", &creds).await;
    assert_eq!(all["data"].as_array().unwrap().len(), 4);
    valid(&all);
    s.stop();
}
