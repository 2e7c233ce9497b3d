//! Typed JSON operations: the same batch posted as journal text to one server and as JSON
//! operations to another gives the same ledger (export, transactions, statements); malformed JSON
//! operations are refused with a problem naming the operation and field.

use custody_server::auth::{create_key, Role};
use custody_server::{app, AppState};
use custody_store::{MemoryStore, Registry};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

struct Api {
    base: String,
    http: Client,
    root: String,
}

impl Api {
    async fn start() -> Api {
        let state = Arc::new(AppState::new(Registry::new(MemoryStore::new())));
        let root = create_key(state.registry.store(), Role::Admin, None, vec![]).await.unwrap().1;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = app(state);
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Api { base: format!("http://{addr}"), http: Client::new(), root }
    }

    async fn get(&self, path: &str, key: &str) -> (StatusCode, String) {
        let res = self.http.get(format!("{}{path}", self.base)).bearer_auth(key).send().await.unwrap();
        (res.status(), res.text().await.unwrap())
    }

    async fn post(&self, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
        let res = self.http.post(format!("{}{path}", self.base)).bearer_auth(key).json(&body).send().await.unwrap();
        let status = res.status();
        (status, serde_json::from_str(&res.text().await.unwrap()).unwrap())
    }

    /// Creates entity `id` with a member key and posts `setup`; returns the key.
    async fn entity(&self, id: &str, setup: &str) -> String {
        let (s, v) = self.post("/entities", &self.root, json!({"id": id, "name": "Twin"})).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (_, v) = self.post("/keys", &self.root, json!({"role": "member", "entity": id})).await;
        let key = v["secret"].as_str().unwrap().to_string();
        let (s, v) = self.post(&format!("/entities/{id}/journal"), &key, json!({"journal": setup})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        key
    }
}

const SETUP: &str =
    "counterparty sup \"Supplier\"\ncounterparty sup-b \"Supplier B\"\ncounterparty cust \"Customer\"\n\
    counterparty store \"Storage\"\ncounterparty sel \"Seller\"\n\
    item ore \"Ore\"\n  category raw-material\n  carbon-content 0.01\n\
    item coke \"Coke\"\n  category raw-material\n  carbon-content 0\n  costing specific\n\
    item steel \"Steel\"\n  category product\nperiod 2025-01 2025-01-01 2025-01-31\n";

const SELLER: &str = "counterparty t \"Twin\"\ncounterparty sup \"Supplier\"\n\
    item ore \"Ore\"\n  category raw-material\n  carbon-content 0.01\nitem steel \"Steel\"\n  category product\n\
    period 2025-01 2025-01-01 2025-01-31\n\
    2025-01-02 purchase sp1\n  supplier sup\n  item ore\n  quantity 10 t\n  factor 5 kgCO2/t\n\
    2025-01-03 consume sc1\n  use ore 10 t\n2025-01-03 produce sm1\n  output steel 8 t\n\
    2025-01-04 sell ss1\n  item steel\n  customer t 5 t\n";

/// The batch as journal text ...
const TEXT: &str = "2025-01-01 opening o1\n  item ore\n  quantity 5 t\n  attributed 0.5 tCO2\n\
    2025-01-02 purchase p1 \"first delivery\"\n  supplier sup\n  item ore\n  quantity 10 t\n  factor 5 kgCO2/t\n\
    2025-01-02 purchase p2\n  supplier sup-b\n  item ore\n  quantity 2 t\n  attributed 1 tCO2\n\
    2025-01-02 purchase p3\n  supplier sup\n  item coke\n  quantity 50 t\n  lot L1\n  site site-b\n  attributed 50 tCO2\n  custody mass-balance\n\
    2025-01-03 move mv1\n  item coke\n  lot L1\n  quantity 50 t\n  from site-b\n  to site-a\n\
    2025-01-03 return back1\n  purchase p2\n  supplier sup-b\n  quantity 1 t\n\
    2025-01-04 consume c1\n  use ore 12 t\n\
    2025-01-04 emit e1\n  emission 0.01 tCO2\n\
    2025-01-04 capture k1\n  operator store\n  captured 0.005 tCO2\n\
    2025-01-05 produce run1\n  allocation mass\n  output steel 10 t\n\
    2025-01-05 receive rc1\n  transfer sel/ss1/t\n  item steel\n\
    2025-01-06 sell s1\n  item steel\n  customer cust 6 t\n  transport 20 kgCO2/t\n\
    2025-01-07 return back2\n  sale s1\n  customer cust\n\
    2025-01-08 sell s2\n  item steel\n  quantity 4 t\n  customer cust share 100%\n\
    2025-01-09 reverse rv1\n  of s2\n";

/// ... and the same batch as JSON operations.
fn json_ops() -> Value {
    json!({"operations": [
        {"op": "opening", "id": "o1", "date": "2025-01-01", "item": "ore", "quantity": "5 t", "attributed": ["0.5 tCO2"]},
        {"op": "purchase", "id": "p1", "date": "2025-01-02", "memo": "first delivery", "supplier": "sup", "item": "ore",
         "quantity": "10 t", "factors": ["5 kgCO2/t"]},
        {"op": "purchase", "id": "p2", "date": "2025-01-02", "supplier": "sup-b", "item": "ore", "quantity": "2 t",
         "attributed": ["1 tCO2"]},
        {"op": "purchase", "id": "p3", "date": "2025-01-02", "supplier": "sup", "item": "coke", "quantity": "50 t",
         "lot": "L1", "site": "site-b", "attributed": ["50 tCO2"], "custody": "mass-balance"},
        {"op": "move", "id": "mv1", "date": "2025-01-03", "item": "coke", "lot": "L1", "quantity": "50 t",
         "from": "site-b", "to": "site-a"},
        {"op": "return", "id": "back1", "date": "2025-01-03", "purchase": "p2", "supplier": "sup-b", "quantity": "1 t"},
        {"op": "consume", "id": "c1", "date": "2025-01-04", "uses": [{"item": "ore", "quantity": "12 t"}]},
        {"op": "emit", "id": "e1", "date": "2025-01-04", "emissions": ["0.01 tCO2"]},
        {"op": "capture", "id": "k1", "date": "2025-01-04", "operator": "store", "captured": ["0.005 tCO2"]},
        {"op": "produce", "id": "run1", "date": "2025-01-05", "allocation": "mass",
         "outputs": [{"item": "steel", "quantity": "10 t"}]},
        {"op": "receive", "id": "rc1", "date": "2025-01-05", "transfer": "sel/ss1/t", "item": "steel"},
        {"op": "sell", "id": "s1", "date": "2025-01-06", "item": "steel",
         "customers": [{"customer": "cust", "quantity": "6 t"}], "transport": ["20 kgCO2/t"]},
        {"op": "return", "id": "back2", "date": "2025-01-07", "sale": "s1", "customer": "cust"},
        {"op": "sell", "id": "s2", "date": "2025-01-08", "item": "steel", "quantity": "4 t",
         "customers": [{"customer": "cust", "share": "100%"}]},
        {"op": "reverse", "id": "rv1", "date": "2025-01-09", "of": "s2"},
    ]})
}

/// A server with the seller `sel` (who sold to `t`) and the entity `t`; returns it and t's key.
async fn twin() -> (Api, String) {
    let api = Api::start().await;
    api.entity("sel", SELLER).await;
    let key = api.entity("t", SETUP).await;
    (api, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_operations_give_the_ledger_the_journal_text_gives() {
    let (text_api, text_key) = twin().await;
    let (json_api, json_key) = twin().await;
    let (s, by_text) = text_api.post("/entities/t/journal", &text_key, json!({"journal": TEXT})).await;
    assert_eq!(s, StatusCode::OK, "{by_text}");
    let (s, by_json) = json_api.post("/entities/t/journal", &json_key, json_ops()).await;
    assert_eq!(s, StatusCode::OK, "{by_json}");
    assert_eq!(by_text, by_json, "the outcomes, with the transactions posted");
    assert_eq!(by_json["outcomes"].as_array().unwrap().len(), 15);
    assert!(by_json["outcomes"].as_array().unwrap().iter().all(|o| o["result"] == "written"));
    for path in [
        "/entities/t/export",
        "/entities/t/transactions?limit=1000",
        "/entities/t/reports/balances",
        "/entities/t/reports/ledger",
        "/entities/t/reports/entity-emissions",
        "/entities/t/verify",
    ] {
        let (s1, a) = text_api.get(path, &text_key).await;
        let (s2, b) = json_api.get(path, &json_key).await;
        assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK), "{path}: {a} {b}");
        assert_eq!(a, b, "{path}");
    }
    // The same operations again are duplicates, whichever form carries them.
    let (s, again) = json_api.post("/entities/t/journal", &json_key, json_ops()).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert!(again["outcomes"].as_array().unwrap().iter().all(|o| o["result"] == "duplicate"), "{again}");
    let (s, again) = text_api.post("/entities/t/journal", &text_key, json_ops()).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert!(again["outcomes"].as_array().unwrap().iter().all(|o| o["result"] == "duplicate"), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_remaining_json_operations_map_like_their_journal_lines() {
    let (text_api, text_key) = twin().await;
    let (json_api, json_key) = twin().await;
    let defs = "asset kiln \"Kiln\"\n  in-service 2025-01\n  life 10 years\nitem slag \"Slag\"\n  category byproduct\n";
    for (api, key) in [(&text_api, &text_key), (&json_api, &json_key)] {
        let (s, v) = api.post("/entities/t/journal", key, json!({"journal": defs})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let text = "2025-01-01 capitalise cap1\n  asset kiln\n  counterparty sup\n  amount 120 tCO2\n\
        2025-01-02 purchase p1\n  supplier sup\n  item ore\n  quantity 10 t\n  attributed 1 tCO2\n\
        2025-01-03 consume c1\n  use ore 10 t\n\
        2025-01-03 depreciate d1\n  asset kiln\n  to steel weight 2\n\
        2025-01-04 produce run1\n  allocation value\n  output steel 8 t value 100\n  output slag 1 t value 1 cut-off\n\
        2025-01-05 obtain ob1\n  instrument removal\n  quantity 100 tCO2e\n  counterparty sup\n";
    let ops = json!({"operations": [
        {"op": "capitalise", "id": "cap1", "date": "2025-01-01", "asset": "kiln", "counterparty": "sup", "amounts": ["120 tCO2"]},
        {"op": "purchase", "id": "p1", "date": "2025-01-02", "supplier": "sup", "item": "ore", "quantity": "10 t", "attributed": ["1 tCO2"]},
        {"op": "consume", "id": "c1", "date": "2025-01-03", "uses": [{"item": "ore", "quantity": "10 t"}]},
        {"op": "depreciate", "id": "d1", "date": "2025-01-03", "asset": "kiln", "to": [{"product": "steel", "weight": "2"}]},
        {"op": "produce", "id": "run1", "date": "2025-01-04", "allocation": "value", "outputs": [
            {"item": "steel", "quantity": "8 t", "value": "100"},
            {"item": "slag", "quantity": "1 t", "value": "1", "cut_off": true}]},
        {"op": "obtain", "id": "ob1", "date": "2025-01-05", "instrument": "removal", "quantity": "100 tCO2e", "counterparty": "sup"},
    ]});
    let (s1, a) = text_api.post("/entities/t/journal", &text_key, json!({"journal": text})).await;
    let (s2, b) = json_api.post("/entities/t/journal", &json_key, ops).await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK), "{a} {b}");
    assert_eq!(a, b);
    let (_, a) = text_api.get("/entities/t/export", &text_key).await;
    let (_, b) = json_api.get("/entities/t/export", &json_key).await;
    assert_eq!(a, b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_operations_are_refused_naming_what_is_wrong() {
    let (api, key) = twin().await;
    let purchase = json!({"op": "purchase", "id": "p1", "date": "2025-01-02", "supplier": "sup", "item": "ore", "quantity": "10 t"});
    let with = |k: &str, v: Value| {
        let mut p = purchase.clone();
        p[k] = v;
        json!({"operations": [purchase.clone(), p]})
    };
    let cases = [
        (
            json!({"operations": [{"op": "txn", "id": "x", "date": "2025-01-02"}]}),
            "bad_request",
            "operation `txn` has no JSON form",
        ),
        (
            json!({"operations": [{"op": "pool-input", "id": "x", "date": "2025-01-02"}]}),
            "bad_request",
            "`pool-input` has no JSON form",
        ),
        (
            json!({"operations": [{"op": "buy", "id": "x", "date": "2025-01-02"}]}),
            "bad_request",
            "unknown operation `buy`",
        ),
        (json!({"operations": [{"id": "x"}]}), "bad_request", "missing `op`"),
        (json!({"operations": []}), "bad_request", "no operation"),
        (with("quantiy", json!("10 t")), "bad_request", "unknown field `quantiy`"),
        (with("quantity", json!("10 tt")), "bad_request", "`10 tt` is not a quantity"),
        (with("quantity", json!("10")), "bad_request", "is not a quantity"),
        (with("quantity", json!(10)), "bad_request", "operations[1]"),
        (with("attributed", json!(["1 tCO3"])), "bad_request", "not a mass of a species"),
        (with("factors", json!(["1 tCO2"])), "bad_request", "not an intensity"),
        (with("date", json!("2025-13-01")), "bad_request", "not a date"),
        (with("custody", json!("mixed")), "bad_request", "not one of identity-preserved"),
        (with("id", json!("p 2")), "invalid_id", "is not an id"),
        (with("item", json!("")), "invalid_id", "is not an id"),
        (with("supplier", json!("a/b/c/d/e/f/g/h/i")), "invalid_id", "is not an id"),
        (json!({"journal": "x", "operations": []}), "bad_request", "not both"),
        (json!({}), "bad_request", "missing field `journal`"),
    ];
    for (body, code, detail) in cases {
        let (s, v) = api.post("/entities/t/journal", &key, body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {v}");
        assert_eq!(v["code"], code, "{body}: {v}");
        assert!(v["detail"].as_str().unwrap().contains(detail), "{body}: {v}");
        if code == "invalid_id" {
            assert!(v["rule"].as_str().unwrap().starts_with("id_"), "{v}");
            assert_eq!(v["index"], 1, "{v}");
        }
    }
    // Nothing of a refused batch was written.
    let (_, txs) = api.get("/entities/t/transactions", &key).await;
    assert_eq!(serde_json::from_str::<Value>(&txs).unwrap()["total"], 0);
    // A JSON operation the ledger rejects answers like its journal text: 422 with the rejection code.
    let oversell = json!({"operations": [{"op": "consume", "id": "c1", "date": "2025-01-02", "uses": [{"item": "ore", "quantity": "1 t"}]}]});
    let (s, v) = api.post("/entities/t/journal", &key, oversell).await;
    let (s2, v2) =
        api.post("/entities/t/journal", &key, json!({"journal": "2025-01-02 consume c1\n  use ore 1 t\n"})).await;
    assert_eq!((s, s2), (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::UNPROCESSABLE_ENTITY), "{v} {v2}");
    assert_eq!(v, v2);
}

/// `Prefer: return=minimal` (RFC 7240) answers index, result and seq only, says so in
/// `Preference-Applied`, and writes what the full answer would have.
#[tokio::test]
async fn a_minimal_answer_writes_the_same_and_leaves_the_transactions_out() {
    let api = Api::start().await;
    let key = api.entity("t", SETUP).await;
    let batch = "2025-01-02 purchase p1\n  supplier sup\n  item ore\n  quantity 10 t\n  factor 5 kgCO2/t\n\
        2025-01-03 consume c1\n  use ore 4 t\n";
    let post = |prefer: &'static str, body: &'static str| {
        let req = api.http.post(format!("{}/entities/t/journal", api.base)).bearer_auth(&key);
        let req = if prefer.is_empty() { req } else { req.header("prefer", prefer) };
        req.header("content-type", "text/plain").body(body).send()
    };
    let res = post("respond-async; wait=5, return = minimal", batch).await.unwrap();
    assert_eq!(res.headers()["preference-applied"], "return=minimal");
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        v,
        json!({"outcomes": [{"index": 0, "result": "written", "seq": 11}, {"index": 1, "result": "written", "seq": 12}]})
    );
    let (s, tx) = api.get("/entities/t/transactions", &key).await;
    assert_eq!(s, StatusCode::OK);
    let tx: Value = serde_json::from_str(&tx).unwrap();
    let ids: Vec<_> = tx["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, ["p1", "c1"]);
    // Posted again: duplicates, minimal or not; without the preference the full answer.
    let v: Value = post("return=minimal", batch).await.unwrap().json().await.unwrap();
    assert_eq!(v["outcomes"][1], json!({"index": 1, "result": "duplicate"}));
    let more = "2025-01-04 consume c2\n  use ore 1 t\n";
    // The first `return` counts (RFC 7240 §2); a parameter of another preference is none.
    for prefer in ["return=representation, return=minimal", "respond-async; return=minimal", "return=minimalist"] {
        let res = post(prefer, batch).await.unwrap();
        assert!(res.headers().get("preference-applied").is_none(), "{prefer}");
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["outcomes"][0]["result"], "duplicate", "{prefer}: {v}");
    }
    let res = post("return=representation", more).await.unwrap();
    assert!(res.headers().get("preference-applied").is_none());
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["outcomes"][0]["transaction"]["id"], "c2", "{v}");
}
