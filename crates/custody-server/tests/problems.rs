//! Every error the API answers is `application/problem+json` with `type`, `title`, `status` (the
//! HTTP status), `code` and `detail`, including those the HTTP layer raises before a handler runs;
//! ids the journal cannot hold are refused; a write survives its client going away.

use custody_server::auth::{create_key, Role};
use custody_server::{app, AppState};
use custody_store::{MemoryStore, Registry, SqlStore, Store};
use reqwest::{Client, Method};
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
        // No pooled connections: a request the server refuses before reading its body (413) closes
        // its connection, and a pooled client would send the next request into it.
        let http = Client::builder().pool_max_idle_per_host(0).build().unwrap();
        (Api { base: format!("http://{addr}"), http }, state)
    }

    /// Status, content type and body of one request.
    async fn raw(&self, method: Method, path: &str, key: &str, body: Option<(&str, Vec<u8>)>) -> (u16, String, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(key);
        if let Some((ct, b)) = body {
            req = req.header("content-type", ct).body(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let text = res.text().await.unwrap();
        (status, ct, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

/// Asserts a problem+json answer with this status and code.
fn assert_problem(label: &str, (status, ct, body): &(u16, String, Value), want: u16, code: &str) {
    assert_eq!(*status, want, "{label}: {body}");
    assert!(ct.starts_with("application/problem+json"), "{label}: content type `{ct}`");
    for field in ["type", "title", "status", "code", "detail"] {
        assert!(body.get(field).is_some(), "{label}: no `{field}` in {body}");
    }
    assert_eq!(body["status"], json!(want), "{label}: {body}");
    assert_eq!(body["code"], json!(code), "{label}: {body}");
}

async fn setup() -> (Api, String, String) {
    let (api, state) = Api::start(MemoryStore::new()).await;
    let admin = create_key(state.registry.store(), Role::Admin, None, vec![]).await.unwrap().1;
    let r = api
        .raw(Method::POST, "/entities", &admin, Some(("application/json", br#"{"id":"h","name":"H"}"#.to_vec())))
        .await;
    assert_eq!(r.0, 201, "{:?}", r.2);
    let member = create_key(state.registry.store(), Role::Member, Some("h".into()), vec![]).await.unwrap().1;
    let setup = "counterparty sup \"Supplier\"\nitem ore \"Ore\"\n  category raw-material\nperiod 2025-01 2025-01-01 2025-01-31\n";
    let r = api.raw(Method::POST, "/entities/h/journal", &member, Some(("text/plain", setup.into()))).await;
    assert_eq!(r.0, 200, "{:?}", r.2);
    (api, admin, member)
}

/// Store case 10: the HTTP layer's own errors, each with its status, as problem+json.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_before_a_handler_are_problem_json() {
    let (api, admin, member) = setup().await;
    let big = vec![b'#'; 3_000_000];
    let cases: Vec<(&str, Method, &str, &String, Option<(&str, Vec<u8>)>, u16, &str)> = vec![
        (
            "limit=0 (a handler's own)",
            Method::GET,
            "/entities/h/transactions?limit=0",
            &member,
            None,
            400,
            "bad_request",
        ),
        ("limit=abc", Method::GET, "/entities/h/transactions?limit=abc", &member, None, 400, "bad_request"),
        ("limit=-1", Method::GET, "/entities/h/transactions?limit=-1", &member, None, 400, "bad_request"),
        (
            "offset=2^64",
            Method::GET,
            "/entities/h/transactions?offset=18446744073709551616",
            &member,
            None,
            400,
            "bad_request",
        ),
        ("limit twice", Method::GET, "/entities/h/transactions?limit=1&limit=2", &member, None, 400, "bad_request"),
        ("assess without product", Method::GET, "/entities/h/assess", &member, None, 400, "bad_request"),
        (
            "3 MB body",
            Method::POST,
            "/entities/h/journal",
            &member,
            Some(("text/plain", big)),
            413,
            "payload_too_large",
        ),
        ("unknown route", Method::GET, "/nope", &member, None, 404, "not_found"),
        (
            "PUT /entities",
            Method::PUT,
            "/entities",
            &admin,
            Some(("application/json", b"{}".to_vec())),
            405,
            "method_not_allowed",
        ),
        ("DELETE journal", Method::DELETE, "/entities/h/journal", &member, None, 405, "method_not_allowed"),
        ("non-UTF-8 path", Method::GET, "/entities/%ff%fe/verify", &member, None, 400, "bad_request"),
        (
            "unknown entity",
            Method::POST,
            "/keys",
            &admin,
            Some(("application/json", br#"{"role":"member","entity":"zz"}"#.to_vec())),
            404,
            "not_found",
        ),
    ];
    for (label, method, path, key, body, status, code) in cases {
        let r = api.raw(method, path, key, body).await;
        assert_problem(label, &r, status, code);
    }
}

/// Store cases 03 and 11: POST /entities refuses, with 400 naming the rule, every id outside the
/// grammar, and creates ordinary ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entity_ids_outside_the_grammar_are_refused() {
    let (api, admin, _) = setup().await;
    let long = "e".repeat(100_000);
    let cases: &[(&str, &str)] = &[
        ("#x", "id_character"),
        ("\"x", "id_character"),
        ("a b", "id_character"),
        ("a\u{202e}b", "id_character"),
        ("a\u{0}b", "id_character"),
        ("a/b", "id_character"),
        ("..", "id_dots"),
        (".", "id_dots"),
        ("", "id_empty"),
        (&long, "id_too_long"),
    ];
    for (id, rule) in cases {
        let body = serde_json::to_vec(&json!({"id": id, "name": "N"})).unwrap();
        let r = api.raw(Method::POST, "/entities", &admin, Some(("application/json", body))).await;
        assert_problem(&format!("id {:?}", id.chars().take(12).collect::<String>()), &r, 400, "invalid_id");
        assert_eq!(r.2["rule"], json!(rule));
    }
    for id in ["plain", "mill-2", "a.b", "x_y:z"] {
        let body = serde_json::to_vec(&json!({"id": id, "name": "N"})).unwrap();
        let r = api.raw(Method::POST, "/entities", &admin, Some(("application/json", body))).await;
        assert_eq!(r.0, 201, "{id}: {:?}", r.2);
    }
    let r = api.raw(Method::GET, "/entities?limit=1000", &admin, None).await;
    assert_eq!(r.0, 200, "{:?}", r.2);
}

/// Store cases 01 and 11 over HTTP: entries whose ids the stored journal could not give back
/// are refused with 4xx problem+json; the entity stays readable and writable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journal_entries_that_would_not_replay_are_refused() {
    let (api, _, member) = setup().await;
    let purchase = |id: &str| format!("2025-01-02 purchase {id}\n  supplier sup\n  item ore\n  quantity 1 t\n");
    let long = format!("p{}", "x".repeat(9_999));
    let refused = [
        "counterparty \"Grid electricity\"".to_string(),
        "counterparty \"#x\" \"Name\"".to_string(),
        "counterparty \"\" \"Empty\"".to_string(),
        "item \"coal x\" \"Coal\"\n  category fuel".to_string(),
        "period \"p 1\" 2026-01-01 2026-12-31".to_string(),
        purchase("\"a b\""),
        purchase(&long),
    ];
    for text in refused {
        let r = api.raw(Method::POST, "/entities/h/journal", &member, Some(("text/plain", text.clone().into()))).await;
        assert!((400..500).contains(&r.0), "{text:.40}: {} {:?}", r.0, r.2);
        assert!(r.1.starts_with("application/problem+json"), "{text:.40}: {}", r.1);
    }
    let r = api.raw(Method::POST, "/entities/h/journal", &member, Some(("text/plain", purchase("p1").into()))).await;
    assert_eq!(r.0, 200, "{:?}", r.2);
    let r = api.raw(Method::GET, "/entities/h/verify", &member, None).await;
    assert_eq!(r.0, 200, "{:?}", r.2);
}

/// A client that gives up mid-write neither half-applies it nor breaks the ledger: every write
/// answered 200 is stored, the journal verifies, and the next write succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_cut_off_by_their_client_complete_or_vanish_whole() {
    let (api, _, member) = setup().await;
    let mut answered = Vec::new();
    for n in 0..30u64 {
        let id = format!("p{n}");
        let body = format!("2025-01-02 purchase {id}\n  supplier sup\n  item ore\n  quantity 1 t\n");
        let res = api
            .http
            .post(format!("{}/entities/h/journal", api.base))
            .bearer_auth(&member)
            .header("content-type", "text/plain")
            .body(body)
            .timeout(std::time::Duration::from_micros(200 + n * 150))
            .send()
            .await;
        if res.is_ok_and(|r| r.status() == 200) {
            answered.push(id);
        }
    }
    eprintln!("{} of 30 writes answered before their client gave up", answered.len());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let r = api.raw(Method::GET, "/entities/h/verify", &member, None).await;
    assert_eq!(r.0, 200, "{:?}", r.2);
    let r = api.raw(Method::GET, "/entities/h/transactions?limit=1000", &member, None).await;
    let ids: Vec<&str> = r.2["items"].as_array().unwrap().iter().filter_map(|t| t["id"].as_str()).collect();
    for id in &answered {
        assert!(ids.contains(&id.as_str()), "`{id}` answered 200 but is not stored");
    }
    let body = "2025-01-03 purchase last\n  supplier sup\n  item ore\n  quantity 1 t\n";
    let r = api.raw(Method::POST, "/entities/h/journal", &member, Some(("text/plain", body.into()))).await;
    assert_eq!(r.0, 200, "{:?}", r.2);
}

/// A journal write refuses in the order a statement read does, asking the store for the key and
/// the entity in one call: an unknown key (401, also for an entity that does not exist), another
/// entity's key (403), a missing entity (404), then the body (400). On the memory store and on
/// SQLite, whose one statement answers both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journal_writes_refuse_in_order_on_every_store() {
    let dir = std::env::temp_dir().join(format!("custody-write-order-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = SqlStore::connect(&format!("sqlite://{}/w.db", dir.display())).await.unwrap();
    refuses_in_order(Api::start(MemoryStore::new()).await).await;
    refuses_in_order(Api::start(sqlite).await).await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn refuses_in_order<S: Store>((api, state): (Api, Arc<AppState<S>>)) {
    let store = state.registry.store();
    let admin = create_key(store, Role::Admin, None, vec![]).await.unwrap().1;
    let r = api
        .raw(Method::POST, "/entities", &admin, Some(("application/json", br#"{"id":"h","name":"H"}"#.to_vec())))
        .await;
    assert_eq!(r.0, 201, "{:?}", r.2);
    let member = create_key(store, Role::Member, Some("h".into()), vec![]).await.unwrap().1;
    // A key for an entity the registry does not hold: the entity is what is missing.
    let orphan = create_key(store, Role::Member, Some("zz".into()), vec![]).await.unwrap().1;
    let text = || Some(("text/plain", b"counterparty sup \"S\"\n".to_vec()));
    let cases = [
        ("unknown key", "/entities/h/journal", "cst_unknown", 401, "unauthorized"),
        ("unknown key, no entity", "/entities/zz/journal", "cst_unknown", 401, "unauthorized"),
        ("another entity's key, no entity", "/entities/zz/journal", member.as_str(), 403, "forbidden"),
        ("no entity", "/entities/zz/journal", orphan.as_str(), 404, "not_found"),
    ];
    for (label, path, key, status, code) in cases {
        assert_problem(label, &api.raw(Method::POST, path, key, text()).await, status, code);
    }
    let bad =
        api.raw(Method::POST, "/entities/h/journal", &member, Some(("text/plain", b"nonsense here\n".to_vec()))).await;
    assert_eq!(bad.0, 400, "{:?}", bad.2);
    assert_eq!(api.raw(Method::POST, "/entities/h/journal", &member, text()).await.0, 200);
}
