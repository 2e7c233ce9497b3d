//! Every id the grammar accepts works in every route (hostile finding F11): seller, sale and buyer
//! ids of 120, 121, 127 and 128 bytes, with the API's derived `receive:SELLER/SALE/BUYER`
//! (accept) and `return:SELLER/SALE/BUYER` (reject), and the same ids written in journals.
//! A 121-byte seller once made the derived receive 129 bytes: accept answered 422 id_too_long.

use custody_server::auth::{create_key, Role};
use custody_server::{app, AppState};
use custody_store::{MemoryStore, Registry};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

struct Api {
    base: String,
    http: Client,
}

impl Api {
    async fn call(&self, path: &str, key: &str, body: Option<Value>) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.base);
        let req = match body {
            Some(b) => self.http.post(&url).json(&b),
            None => self.http.get(&url),
        };
        let res = req.bearer_auth(key).send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Creates entity `id` and a member key for it.
    async fn entity(&self, root: &str, id: &str) -> String {
        let (s, v) = self.call("/entities", root, Some(json!({"id": id, "name": "E"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, v) = self.call("/keys", root, Some(json!({"role": "member", "entity": id}))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["secret"].as_str().unwrap().to_string()
    }

    async fn journal(&self, entity: &str, key: &str, text: &str) -> (StatusCode, Value) {
        self.call(&format!("/entities/{entity}/journal"), key, Some(json!({"journal": text}))).await
    }
}

/// `n` bytes: `fill` repeated, the last byte `last` (ids of one length told apart).
fn id(fill: char, last: char, n: usize) -> String {
    format!("{}{last}", fill.to_string().repeat(n - 1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ids_of_120_to_128_bytes_settle_over_the_api_and_the_journal() {
    let state = Arc::new(AppState::new(Registry::new(MemoryStore::new())));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app(state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let api = Api { base: format!("http://{addr}"), http: Client::new() };
    let root = create_key(state.registry.store(), Role::Admin, None, vec![]).await.unwrap().1;

    for n in [120usize, 121, 127, 128] {
        let (seller, buyer) =
            (id('s', char::from(b'0' + (n % 10) as u8), n), id('b', char::from(b'0' + (n % 10) as u8), n));
        let (accepted, rejected, booked) = (id('v', 'a', n), id('v', 'r', n), id('v', 'j', n));
        let ks = api.entity(&root, &seller).await;
        let kb = api.entity(&root, &buyer).await;
        let mut sales = format!(
            "counterparty grid \"Grid\"\ncounterparty {buyer} \"B\"\nitem elec \"E\"\n  category electricity\n\
             item widget \"W\"\n  category product\nperiod 2025 2025-01-01 2025-12-31\n\
             2025-03-10 purchase p\n  supplier grid\n  item elec\n  quantity 3000 kWh\n  factor 500 gCO2/kWh\n\
             2025-03-10 consume u\n  use elec 3000 kWh\n2025-03-10 produce m\n  output widget 3000 kg\n"
        );
        for sale in [&accepted, &rejected, &booked] {
            sales.push_str(&format!("2025-03-11 sell {sale}\n  item widget\n  customer {buyer} 1000 kg\n"));
        }
        let (s, v) = api.journal(&seller, &ks, &sales).await;
        assert_eq!(s, StatusCode::OK, "{n}: {v}");
        let defs = format!(
            "counterparty {seller} \"S\"\nitem widget \"W\"\n  category raw-material\nperiod 2025 2025-01-01 2025-12-31\n"
        );
        assert_eq!(api.journal(&buyer, &kb, &defs).await.0, StatusCode::OK, "{n}");

        // Accept: the derived receive:SELLER/SALE/BUYER id is booked.
        let accept =
            json!({"transfer": format!("{seller}/{accepted}/{buyer}"), "item": "widget", "date": "2025-03-12"});
        let (s, v) = api.call(&format!("/entities/{buyer}/transfers/accept"), &kb, Some(accept)).await;
        assert_eq!(s, StatusCode::OK, "{n}: accept: {v}");
        // Reject: the seller's return:SELLER/SALE/BUYER is booked.
        let reject = json!({"transfer": format!("{seller}/{rejected}/{buyer}"), "date": "2025-03-12"});
        let (s, v) = api.call(&format!("/entities/{buyer}/transfers/reject"), &kb, Some(reject)).await;
        assert_eq!(s, StatusCode::OK, "{n}: reject: {v}");
        // The journal: the buyer writes the receive under the id the API would derive.
        let receive = format!(
            "2025-03-12 receive receive:{seller}/{booked}/{buyer}\n  transfer {seller}/{booked}/{buyer}\n  item widget\n"
        );
        let (s, v) = api.journal(&buyer, &kb, &receive).await;
        assert_eq!(s, StatusCode::OK, "{n}: journal receive: {v}");

        let (_, v) = api.call(&format!("/entities/{buyer}/transactions"), &kb, None).await;
        let mut ids: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"] == "receive")
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        let want = [&accepted, &booked].map(|sale| format!("receive:{seller}/{sale}/{buyer}"));
        assert_eq!(ids, want.to_vec(), "{n}");
        let (_, v) = api.call(&format!("/entities/{seller}/transactions"), &ks, None).await;
        let ret = v["items"].as_array().unwrap().iter().find(|t| t["kind"] == "return").cloned().unwrap();
        assert_eq!(ret["id"].as_str(), Some(format!("return:{seller}/{rejected}/{buyer}").as_str()), "{n}");
        let (_, v) = api.call("/reconciliation", &root, None).await;
        let mine: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["id"].as_str().is_some_and(|t| t.starts_with(&format!("{seller}/"))))
            .map(|t| t["status"].as_str().unwrap())
            .collect();
        assert_eq!(mine, ["received", "returned", "received"], "{n}: {v}");
        for (e, k) in [(&seller, &ks), (&buyer, &kb)] {
            let (s, v) = api.call(&format!("/entities/{e}/verify"), k, None).await;
            assert_eq!((s, v["ok"].as_bool()), (StatusCode::OK, Some(true)), "{n}: {v}");
        }
    }
}
