//! The PACT v3 host (Tech Specs v3.0.3; docs/pact.md): `POST /auth/token` (OAuth2 client
//! credentials, HTTP Basic), `/.well-known/openid-configuration`, `GET /3/footprints` (filters,
//! `Link` pagination), `GET /3/footprints/{id}`, `POST /3/events`, and the custody extension's
//! schema. Footprints are generated on each request from the client's entity's ledger
//! (`custody_pact::footprints`): only complete ones are served.
//!
//! Errors are PACT's `{"code", "message"}` (`BadRequest` 400, `AccessDenied` 403, `NotFound` 404,
//! `TokenExpired` 401, `InternalError` 500); the token endpoint's are RFC 6749 §5.2
//! `{"error", "error_description"}`. An unknown or malformed bearer token is 401 `BadRequest`
//! (the conformance checker expects that code), an expired one 401 `TokenExpired`. Without TLS
//! every PACT route answers 403 `AccessDenied`: the specification requires HTTPS.

// Helpers return the ready error `Response` (128 bytes) as their `Err`: boxing it buys nothing.
#![allow(clippy::result_large_err)]

use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use custody_pact::{events, Filter, Options};
use custody_store::{key_hash, ApiKey, Store};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The role stored with a PACT client's credentials (an API key row; the main API refuses it).
pub const CLIENT_ROLE: &str = "pact-client";
pub use crate::pact_receive::CLIENT_PEER;
/// Lifetime of an access token, seconds.
pub const TOKEN_SECONDS: u64 = 3600;
/// Largest `limit` of ListFootprints, and the page size when none is asked for.
pub const MAX_LIMIT: usize = 1000;

/// PACT settings of a server: whether it is reached over TLS, what the owners declare
/// ([`Options`]; `base_url` is taken from each request's `Host`), and the live tokens.
#[derive(Default)]
pub struct PactConfig {
    pub tls: bool,
    pub options: Options,
    /// Credentials to answer requests at the requesters' hosts; without them requests are
    /// accepted and their answers not sent (logged).
    pub callback: Option<crate::pact_send::Callback>,
    /// Extra trusted roots (PEM) for peers' and requesters' hosts (`--pact-ca-cert`).
    pub ca_pem: Option<Vec<u8>>,
    /// The entity signing key's public half (64 hex digits), published at
    /// `/.well-known/custody-signing-key` (`serve --signing-key FILE`).
    pub signing_public: Option<String>,
    /// When outgoing messages are retried (`crate::pact_outbox`).
    pub schedule: crate::pact_outbox::Schedule,
    /// Wakes the outbox worker when a message is queued.
    pub outbox_wake: tokio::sync::Notify,
    /// Live tokens: `(entity, client id, expiry)`.
    tokens: Mutex<HashMap<String, (String, String, Instant)>>,
}

impl PactConfig {
    pub fn new(tls: bool, options: Options) -> PactConfig {
        PactConfig { tls, options, ..PactConfig::default() }
    }
}

type Shared<S> = State<Arc<AppState<S>>>;

fn pact_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], json!({"code": code, "message": message.into()}).to_string())
        .into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description}).to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn json_ok(v: Value) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

fn random_hex(n: usize) -> Result<String, Response> {
    let mut bytes = vec![0u8; n];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| pact_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Creates a client for `entity`: `(client_id, client_secret)`; only the secret's SHA-256 is stored.
/// With `peer`, the client is bound to that seller entity ([`CLIENT_PEER`]): it may deliver
/// transfers as that seller only; without, it may read footprints but deliver nothing.
pub async fn create_client<S: Store>(
    store: &S,
    entity: &str,
    peer: Option<&str>,
) -> Result<(String, String), crate::error::ApiError> {
    let hex = |n| random_hex(n).map_err(|_| crate::error::ApiError::bad_request("no randomness"));
    let (id, secret) = (format!("pact_{}", hex(8)?), format!("pcs_{}", hex(24)?));
    let key = ApiKey {
        id: id.clone(),
        hash: key_hash(&secret),
        role: CLIENT_ROLE.into(),
        entity: Some(entity.into()),
        grants: vec![],
        revoked: false,
    };
    if let Some(peer) = peer {
        if peer.is_empty() || peer == entity {
            return Err(crate::error::ApiError::bad_request(format!(
                "--peer `{peer}`: the seller must be another entity than the buyer `{entity}`"
            )));
        }
        // The binding is written before the key: a key never exists without its binding.
        store.put_record(entity, CLIENT_PEER, &id, peer).await?;
    }
    store.put_key(&key).await?;
    Ok((id, secret))
}

/// The PACT routes, without the problem+json layer of the main API.
pub fn router<S: Store + 'static>(state: Arc<AppState<S>>) -> Router {
    Router::new()
        .route("/auth/token", post(token::<S>))
        .route("/.well-known/openid-configuration", get(openid::<S>))
        .route("/.well-known/jwks.json", get(jwks::<S>))
        .route("/3/footprints", get(list::<S>))
        .route("/3/footprints/{id}", get(one::<S>))
        .route("/3/events", post(event::<S>))
        .route(crate::pact_receive::KEY_PATH, get(signing_key::<S>))
        .route(custody_pact::EXTENSION_PATH, get(extension_schema))
        .with_state(state)
}

