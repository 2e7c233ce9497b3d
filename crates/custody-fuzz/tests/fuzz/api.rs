//! The API's request bodies (and the router around them), called in process with
//! `tower::ServiceExt::oneshot` on a MemoryStore-backed app holding entity `fz`, an admin key and
//! a member key of `fz`. An input is one or more requests separated by lines `%%`; each request is
//! a line `METHOD PATH [CONTENT-TYPE] [member]` and the body after it. Properties: no panic, no
//! 5xx, every error is `application/problem+json` with a `code`, every success that says JSON is
//! JSON, and every journal syntax error is placed at a line and column.

use axum::body::Body;
use axum::http::{header, Request};
use custody_fuzz::{shape, Outcome};
use custody_server::auth::{create_key, Role};
use custody_server::{app, AppState};
use custody_store::{MemoryStore, Registry, Store};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

pub const DICT: &[&str] = &[
    "POST /entities\n",
    "POST /keys\n",
    "POST /entities/fz/journal application/json\n",
    "POST /entities/fz/journal text/plain member\n",
    "POST /entities/fz/transfers/accept\n",
    "POST /entities/fz/transfers/reject\n",
    "GET /entities/fz/verify\n",
    "GET /entities?limit=0\n",
    "\n%%\n",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"id\"",
    "\"name\"",
    "\"ratios\"",
    "\"gwp\"",
    "\"role\"",
    "\"entity\"",
    "\"grants\"",
    "\"journal\"",
    "\"sale\"",
    "\"date\"",
    "\"transfer\"",
    "\"efi\"",
    "\"molar\"",
    "\"ar5\"",
    "\"admin\"",
    "\"member\"",
    "\"verifier\"",
    "\"counterparty\"",
    "null",
    "true",
    "false",
    "1e400",
    "-0",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\\u202e\"",
    "\"fz\"",
    "\"fz/s1/b\"",
    "\"2025-01-05\"",
    "2025-01-02 purchase p1\\n  supplier sup\\n  item ore\\n  quantity 10 t\\n  factor 5 kgCO2/t\\n",
];

pub struct Target {
    rt: tokio::runtime::Runtime,
}

impl Target {
    pub fn new() -> Target {
        Target { rt: tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime") }
    }

    pub fn run(&mut self, data: &[u8]) -> Outcome {
        self.rt.block_on(run(data))
    }
}

const SETUP: &str =
    "counterparty sup \"Supplier\"\ncounterparty b \"B\"\nitem ore \"Ore\"\n  category raw-material\n  \
    carbon-content 0.01\nitem steel \"Steel\"\n  category product\nperiod 2025-01 2025-01-01 2025-01-31\n";

async fn run(data: &[u8]) -> Outcome {
    let state = Arc::new(AppState::new(Registry::new(MemoryStore::new())));
    let store = state.registry.store();
    let admin = create_key(store, Role::Admin, None, vec![]).await.map_err(|e| format!("admin key: {e:?}"))?.1;
    let entity = custody_journal::parse(&[custody_journal::Source {
        name: "setup".into(),
        text: format!("entity fz \"Fuzz\"\n  ratios efi\n  gwp ar6\n{SETUP}"),
    }])
    .0;
    for (i, s) in entity.into_iter().enumerate() {
        match s.entry {
            custody_journal::Entry::Entity(e) => state.registry.create(&e).await.map(|_| ()),
            other => state.registry.submit("fz", vec![other]).await.map(|_| ()),
        }
        .map_err(|e| format!("setup entry {i}: {e}"))?;
    }
    let member =
        create_key(store, Role::Member, Some("fz".into()), vec![]).await.map_err(|e| format!("member key: {e:?}"))?.1;
    let router = app(state.clone());
    let mut sig = Vec::new();
    for request in data.split_str_lines() {
        let (head, body) = match request.iter().position(|&b| b == b'\n') {
            Some(i) => (&request[..i], &request[i + 1..]),
            None => (request, &b""[..]),
        };
        let head = String::from_utf8_lossy(head);
        let mut words = head.split(' ');
        let method = words.next().unwrap_or("");
        let path = words.next().unwrap_or("/");
        let content_type = words.next().filter(|w| w.contains('/')).unwrap_or("application/json");
        let key = if head.split(' ').any(|w| w == "member") { &member } else { &admin };
        let Ok(req) = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body.to_vec()))
        else {
            sig.push("not a request".to_string());
            continue;
        };
        let res = router.clone().oneshot(req).await.map_err(|e| format!("the router failed: {e}"))?;
        let status = res.status();
        let ct = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let bytes = axum::body::to_bytes(res.into_body(), 64 << 20).await.map_err(|e| format!("the body: {e}"))?;
        let what = format!("{method} {path} -> {status}");
        if status.is_server_error() {
            return Err(format!("{what}: {}", String::from_utf8_lossy(&bytes)));
        }
        if status.is_client_error() {
            if !ct.starts_with("application/problem+json") {
                return Err(format!(
                    "{what}: an error as `{ct}`, not problem+json: {}",
                    String::from_utf8_lossy(&bytes)
                ));
            }
            let v: Value =
                serde_json::from_slice(&bytes).map_err(|e| format!("{what}: the problem is not JSON: {e}"))?;
            let code =
                v["code"].as_str().filter(|c| !c.is_empty()).ok_or(format!("{what}: a problem without a code: {v}"))?;
            if v["status"].as_u64() != Some(status.as_u16() as u64) {
                return Err(format!("{what}: the problem's status differs: {v}"));
            }
            if let Some(errors) = v["errors"].as_array() {
                for e in errors {
                    if e["line"].as_u64().unwrap_or(0) == 0 || e["column"].as_u64().unwrap_or(0) == 0 {
                        return Err(format!("{what}: a journal error without a line and column: {e}"));
                    }
                }
            }
            let detail: String = shape(v["detail"].as_str().unwrap_or("")).chars().take(80).collect();
            sig.push(format!("{method} {status} {code} {detail}"));
        } else {
            if ct.starts_with("application/json") {
                serde_json::from_slice::<Value>(&bytes)
                    .map_err(|e| format!("{what}: the JSON body does not parse: {e}"))?;
            }
            sig.push(format!("{method} {status}"));
        }
    }
    for id in state.registry.store().entity_ids().await.map_err(|e| e.to_string())? {
        state
            .registry
            .verify(&id)
            .await
            .map_err(|e| format!("entity `{id}` does not verify after the requests: {e}"))?;
    }
    Ok(sig.join("\n"))
}

/// Requests are separated by lines `%%`.
trait SplitRequests {
    fn split_str_lines(&self) -> Vec<&[u8]>;
}

impl SplitRequests for [u8] {
    fn split_str_lines(&self) -> Vec<&[u8]> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut i = 0;
        while i + 3 <= self.len() {
            if &self[i..i + 3] == b"\n%%" {
                out.push(&self[start..i]);
                start = i + 3;
                i += 3;
            } else {
                i += 1;
            }
        }
        out.push(&self[start..]);
        out.into_iter().map(|r| r.strip_prefix(b"\n").unwrap_or(r)).take(8).collect()
    }
}
