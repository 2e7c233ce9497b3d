//! End-to-end tests of the HTTP API over TCP on 127.0.0.1: access control, errors, pagination,
//! transfers, and many concurrent writers on PostgreSQL (when DATABASE_URL is set).

use custody_server::auth::{create_key, Role};
use custody_server::{app, AppState};
use custody_store::{MemoryStore, Registry, SqlStore, Store};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

struct Api {
    base: String,
    http: Client,
}

impl Api {
    async fn start<S: Store + 'static>(store: S) -> (Api, Arc<AppState<S>>) {
        let state = Arc::new(AppState::new(Registry::new(store)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = app(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (Api { base: format!("http://{addr}"), http: Client::new() }, state)
    }

    async fn call(&self, method: &str, path: &str, key: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.base);
        let mut req = match method {
            "GET" => self.http.get(&url),
            "POST" => self.http.post(&url),
            "DELETE" => self.http.delete(&url),
            _ => unreachable!(),
        };
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn journal(&self, entity: &str, key: &str, text: &str) -> (StatusCode, Value) {
        self.call("POST", &format!("/entities/{entity}/journal"), Some(key), Some(json!({"journal": text}))).await
    }
}

async fn admin<S: Store>(state: &AppState<S>) -> String {
    create_key(state.registry.store(), Role::Admin, None, vec![]).await.unwrap().1
}

const SETUP: &str = "counterparty sup \"Supplier\"\ncounterparty b \"Entity B\"\nitem ore \"Ore\"\n  category raw-material\n  carbon-content 0.01\n\
    item steel \"Steel\"\n  category product\nperiod 2025-01 2025-01-01 2025-01-31\n";

/// Creates entity `id` with a member key and the SETUP definitions; returns the member key.
async fn entity(api: &Api, admin_key: &str, id: &str) -> String {
    let (s, _) = api.call("POST", "/entities", Some(admin_key), Some(json!({"id": id, "name": id}))).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v) = api.call("POST", "/keys", Some(admin_key), Some(json!({"role": "member", "entity": id}))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let key = v["secret"].as_str().unwrap().to_string();
    // A company is not its own counterparty: entity `b` leaves its own line out.
    let setup = SETUP.replace(&format!("counterparty {id} \"Entity B\"\n"), "");
    let (s, v) = api.journal(id, &key, &setup).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn keys_isolate_ledgers() {
    let (api, state) = Api::start(MemoryStore::new()).await;
    let root = admin(&state).await;
    let a = entity(&api, &root, "a").await;
    let b = entity(&api, &root, "b").await;
    let buy = "2025-01-02 purchase p1\n  supplier sup\n  item ore\n  quantity 10 t\n  factor 5 kgCO2/t\n";
    assert_eq!(api.journal("a", &a, buy).await.0, StatusCode::OK);

    // B's key can neither read nor write A's ledger.
    for path in ["/entities/a/transactions", "/entities/a/reports/balances", "/entities/a/verify", "/entities/a/export"]
    {
        let (s, v) = api.call("GET", path, Some(&b), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {v}");
        assert_eq!(v["code"], "forbidden");
    }
    assert_eq!(api.journal("a", &b, buy).await.0, StatusCode::FORBIDDEN);
    // An admin creates but does not write ledgers.
    assert_eq!(api.journal("a", &root, buy).await.0, StatusCode::FORBIDDEN);

    // A verifier reads what it was granted, writes nothing, reads nothing else.
    let (_, v) = api.call("POST", "/keys", Some(&root), Some(json!({"role": "verifier", "grants": ["a"]}))).await;
    let verifier = v["secret"].as_str().unwrap().to_string();
    let (s, v) = api.call("GET", "/entities/a/reports/balances", Some(&verifier), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["stocks_total_tC"], v["flows_total_tC"]);
    // The GHG inventory is a report like the others, by period or by calendar year.
    let (s, v) = api.call("GET", "/entities/a/reports/ghg-inventory?year=2025", Some(&verifier), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["statement"].as_str(), v["year"].as_i64()), (Some("ghg-inventory"), Some(2025)));
    assert_eq!(v["scope3"][0]["by_gas"][0]["tCO2e"].as_f64(), Some(0.05), "{v}");
    assert_eq!(v["reconciliation"]["difference_gC"], 0);
    let (s, _) = api.call("GET", "/entities/a/reports/ghg-inventory?year=2025&period=x", Some(&verifier), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(api.call("GET", "/entities/a/verify", Some(&verifier), None).await.1["ok"], true);
    assert_eq!(api.journal("a", &verifier, buy).await.0, StatusCode::FORBIDDEN);
    assert_eq!(api.call("GET", "/entities/b/transactions", Some(&verifier), None).await.0, StatusCode::FORBIDDEN);
    let (_, v) = api.call("GET", "/entities", Some(&verifier), None).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);

    // A revoked key is refused; unknown and missing keys too.
    let (_, v) = api.call("POST", "/keys", Some(&root), Some(json!({"role": "member", "entity": "a"}))).await;
    let (id, secret) = (v["id"].as_str().unwrap().to_string(), v["secret"].as_str().unwrap().to_string());
    assert_eq!(api.call("GET", "/entities/a/transactions", Some(&secret), None).await.0, StatusCode::OK);
    assert_eq!(api.call("DELETE", &format!("/keys/{id}"), Some(&root), None).await.0, StatusCode::NO_CONTENT);
    let (s, v) = api.call("GET", "/entities/a/transactions", Some(&secret), None).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
    assert!(v["detail"].as_str().unwrap().contains("revoked"));
    assert_eq!(api.call("GET", "/entities/a/transactions", Some("cst_nope"), None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(api.call("GET", "/entities/a/transactions", None, None).await.0, StatusCode::UNAUTHORIZED);
    // Only an admin creates keys and entities.
    assert_eq!(api.call("POST", "/keys", Some(&a), Some(json!({"role": "admin"}))).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        api.call("POST", "/entities", Some(&a), Some(json!({"id": "x", "name": "x"}))).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn errors_are_problem_json_with_the_rejection_code() {
    let (api, state) = Api::start(MemoryStore::new()).await;
    let root = admin(&state).await;
    let a = entity(&api, &root, "a").await;
    // A batch of two: the second is rejected, so neither is written.
    let batch = "2025-01-02 purchase p1\n  supplier sup\n  item ore\n  quantity 10 t\n  attributed 1 tCO2\n\
                 2025-01-03 consume c1\n  use ore 11 t\n";
    let res =
        api.http.post(format!("{}/entities/a/journal", api.base)).bearer_auth(&a).body(batch).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["code"], "insufficient_quantity");
    assert_eq!(v["index"], 1);
    assert_eq!(v["operation"], "c1");
    assert_eq!(v["violations"][0]["number"], 12);
    let (_, v) = api.call("GET", "/entities/a/transactions", Some(&a), None).await;
    assert_eq!(v["total"], 0, "nothing of a rejected batch is written");
    // Syntax errors name line and column.
    let (s, v) = api.journal("a", &a, "2025-01-02 purchase p1\n  quantity ten t\n").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "journal_syntax");
    assert_eq!(v["errors"][0]["line"], 2);
    // Unknown entity, unknown report.
    let (_, v) = api.call("POST", "/keys", Some(&root), Some(json!({"role": "member", "entity": "ghost"}))).await;
    assert_eq!(v["code"], "not_found");
    assert_eq!(api.call("GET", "/entities/a/reports/nonsense", Some(&a), None).await.0, StatusCode::NOT_FOUND);
    // Creating an entity twice is a conflict.
    let (s, _) = api.call("POST", "/entities", Some(&root), Some(json!({"id": "a", "name": "a"}))).await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lists_are_paginated_and_the_openapi_document_lists_every_route() {
    let (api, state) = Api::start(MemoryStore::new()).await;
    let root = admin(&state).await;
    let a = entity(&api, &root, "a").await;
    let mut batch = String::new();
    for i in 0..25 {
        batch.push_str(&format!(
            "2025-01-02 purchase p{i}\n  supplier sup\n  item ore\n  quantity {} t\n  attributed 1 tCO2\n",
            i + 1
        ));
    }
    let (s, v) = api.journal("a", &a, &batch).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["outcomes"].as_array().unwrap().len(), 25);
    let mut seen = Vec::new();
    let mut offset = Some(0);
    while let Some(o) = offset {
        let (_, v) = api.call("GET", &format!("/entities/a/transactions?offset={o}&limit=10"), Some(&a), None).await;
        assert_eq!(v["total"], 25);
        seen.extend(v["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_string()));
        offset = v["next_offset"].as_u64().map(|n| n as usize);
    }
    assert_eq!(seen, (0..25).map(|i| format!("p{i}")).collect::<Vec<_>>());
    assert_eq!(
        api.call("GET", "/entities/a/transactions?limit=100000", Some(&a), None).await.0,
        StatusCode::BAD_REQUEST
    );
    // Posting the same batch again is a no-op: every entry a duplicate.
    let (_, v) = api.journal("a", &a, &batch).await;
    assert!(v["outcomes"].as_array().unwrap().iter().all(|o| o["result"] == "duplicate"));

    let (s, doc) = api.call("GET", "/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    for (method, path, _, _) in custody_server::ROUTES {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} is not documented");
    }
    assert_eq!(
        doc["paths"].as_object().unwrap().len(),
        custody_server::ROUTES.iter().map(|r| r.1).collect::<std::collections::BTreeSet<_>>().len()
            + custody_server::pact_doc::PACT_ROUTES.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn transfers_are_accepted_once_and_counterparties_see_only_theirs() {
    let (api, state) = Api::start(MemoryStore::new()).await;
    let root = admin(&state).await;
    let a = entity(&api, &root, "a").await;
    let b = entity(&api, &root, "b").await;
    let c = entity(&api, &root, "c").await;
    let sale = "counterparty c \"C\"\n2025-01-02 purchase p1\n  supplier sup\n  item ore\n  quantity 10 t\n  factor 5 kgCO2/t\n\
                2025-01-03 consume c1\n  use ore 10 t\n2025-01-03 produce m1\n  output steel 8 t\n\
                2025-01-04 sell s1\n  item steel\n  customer b 5 t\n  customer c 3 t\n";
    let (s, v) = api.journal("a", &a, sale).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // B needs A as a counterparty to book from it.
    assert_eq!(api.journal("b", &b, "counterparty a \"A\"\n").await.0, StatusCode::OK);

    // A counterparty key of B sees the transfer addressed to B, not the one to C.
    let (_, v) = api.call("POST", "/keys", Some(&root), Some(json!({"role": "counterparty", "entity": "b"}))).await;
    let cp = v["secret"].as_str().unwrap().to_string();
    let (s, v) = api.call("GET", "/entities/b/transfers", Some(&cp), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(v["items"][0]["id"], "a/s1/b");
    assert_eq!(api.call("GET", "/entities/b/transactions", Some(&cp), None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(api.call("GET", "/entities/a/transfers", Some(&cp), None).await.0, StatusCode::FORBIDDEN);
    let (_, v) = api.call("GET", "/reconciliation", Some(&cp), None).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);

    // B accepts once; a second accept is refused; C cannot accept B's transfer.
    let accept = json!({"transfer": "a/s1/b", "item": "steel", "date": "2025-01-05"});
    let (s, v) = api.call("POST", "/entities/b/transfers/accept", Some(&b), Some(accept.clone())).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api
        .call(
            "POST",
            "/entities/b/transfers/accept",
            Some(&b),
            Some(json!({"transfer": "a/s1/b", "item": "steel", "date": "2025-01-05", "id": "again"})),
        )
        .await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("transfer_invalid")), "{v}");
    let (s, _) = api.call("POST", "/entities/c/transfers/accept", Some(&c), Some(accept)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Receiving a transfer never sent is refused.
    let (s, v) = api
        .call(
            "POST",
            "/entities/b/transfers/accept",
            Some(&b),
            Some(json!({"transfer": "a/s9/b", "item": "steel", "date": "2025-01-05"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // C refuses its delivery: it goes back into A's inventory.
    let (s, v) = api
        .call(
            "POST",
            "/entities/c/transfers/reject",
            Some(&c),
            Some(json!({"transfer": "a/s1/c", "date": "2025-01-06"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = api.call("GET", "/reconciliation", Some(&root), None).await;
    let statuses: Vec<&str> = v["items"].as_array().unwrap().iter().map(|t| t["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["received", "returned"]);
    assert_eq!(v["mismatches"], 0);
    for (id, key) in [("a", &a), ("b", &b)] {
        assert_eq!(api.call("GET", &format!("/entities/{id}/verify"), Some(key), None).await.1["ok"], true);
    }
}

/// Hundreds of concurrent writers to one ledger on PostgreSQL: nothing lost, nothing doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_lose_and_double_nothing_on_postgres() {
    let Some(url) = custody_store::conformance::postgres_url("concurrent_writers_lose_and_double_nothing_on_postgres")
    else {
        return;
    };
    let name = format!("custody_test_{}_api", std::process::id());
    let admin_db = SqlStore::connect(&url).await.unwrap();
    admin_db.execute_raw(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.unwrap();
    admin_db.execute_raw(&format!("CREATE DATABASE {name}")).await.unwrap();
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap();
    let store = SqlStore::connect(&format!("{base}/{name}")).await.unwrap();
    let (api, state) = Api::start(store).await;
    let root = admin(&state).await;
    let key = entity(&api, &root, "mill").await;
    let api = Arc::new(api);

    const WRITERS: usize = 300;
    let mut tasks = Vec::new();
    for i in 0..WRITERS {
        let (api, key) = (api.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            // Every tenth request repeats an earlier id with the same content: it must not double.
            let n = if i % 10 == 9 { i - 1 } else { i };
            let text = format!(
                "2025-01-02 purchase buy-{n}\n  supplier sup\n  item ore\n  quantity {} t\n  factor 7 kgCO2/t\n",
                n + 1
            );
            let (s, v) = api.journal("mill", &key, &text).await;
            (n, s, v)
        }));
    }
    let mut acknowledged = std::collections::BTreeSet::new();
    for t in tasks {
        let (n, s, v) = t.await.unwrap();
        assert_eq!(s, StatusCode::OK, "request {n}: {v}");
        acknowledged.insert(format!("buy-{n}"));
    }
    let (_, v) = api.call("GET", "/entities/mill/verify", Some(&key), None).await;
    assert_eq!(v["ok"], true, "{v}");
    let (_, v) = api
        .call("GET", &format!("/entities/mill/transactions?limit={}", custody_server::MAX_PAGE), Some(&key), None)
        .await;
    let ids: Vec<String> =
        v["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_string()).collect();
    let unique: std::collections::BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), unique.len(), "a transaction was written twice");
    assert_eq!(unique, acknowledged, "every acknowledged request is present exactly once");
    // The stored quantity is the sum of the distinct purchases.
    let (_, v) = api.call("GET", "/entities/mill/reports/balances", Some(&key), None).await;
    assert_eq!(v["stocks_total_gC"], v["flows_total_gC"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pools_and_certificates_over_http() {
    let (api, state) = Api::start(MemoryStore::new()).await;
    let root = admin(&state).await;
    let a = entity(&api, &root, "a").await;
    let pool = "item green \"Green iron\"\n  category raw-material\n\
        pool p \"Pool\"\n  attribute low-emission-iron\n  method credit\n  eligible green\n  start 2025-01\n  period 1 months\n  boundary company\n  group main steel\n  attribution proportional\n  output unbundled-certificate\n  claim \"market-instrument statement\"\n\
        2025-01-05 pool-input in1\n  pool p\n  item green\n  quantity 10 t\n\
        2025-01-06 certificate-issue i1\n  pool p\n  certificate C1\n  units 4\n";
    let (s, v) = api.journal("a", &a, pool).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Issuing past the pool is refused with its code, and changes nothing.
    let (s, v) = api.journal("a", &a, "2025-01-07 certificate-issue i2\n  pool p\n  certificate C2\n  units 7\n").await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("claim_exceeds_balance")), "{v}");
    let (_, v) = api.call("GET", "/entities/a/reports/certificates", Some(&a), None).await;
    assert_eq!(v["certificates"].as_array().unwrap().len(), 1);
    let (_, v) = api.call("GET", "/entities/a/reports/pool", Some(&a), None).await;
    assert_eq!(v["pools"][0]["periods"][0]["claimed"], json!(4));
    assert_eq!(api.call("GET", "/entities/a/verify", Some(&a), None).await.1["ok"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn assess_over_http() {
    let (api, state) = Api::start(MemoryStore::new()).await;
    let root = admin(&state).await;
    let a = entity(&api, &root, "a").await;
    let text = "counterparty c \"C\"\n2025-01-02 purchase p1\n  supplier sup\n  item ore\n  quantity 10 t\n  factor 2000 kgCO2/t\n\
                2025-01-03 consume c1\n  use ore 10 t\n2025-01-03 produce m1\n  output steel 10 t\n\
                2025-01-04 sell s1\n  item steel\n  customer c 10 t\n";
    assert_eq!(api.journal("a", &a, text).await.0, StatusCode::OK);
    let (s, v) = api
        .call("GET", "/entities/a/assess?product=steel&frameworks=responsiblesteel-dpl,iea-near-zero", Some(&a), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["verdicts"].as_array().unwrap().len(), 2);
    // 2 tCO2e/t, no scrap information (zero by the IEA's own published default): exactly on the
    // IEA's band D line, which "<" does not pass (band E). ResponsibleSteel publishes no default:
    // with the scrap share unknown the product is placed on no level (unknown never helps).
    assert_eq!(v["physical_intensity_tCO2e_per_t"], json!(2));
    assert_eq!(
        (v["verdicts"][0]["framework"].as_str(), v["verdicts"][0]["reached"].as_str()),
        (Some("iea-near-zero"), Some("E"))
    );
    assert_eq!(
        (v["verdicts"][1]["framework"].as_str(), v["verdicts"][1]["reached"].as_str()),
        (Some("responsiblesteel-dpl"), None)
    );
    let (s, _) = api.call("GET", "/entities/a/assess?product=nothing", Some(&a), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// Issue 17 item 8: a buyer's reject writes the seller's return with the id and date the seller's
/// side derives (never the buyer's, never before the sale), and probes of another tenant's books
/// read alike whether or not the thing probed exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reject_cannot_choose_the_sellers_return_and_probes_read_alike() {
    let (api, state) = Api::start(MemoryStore::new()).await;
    let root = admin(&state).await;
    let a = entity(&api, &root, "a").await;
    let b = entity(&api, &root, "b").await;
    let sale = "2025-01-02 purchase p1\n  supplier sup\n  item ore\n  quantity 10 t\n  factor 5 kgCO2/t\n\
                2025-01-03 consume c1\n  use ore 10 t\n2025-01-03 produce m1\n  output steel 8 t\n\
                2025-01-10 sell s1\n  item steel\n  customer b 5 t\n";
    assert_eq!(api.journal("a", &a, sale).await.0, StatusCode::OK);
    assert_eq!(api.journal("b", &b, "counterparty a \"A\"\ncounterparty zz \"ZZ\"\n").await.0, StatusCode::OK);
    // The buyer's own id for the seller's return is refused; its date is not written.
    let named = json!({"transfer": "a/s1/b", "date": "2025-01-01", "id": "s2"});
    let (s, v) = api.call("POST", "/entities/b/transfers/reject", Some(&b), Some(named)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = api
        .call(
            "POST",
            "/entities/b/transfers/reject",
            Some(&b),
            Some(json!({"transfer": "a/s1/b", "date": "2025-01-01"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = api.call("GET", "/entities/a/transactions", Some(&a), None).await;
    let ret = v["items"].as_array().unwrap().iter().find(|t| t["kind"] == "return").unwrap().clone();
    assert_eq!((ret["id"].as_str(), ret["date"].as_str()), (Some("return:a/s1/b"), Some("2025-01-10")), "{ret}");
    // Probes: an entity that does not exist and one that does read alike, names masked.
    let probe = |t: &str| format!("2025-01-20 receive p\n  transfer {t}\n  item steel\n");
    let (s1, v1) = api.journal("b", &b, &probe("zz/x/b")).await;
    let (s2, v2) = api.journal("b", &b, &probe("a/x/b")).await;
    assert_eq!(s1, s2);
    assert_eq!(v1.to_string().replace("zz/x/b", "<ID>"), v2.to_string().replace("a/x/b", "<ID>"));
    let cert = |c: &str| format!("2025-01-20 certificate-receive p\n  certificate {c}\n  from a\n");
    let (s1, v1) = api.journal("b", &b, &cert("NOPE")).await;
    let (s2, v2) = api.journal("b", &b, &cert("X")).await;
    assert_eq!(s1, s2);
    assert_eq!(v1.to_string().replace("NOPE", "<ID>"), v2.to_string().replace('X', "<ID>"));
}

// The two-entity claims fixture (issue 8): a DRI plant's site pool and the automaker.
include!("../../custody-store/tests/fixtures/sale_claims.rs");

/// A journal's text without its entity block (the entity is made through `POST /entities`).
fn body(journal: &str) -> String {
    journal.lines().skip(3).map(|l| format!("{l}\n")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_received_claim_is_provisional_over_http_until_the_seller_closes_its_period() {
    let (api, state) = Api::start(MemoryStore::new()).await;
    let root = admin(&state).await;
    let mut keys = std::collections::BTreeMap::new();
    for id in ["s", "auto"] {
        let (s, _) = api.call("POST", "/entities", Some(&root), Some(json!({"id": id, "name": id}))).await;
        assert_eq!(s, StatusCode::CREATED);
        let (_, v) = api.call("POST", "/keys", Some(&root), Some(json!({"role": "member", "entity": id}))).await;
        keys.insert(id, v["secret"].as_str().unwrap().to_string());
    }
    // Half the automaker's 100 t claimed at 0.5 (CLAIM claims all of it); the period stays open.
    let half = CLAIM.replace("quantity 100 t", "quantity 50 t");
    let (s, v) = api.journal("s", &keys["s"], &(body(SELLER) + &half)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api.journal("auto", &keys["auto"], &(body(BUYER) + RECEIVE)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let view = || async {
        let (s, v) = api.call("GET", "/entities/auto/reports/purchased-goods", Some(&keys["auto"]), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let lines = v["lines"].as_array().unwrap().clone();
        let residual = lines.iter().find(|l| l["claim"]["kind"] == "residual").unwrap()["claimed_tCO2e"].clone();
        (residual, lines.iter().map(|l| l["claim"]["provisional"].clone()).collect::<Vec<_>>())
    };
    // E = 710 t: as booked, 50 t of (710 - 25) t over 350 t.
    assert_eq!(view().await, (json!(97.857143), vec![json!(true), json!(true)]));
    // Another claim (30 t of the other sale at 0.6) and the close: 50 t of 667 t over 320 t.
    let k2 = "2025-02-03 pool-claim k2\n  pool sa\n  sale s2\n  quantity 30 t\n  factor 0.6 tCO2e/t\n";
    let (s, v) = api.journal("s", &keys["s"], &format!("{k2}{CLOSE}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(view().await, (json!(104.21875), vec![json!(false), json!(false)]));
    assert_eq!(api.call("GET", "/entities/auto/verify", Some(&keys["auto"]), None).await.1["ok"], true);
}

/// Hostile test 2, F10: accept reads a stated `custody` model (422 `transfer_invalid`, E022, for
/// one other than the seller's; nothing written) and refuses unknown fields (400 `bad_request`,
/// as typed JSON operations do); reject refuses unknown fields too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn accept_reads_the_custody_model_and_refuses_unknown_fields() {
    let (api, state) = Api::start(MemoryStore::new()).await;
    let root = admin(&state).await;
    let a = entity(&api, &root, "a").await;
    let b = entity(&api, &root, "b").await;
    let sale = "2025-01-02 purchase p1\n  supplier sup\n  item ore\n  quantity 10 t\n  factor 5 kgCO2/t\n\
                2025-01-03 consume c1\n  use ore 10 t\n2025-01-03 produce m1\n  output steel 8 t\n\
                2025-01-10 sell s1\n  item steel\n  customer b 5 t\n  custody mass-balance\n";
    assert_eq!(api.journal("a", &a, sale).await.0, StatusCode::OK);
    assert_eq!(api.journal("b", &b, "counterparty a \"A\"\n").await.0, StatusCode::OK);
    let accept = |extra: Value| {
        let mut v = json!({"transfer": "a/s1/b", "item": "steel", "date": "2025-01-12"});
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        v
    };
    let receives = || async {
        let (_, v) = api.call("GET", "/entities/b/transactions", Some(&b), None).await;
        v["items"].as_array().unwrap().iter().filter(|t| t["kind"] == "receive").count()
    };
    let cases = [
        (json!({"custody": "segregated"}), StatusCode::UNPROCESSABLE_ENTITY, "transfer_invalid", "segregated"),
        (
            json!({"custody": "identity-preserved"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "transfer_invalid",
            "mass-balance",
        ),
        (json!({"custody": "physical"}), StatusCode::BAD_REQUEST, "bad_request", "physical"),
        (json!({"bogus": "x"}), StatusCode::BAD_REQUEST, "bad_request", "bogus"),
        (json!({"custody": "mass-balance", "claim": "k1"}), StatusCode::BAD_REQUEST, "bad_request", "claim"),
    ];
    for (extra, status, code, named) in cases {
        let (s, v) = api.call("POST", "/entities/b/transfers/accept", Some(&b), Some(accept(extra.clone()))).await;
        assert_eq!((s, v["code"].as_str()), (status, Some(code)), "{extra}: {v}");
        assert!(v["detail"].as_str().unwrap().contains(named), "{extra}: {v}");
        assert_eq!(receives().await, 0, "{extra}: nothing written");
    }
    let (s, v) = api
        .call(
            "POST",
            "/entities/b/transfers/reject",
            Some(&b),
            Some(json!({"transfer": "a/s1/b", "date": "2025-01-12", "item": "steel"})),
        )
        .await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{v}");
    let (_, v) = api.call("GET", "/entities/a/transactions", Some(&a), None).await;
    assert!(v["items"].as_array().unwrap().iter().all(|t| t["kind"] != "return"), "{v}");
    // The seller's own model, stated, is booked.
    let (s, v) = api
        .call("POST", "/entities/b/transfers/accept", Some(&b), Some(accept(json!({"custody": "mass-balance"}))))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(receives().await, 1);
    let l = state.registry.ledger("b").await.unwrap();
    let rx = l.transaction("receive:a/s1/b").unwrap();
    assert_eq!(rx.meta.get(custody_core::ledger::CUSTODY_META).map(String::as_str), Some("mass-balance"));
}

/// A statement read asks the store for the key and the journal head in one call (issue 12,
/// cached reports): the refusals keep their order (no key, unknown key, no access, no entity),
/// a statement kept by one server is never served after another writer on the same database
/// moved the journal, and a key revoked by another writer is refused at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn report_reads_follow_another_writer_on_the_same_sqlite_file() {
    let dir = std::env::temp_dir().join(format!("custody-report-reads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/r.db", dir.display());
    let (api, state) = Api::start(SqlStore::connect(&url).await.unwrap()).await;
    let (other, _) = Api::start(SqlStore::connect(&url).await.unwrap()).await;
    let root = admin(&state).await;
    let member = entity(&api, &root, "a").await;
    let (_, v) = api.call("POST", "/keys", Some(&root), Some(json!({"role": "member", "entity": "a"}))).await;
    let (key_id, key) = (v["id"].as_str().unwrap().to_string(), v["secret"].as_str().unwrap().to_string());
    let buy = |id: &str, t: u32| format!("2025-01-02 purchase {id}\n  supplier sup\n  item ore\n  quantity {t} t\n");
    assert_eq!(api.journal("a", &member, &buy("p1", 10)).await.0, StatusCode::OK);

    let path = "/entities/a/reports/balances?format=json";
    let missing = "/entities/zz/reports/balances";
    assert_eq!(api.call("GET", path, None, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(api.call("GET", path, Some("cst_unknown"), None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(api.call("GET", missing, Some("cst_unknown"), None).await.0, StatusCode::UNAUTHORIZED, "no entity told");
    assert_eq!(api.call("GET", missing, Some(&key), None).await.0, StatusCode::FORBIDDEN);
    // A key granted an entity that is not (or no longer) there: the entity is the one missing.
    let granted = create_key(state.registry.store(), Role::Verifier, None, vec!["zz".into()]).await.unwrap().1;
    assert_eq!(api.call("GET", missing, Some(&granted), None).await.0, StatusCode::NOT_FOUND);

    let (s, first) = api.call("GET", path, Some(&key), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(api.call("GET", path, Some(&key), None).await.1, first, "read again: the same statement");
    // The other server writes: this one's kept statement is stale and never served.
    assert_eq!(other.journal("a", &member, &buy("p2", 20)).await.0, StatusCode::OK);
    let (_, after) = api.call("GET", path, Some(&key), None).await;
    assert_ne!(after, first, "a statement of the journal before another writer's entry");
    let (_, direct) = other.call("GET", path, Some(&key), None).await;
    assert_eq!(after, direct);
    // The other server revokes the key: refused here at the next read.
    assert_eq!(other.call("DELETE", &format!("/keys/{key_id}"), Some(&root), None).await.0, StatusCode::NO_CONTENT);
    let (s, v) = api.call("GET", path, Some(&key), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}