fn https_only<S: Store>(state: &AppState<S>) -> Result<(), Response> {
    if state.pact.tls {
        Ok(())
    } else {
        Err(pact_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "PACT routes are served over HTTPS only (`custody serve --tls-...`)",
        ))
    }
}

/// `https://HOST[:PORT]` as the client addressed this server: the `Host` header (HTTP/1.1) or
/// the request's authority (HTTP/2).
fn base_url(headers: &HeaderMap, uri: &Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".into());
    format!("https://{host}")
}

async fn extension_schema() -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/schema+json")], custody_pact::EXTENSION_SCHEMA)
        .into_response()
}

async fn openid<S: Store>(State(state): Shared<S>, uri: Uri, headers: HeaderMap) -> Response {
    if let Err(r) = https_only(&state) {
        return r;
    }
    let base = base_url(&headers, &uri);
    json_ok(json!({
        "issuer": base,
        "token_endpoint": format!("{base}/auth/token"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["none"],
        "scopes_supported": ["footprint:list", "footprint:read"],
    }))
}

/// The entity signing key's public half, as text (`serve --signing-key`); else 404.
async fn signing_key<S: Store>(State(state): Shared<S>) -> Response {
    if let Err(r) = https_only(&state) {
        return r;
    }
    match &state.pact.signing_public {
        Some(k) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], format!("{k}\n")).into_response(),
        None => {
            pact_error(StatusCode::NOT_FOUND, "NotFound", "this server publishes no signing key (serve --signing-key)")
        }
    }
}

/// No signing keys: access tokens are opaque random strings checked by this server.
async fn jwks<S: Store>(State(state): Shared<S>) -> Response {
    if let Err(r) = https_only(&state) {
        return r;
    }
    json_ok(json!({"keys": []}))
}

/// `client_id:client_secret` from `Authorization: Basic ...`.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(rest.trim()).ok()?;
    let (id, secret) = String::from_utf8(raw).ok()?.split_once(':').map(|(a, b)| (a.to_string(), b.to_string()))?;
    Some((form_decode(&id), form_decode(&secret)))
}

/// `application/x-www-form-urlencoded` decoding of one name or value.
fn form_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() && u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or("zz"), 16).is_ok() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(b'%'));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn form_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

