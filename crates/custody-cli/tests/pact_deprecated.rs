//! Deprecation is never decided by a configuration slip (docs/pact.md "Withdrawn"), over HTTPS: a
//! server restarted without the owner's declarations (`--pact-exempted` left off) keeps serving
//! the published footprints `Active`, unchanged, announces nothing to its peer, and publishes no
//! new version when started with them again; every footprint served validates against the v3
//! schema (skipped with a message without `../shared`). The withdrawal of a footprint no longer
//! generated is `crates/custody-server/tests/pact_withdrawn.rs`.

use serde_json::{json, Value};
use std::path::PathBuf;

#[path = "pact/requester.rs"]
mod requester;
#[path = "pact/server.rs"]
mod server;
use server::{get, ok, token, Server};

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

/// `GET {base}{path}` with a token of `creds`.
async fn get_as(base: &str, path: &str, creds: &(String, String)) -> (u16, Value) {
    get(base, path, &token(base, creds).await).await
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
async fn a_server_started_without_declarations_deprecates_nothing() {
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
    let (_, first) = get_as(&s.base, "/3/footprints", &creds).await;
    assert_eq!(ids(&first).len(), 2);
    valid(&first);
    s.stop();

    // Restarted without `--pact-exempted`: nothing is generated complete, and nothing changes.
    let s = start(false);
    let (status, all) = get_as(&s.base, "/3/footprints", &creds).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&all), ids(&first), "the same footprints, still served");
    assert!(all["data"].as_array().unwrap().iter().all(|pf| pf["status"] == "Active"), "{all:#}");
    valid(&all);
    let (_, deprecated) = get_as(&s.base, "/3/footprints?status=Deprecated", &creds).await;
    assert_eq!(ids(&deprecated), Vec::<String>::new());
    for id in ids(&first) {
        let (status, one) = get_as(&s.base, &format!("/3/footprints/{id}"), &creds).await;
        assert_eq!((status, one["data"]["status"].as_str()), (200, Some("Active")), "{one:#}");
        // The published content, unchanged (but for the extension's schema URL, on the host the
        // request named: this server listens on another port).
        let mut before = first["data"].as_array().unwrap().iter().find(|pf| pf["id"] == id.as_str()).unwrap().clone();
        before["extensions"][0]["dataSchema"] = one["data"]["extensions"][0]["dataSchema"].clone();
        assert_eq!(one["data"], before);
    }
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert!(received.lock().unwrap().is_empty(), "nothing announced: {:?}", received.lock().unwrap());
    s.stop();

    // Declared again: the same footprints, no new version.
    let s = start(true);
    let (_, all) = get_as(&s.base, "/3/footprints", &creds).await;
    assert_eq!(ids(&all), ids(&first));
    assert!(all["data"].as_array().unwrap().iter().all(|pf| pf["status"] == "Active"));
    valid(&all);
    s.stop();
}
