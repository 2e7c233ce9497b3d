//! The web interface's routes (`GET /`, `/ui/{page}`, `/ui/assets/{file}`, `/ui/scales.json`) and
//! the entries route its ledger page reads (`GET /entities/{id}/entries`). The pages themselves are
//! tested in a browser by `crates/custody-cli/tests/ui.rs`.

use custody_server::auth::{create_key, Role};
use custody_server::{app, AppState};
use custody_store::{MemoryStore, Registry};
use serde_json::{json, Value};
use std::sync::Arc;

async fn get(base: &str, path: &str, key: &str) -> (u16, Value) {
    let res = reqwest::Client::new().get(format!("{base}{path}")).bearer_auth(key).send().await.unwrap();
    (res.status().as_u16(), res.json::<Value>().await.unwrap())
}

async fn start() -> (String, Arc<AppState<MemoryStore>>) {
    let state = Arc::new(AppState::new(Registry::new(MemoryStore::new())));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app(state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), state)
}

#[tokio::test]
async fn the_shell_and_every_asset_are_served_with_a_strict_policy() {
    let (base, _) = start().await;
    let http = reqwest::Client::new();
    let mut paths: Vec<String> = vec!["/".into()];
    paths.extend(custody_server::ui::PAGES.iter().map(|p| format!("/ui/{p}")));
    paths.extend(custody_server::ui::ASSETS.iter().map(|(f, _, _)| format!("/ui/assets/{f}")));
    for path in &paths {
        let res = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        let ty = res.headers()["content-type"].to_str().unwrap().to_string();
        let body = res.text().await.unwrap();
        if path.ends_with(".js") {
            assert!(ty.starts_with("text/javascript"), "{path}: {ty}");
            // Text from a ledger is only ever set as text: no script builds HTML from strings.
            assert!(!body.contains("innerHTML") && !body.contains("insertAdjacentHTML"), "{path}");
        } else if path.ends_with(".css") {
            assert!(ty.starts_with("text/css"));
        } else {
            assert!(ty.starts_with("text/html"));
            assert!(body.contains("/ui/assets/app.js") && !body.contains("<script>"), "{path}");
        }
    }
    // Every module the scripts import is an asset that is served.
    for (file, _, body) in custody_server::ui::ASSETS {
        for imported in body.split("from './").skip(1).chain(body.split("import('./").skip(1)) {
            let name = &imported[..imported.find('\'').unwrap()];
            assert!(custody_server::ui::ASSETS.iter().any(|(f, _, _)| *f == name), "{file} imports {name}");
        }
    }
    for path in ["/ui/nope", "/ui/assets/nope.js", "/ui/assets/../Cargo.toml"] {
        let res = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    // The interface is not part of the API's description.
    let doc: Value = http.get(format!("{base}/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["paths"].as_object().unwrap().keys().all(|p| p != "/" && !p.starts_with("/ui")));
}

#[tokio::test]
async fn scales_are_the_frameworks_levels_at_zero_and_full_scrap() {
    let (base, _) = start().await;
    let v: Value = reqwest::get(format!("{base}/ui/scales.json")).await.unwrap().json().await.unwrap();
    let fws = v["frameworks"].as_array().unwrap();
    assert_eq!(fws.len(), custody_frameworks::shared().len());
    // IEA near zero (IEA 2022 Technical Annex p.133): E_nz(s) = 400 - 350 s kg CO2e/t.
    let iea = fws.iter().find(|f| f["id"] == "iea-near-zero").unwrap();
    let nz = iea["levels"].as_array().unwrap().iter().find(|l| l["name"] == "near-zero").unwrap();
    assert_eq!((nz["at_0"].as_str(), nz["at_1"].as_str()), (Some("0.4"), Some("0.05")));
    assert_eq!(iea["comparison"], "<");
}

#[tokio::test]
async fn entries_carry_the_hash_chain_page_by_sequence_and_find_an_operation() {
    let (base, state) = start().await;
    let http = reqwest::Client::new();
    let root = create_key(state.registry.store(), Role::Admin, None, vec![]).await.unwrap().1;
    let post =
        |path: &str, key: &str, body: Value| http.post(format!("{base}{path}")).bearer_auth(key).json(&body).send();
    assert_eq!(post("/entities", &root, json!({"id": "a", "name": "A"})).await.unwrap().status(), 201);
    let v: Value = post("/keys", &root, json!({"role": "member", "entity": "a"})).await.unwrap().json().await.unwrap();
    let member = v["secret"].as_str().unwrap().to_string();
    let journal =
        "counterparty sup \"S\"\nitem ore \"Ore\"\n  category raw-material\nperiod 2025-01 2025-01-01 2025-01-31\n\
                   2025-01-02 purchase p1\n  supplier sup\n  item ore\n  quantity 10 t\n  factor 5 kgCO2/t\n\
                   2025-01-03 purchase p2\n  supplier sup\n  item ore\n  quantity 20 t\n  factor 5 kgCO2/t\n";
    let res = post("/entities/a/journal", &member, json!({"journal": journal})).await.unwrap();
    assert_eq!(res.status(), 200);
    let (_, all) = get(&base, "/entities/a/entries", &member).await;
    let items = all["items"].as_array().unwrap();
    assert_eq!((all["total"].as_u64(), items.len()), (Some(6), 6));
    // Each entry chains to the one before: SHA-256 over prev, text and transaction, newline-separated.
    let mut prev = custody_store::GENESIS.to_string();
    for (i, e) in items.iter().enumerate() {
        assert_eq!(e["seq"], i as u64 + 1);
        assert_eq!(e["prev_hash"], prev.as_str());
        let hash = custody_store::chain_hash(&prev, e["text"].as_str().unwrap(), e["transaction"].as_str());
        assert_eq!(e["hash"], hash.as_str());
        prev = hash;
    }
    let (_, page) = get(&base, "/entities/a/entries?offset=4&limit=1", &member).await;
    assert_eq!((page["items"][0]["seq"].as_u64(), page["next_offset"].as_u64()), (Some(5), Some(5)));
    let (_, one) = get(&base, "/entities/a/entries?operation=p2", &member).await;
    assert_eq!((one["total"].as_u64(), one["items"][0]["seq"].as_u64()), (Some(1), Some(6)));
    assert!(one["items"][0]["text"].as_str().unwrap().contains("purchase p2"));
    assert!(one["items"][0]["transaction"].as_str().is_some());
    let (_, none) = get(&base, "/entities/a/entries?operation=nope", &member).await;
    assert_eq!(none["total"], 0);
    // The key rules of the other reads: a member of another entity, and an unknown key, are refused.
    assert_eq!(post("/entities", &root, json!({"id": "b", "name": "B"})).await.unwrap().status(), 201);
    let v: Value = post("/keys", &root, json!({"role": "member", "entity": "b"})).await.unwrap().json().await.unwrap();
    let (status, _) = get(&base, "/entities/a/entries", v["secret"].as_str().unwrap()).await;
    assert_eq!(status, 403);
    let (status, _) = get(&base, "/entities/a/entries", "cst_wrong").await;
    assert_eq!(status, 401);
    let (status, _) = get(&base, "/entities/a/entries?limit=0", &member).await;
    assert_eq!(status, 400);
}