async fn token<S: Store>(State(state): Shared<S>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = https_only(&state) {
        return r;
    }
    let Some((client_id, secret)) = basic(&headers) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "send the client credentials as HTTP Basic");
    };
    let form = form_pairs(&String::from_utf8_lossy(&body));
    if !form.iter().any(|(k, v)| k == "grant_type" && v == "client_credentials") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant_type must be client_credentials");
    }
    let key = match state.registry.store().key_by_hash(&key_hash(&secret)).await {
        Ok(k) => k,
        Err(_) => return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "the store failed"),
    };
    let Some(entity) = key.filter(|k| k.id == client_id && k.role == CLIENT_ROLE && !k.revoked).and_then(|k| k.entity)
    else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client or wrong secret");
    };
    let token = match random_hex(32) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let expires = Instant::now() + Duration::from_secs(TOKEN_SECONDS);
    let mut tokens = state.pact.tokens.lock().unwrap_or_else(|e| e.into_inner());
    tokens.retain(|_, (_, _, exp)| *exp > Instant::now());
    tokens.insert(token.clone(), (entity, client_id, expires));
    json_ok(json!({"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_SECONDS}))
}

/// The entity whose footprints the bearer token's client may read.
fn bearer<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Result<String, Response> {
    bearer_client(state, headers).map(|(entity, _)| entity)
}

/// The bearer token's `(entity, client id)`.
fn bearer_client<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Result<(String, String), Response> {
    https_only(state)?;
    let bad = |m: &str| pact_error(StatusCode::UNAUTHORIZED, "BadRequest", m);
    let v = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(|| bad("no bearer token"))?;
    let t = v
        .strip_prefix("Bearer ")
        .map(str::trim)
        .ok_or_else(|| bad("the Authorization header must be `Bearer TOKEN`"))?;
    let tokens = state.pact.tokens.lock().unwrap_or_else(|e| e.into_inner());
    match tokens.get(t) {
        Some((entity, client, exp)) if *exp > Instant::now() => Ok((entity.clone(), client.clone())),
        Some(_) => Err(pact_error(StatusCode::UNAUTHORIZED, "TokenExpired", "the access token has expired")),
        None => Err(bad("unknown access token")),
    }
}

/// Every published footprint version of `entity`, as served at `base` (`crate::pact_versions`):
/// the complete footprints generated now are published first, and each new version of an earlier
/// one is announced to the entity's peers in a `PublishedEvent.3`.
async fn served<S: Store>(state: &AppState<S>, entity: &str, base: String) -> Result<Vec<Value>, Response> {
    let internal = |e: String| pact_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", e);
    let mut opts = state.pact.options.clone();
    opts.base_url = base.clone();
    let current = state
        .registry
        .read(entity, |l| custody_pact::footprints(l, &opts))
        .await
        .map_err(|e| internal(e.to_string()))?;
    let store = state.registry.store();
    let v = crate::pact_versions::publish(store, entity, &base, current).await.map_err(|e| internal(e.to_string()))?;
    if !v.announce.is_empty() {
        let peers = crate::pact_versions::peers(store, entity).await.map_err(|e| internal(e.to_string()))?;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        let event =
            events::published(&v.announce, &crate::pact_send::random_uuid(), &base, &crate::pact_send::rfc3339(now));
        if peers.is_empty() {
            tracing::info!(ids = ?v.announce, "footprint versions published or withdrawn; the entity has no peers to tell");
        }
        for p in peers {
            let auth = json!({"peer": p.customer});
            crate::pact_outbox::enqueue(store, entity, &p.url, &event, auth)
                .await
                .map_err(|e| internal(e.to_string()))?;
            state.pact.outbox_wake.notify_one();
        }
    }
    Ok(v.all)
}

async fn list<S: Store>(State(state): Shared<S>, uri: Uri, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let entity = match bearer(&state, &headers) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let pairs = form_pairs(query.as_deref().unwrap_or(""));
    let filter = match Filter::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        Ok(f) => f,
        Err(e) => return pact_error(StatusCode::BAD_REQUEST, "BadRequest", e.message),
    };
    let num = |name: &str| -> Result<Option<usize>, Response> {
        match pairs.iter().rev().find(|(k, _)| k == name) {
            None => Ok(None),
            Some((_, v)) => v.parse::<usize>().map(Some).map_err(|_| {
                pact_error(StatusCode::BAD_REQUEST, "BadRequest", format!("`{name}` must be a non-negative integer"))
            }),
        }
    };
    let (limit, offset) = match (num("limit"), num("offset")) {
        (Ok(l), Ok(o)) => (l.unwrap_or(MAX_LIMIT), o.unwrap_or(0)),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    if limit == 0 || limit > MAX_LIMIT {
        return pact_error(StatusCode::BAD_REQUEST, "BadRequest", format!("`limit` must be 1 to {MAX_LIMIT}"));
    }
    let all = match served(&state, &entity, base_url(&headers, &uri)).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let matching: Vec<Value> = all.into_iter().filter(|pf| filter.matches(pf)).collect();
    let total = matching.len();
    let page: Vec<Value> = matching.into_iter().skip(offset).take(limit).collect();
    let mut res = json_ok(json!({"data": page}));
    if offset + page.len() < total {
        let mut q: Vec<String> = query
            .as_deref()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("offset=") && !p.starts_with("limit="))
            .map(str::to_string)
            .collect();
        q.push(format!("limit={limit}"));
        q.push(format!("offset={}", offset + page.len()));
        let link = format!("<{}/3/footprints?{}>; rel=\"next\"", base_url(&headers, &uri), q.join("&"));
        if let Ok(v) = HeaderValue::from_str(&link) {
            res.headers_mut().insert(header::LINK, v);
        }
    }
    res
}

async fn one<S: Store>(State(state): Shared<S>, uri: Uri, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let entity = match bearer(&state, &headers) {
        Ok(e) => e,
        Err(r) => return r,
    };
    match served(&state, &entity, base_url(&headers, &uri)).await {
        Ok(all) => match all.into_iter().find(|pf| pf["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(&id))) {
            Some(pf) => json_ok(json!({"data": pf})),
            None => pact_error(StatusCode::NOT_FOUND, "NotFound", format!("no footprint `{id}`")),
        },
        Err(r) => r,
    }
}

async fn event<S: Store>(State(state): Shared<S>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let (entity, client) = match bearer_client(&state, &headers) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return pact_error(StatusCode::BAD_REQUEST, "BadRequest", format!("the body is not JSON: {e}")),
    };
    if v["type"] == crate::pact_return::RETURN_EVENT {
        return match crate::pact_return::accept(&state, &entity, &client, &v).await {
            Ok(()) => StatusCode::OK.into_response(),
            Err(m) => refusal(m),
        };
    }
    if v["type"] == crate::pact_receive::DELIVERY_EVENT {
        return match crate::pact_receive::accept(&state, &entity, &client, &v).await {
            Ok(()) => StatusCode::OK.into_response(),
            Err(m) => refusal(m),
        };
    }
    match events::parse(&v) {
        Ok(events::Event::RequestCreated { id, source, filter }) => {
            let base = base_url(&headers, &uri);
            let pfs = match served(&state, &entity, base.clone()).await {
                Ok(all) => all.into_iter().filter(|pf| filter.matches(pf)).collect(),
                Err(r) => return r,
            };
            let now =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
            let answer =
                events::answer(&id, pfs, &crate::pact_send::random_uuid(), &base, &crate::pact_send::rfc3339(now));
            match &state.pact.callback {
                Some(_) => {
                    let store = state.registry.store();
                    // A requester answers slowly or not at all: at most PENDING_PER_REQUESTER
                    // answers wait for one host, so no client fills the outbox or starves the
                    // others' messages.
                    match crate::pact_outbox::pending_to(store, &entity, &source).await {
                        Ok(n) if n >= crate::pact_outbox::PENDING_PER_REQUESTER => {
                            return pact_error(
                                StatusCode::TOO_MANY_REQUESTS,
                                "BadRequest",
                                format!(
                                    "{n} answers to `{source}` are still pending: try again once they are delivered"
                                ),
                            )
                        }
                        Ok(_) => {}
                        Err(e) => return pact_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", e.to_string()),
                    }
                    if let Err(e) =
                        crate::pact_outbox::enqueue(store, &entity, &source, &answer, json!("callback")).await
                    {
                        return pact_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", e.to_string());
                    }
                    state.pact.outbox_wake.notify_one();
                }
                None => {
                    tracing::warn!(%source, "a PACT request was accepted; no --pact-callback-credentials to answer it")
                }
            }
            StatusCode::OK.into_response()
        }
        Ok(_) => StatusCode::OK.into_response(),
        Err(m) => pact_error(StatusCode::BAD_REQUEST, "BadRequest", m),
    }
}

/// A delivery's or return's refusal: `400 BadRequest`, but a failure of this server's database
/// (`StoreError`'s "database error: ...") is `500 InternalError`. The sender keeps such an
/// attempt pending rather than refused: what was written before the failure may stand, so
/// neither side may act as if nothing had arrived (docs/pact.md).
fn refusal(message: String) -> axum::response::Response {
    if message.starts_with("database error") || message.contains(": database error") {
        return pact_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", message);
    }
    pact_error(StatusCode::BAD_REQUEST, "BadRequest", message)
}
