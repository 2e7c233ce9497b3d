//! The HTTP API. JSON over HTTP for every ledger operation (in the journal syntax or as typed JSON
//! operations, one batch per request, all or nothing), every statement, transfers, reconciliation
//! and verification; errors as `application/problem+json`; every list paginated; API keys with
//! roles. The request and response bodies are the types of [`wire`]; the routes, their permissions
//! and schemas are documented in `/openapi.json` (see [`openapi`]).

pub mod auth;
pub mod error;
mod journal;
mod openapi;
pub mod pact;
pub mod pact_doc;
pub mod pact_outbox;
pub mod pact_receive;
pub mod pact_return;
pub mod pact_send;
pub mod pact_versions;
pub mod report_cache;
mod reports;
pub mod ui;
pub mod wire;

use auth::{Caller, Role};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use custody_core::model::parse_date;
use custody_core::ops::{Op, Operation, Receive};
use custody_core::units::{CarbonRatios, Gwp};
use custody_core::Entity;
use custody_journal::Entry;
use custody_store::{Outcome, Reconciliation, Registry, Store, Transfer};
use error::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;

pub use openapi::{openapi, Body, Route, ROUTES, ROUTE_TABLE};

/// Largest page a list returns.
pub const MAX_PAGE: usize = 1_000;
/// Page size when none is asked for.
pub const DEFAULT_PAGE: usize = 100;

pub struct AppState<S: Store> {
    pub registry: Registry<S>,
    /// Statements rendered at the current journal head ([`report_cache`]).
    pub reports: report_cache::ReportCache,
    /// The PACT host's settings and tokens ([`pact`]); by default no TLS, so PACT routes refuse.
    pub pact: pact::PactConfig,
}

impl<S: Store> AppState<S> {
    pub fn new(registry: Registry<S>) -> AppState<S> {
        AppState { registry, reports: Default::default(), pact: pact::PactConfig::default() }
    }
}

type Shared<S> = State<Arc<AppState<S>>>;
type ApiResult = Result<Response, ApiError>;

/// The router. Generic over the store so tests can run it on memory, SQLite or PostgreSQL.
pub fn app<S: Store + 'static>(state: Arc<AppState<S>>) -> Router {
    // PACT routes answer PACT's own error bodies, so they sit outside the problem+json layer.
    pact::router(state.clone()).merge(api(state))
}

fn api<S: Store + 'static>(state: Arc<AppState<S>>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi_route))
        .route("/entities", get(list_entities::<S>).post(create_entity::<S>))
        .route("/keys", post(create_key::<S>))
        .route("/keys/{id}", delete(revoke_key::<S>))
        .route("/entities/{id}/journal", post(post_journal::<S>))
        .route("/entities/{id}/transactions", get(list_transactions::<S>))
        .route("/entities/{id}/entries", get(list_entries::<S>))
        .route("/entities/{id}/reports/{kind}", get(reports::report::<S>))
        .route("/entities/{id}/verify", get(verify::<S>))
        .route("/entities/{id}/assess", get(assess::<S>))
        .route("/entities/{id}/export", get(export::<S>))
        .route("/entities/{id}/transfers", get(list_transfers::<S>))
        .route("/entities/{id}/transfers/accept", post(accept_transfer::<S>))
        .route("/entities/{id}/transfers/reject", post(reject_transfer::<S>))
        .route("/reconciliation", get(reconciliation::<S>))
        .route("/", get(ui::index))
        .route("/ui/{page}", get(ui::page))
        .route("/ui/assets/{file}", get(ui::asset))
        .route("/ui/scales.json", get(ui::scales))
        .fallback(error::no_route)
        .with_state(state)
        .layer(axum::middleware::map_response(error::problem_json))
}

/// Runs a write to its end in a task of its own, so that a client that disconnects mid-request
/// neither cuts it short (half-done, with the cached ledger dropped and replayed by the next
/// request) nor is told anything: the write commits or fails as a whole either way.
async fn detached<S, T, F>(state: &Arc<AppState<S>>, work: impl FnOnce(Arc<AppState<S>>) -> F) -> Result<T, ApiError>
where
    S: Store + 'static,
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    tokio::spawn(work(state.clone())).await.map_err(|e| {
        tracing::error!(error = %e, "a write task failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the write failed; see the server log")
    })
}

async fn who<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    auth::caller(state.registry.store(), auth).await
}

/// [`who`] and the head of `entity`'s journal (`None`: no such entity) in one store call
/// (`Store::key_and_head`): what a journal write or a kept statement asks before anything else.
async fn who_and_head<S: Store>(
    state: &AppState<S>,
    headers: &HeaderMap,
    entity: &str,
) -> Result<(Caller, Option<custody_store::Head>), ApiError> {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    auth::caller_and_head(state.registry.store(), auth, entity).await
}

/// The refusal of a request naming an entity the registry does not hold (404).
fn no_entity(id: &str) -> ApiError {
    ApiError::from(custody_store::StoreError::NotFound(id.to_string()))
}

async fn exists<S: Store>(state: &AppState<S>, entity: &str) -> Result<(), ApiError> {
    state.registry.store().head(entity).await?;
    Ok(())
}

// ---- pagination ------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct PageQuery {
    offset: Option<usize>,
    limit: Option<usize>,
}

/// A page of `items`: `{items, offset, limit, total, next_offset}`.
fn page<T>(items: Vec<T>, q: &PageQuery) -> Result<wire::Page<T>, ApiError> {
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad_request(format!("limit must be 1 to {MAX_PAGE}")));
    }
    let offset = q.offset.unwrap_or(0);
    let total = items.len();
    let slice: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
    let next = (offset + slice.len() < total).then_some(offset + slice.len());
    Ok(wire::Page { items: slice, offset, limit, total, next_offset: next })
}

fn json_response(status: StatusCode, v: impl Serialize) -> Response {
    (status, Json(v)).into_response()
}

// ---- routes ------------------------------------------------------------------------------------------

async fn health() -> Response {
    json_response(StatusCode::OK, wire::Health { status: "ok".into() })
}

async fn openapi_route() -> Response {
    json_response(StatusCode::OK, openapi())
}

async fn create_entity<S: Store + 'static>(State(state): Shared<S>, headers: HeaderMap, body: Bytes) -> ApiResult {
    who(&state, &headers).await?.require_admin()?;
    let e: wire::NewEntity = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
    if let Err(why) = custody_core::id::check_id(&e.id) {
        let mut err = ApiError::bad_request(format!("the entity id: {why} (docs/journal.md, Identifiers)"));
        err.code = "invalid_id".into();
        err.extra = json!({"rule": why.rule()});
        return Err(err);
    }
    let entity = Entity {
        ratios: CarbonRatios::parse(&e.ratios).ok_or_else(|| ApiError::bad_request("ratios is `efi` or `molar`"))?,
        gwp: Gwp::parse(&e.gwp).ok_or_else(|| ApiError::bad_request("gwp is `ar5` or `ar6`"))?,
        id: e.id,
        name: e.name,
        co_voc: Default::default(),
    };
    let created = entity.clone();
    detached(&state, |st| async move { st.registry.create(&created).await }).await??;
    Ok(json_response(StatusCode::CREATED, wire::Entity::from(&entity)))
}

async fn list_entities<S: Store>(State(state): Shared<S>, headers: HeaderMap, Query(q): Query<PageQuery>) -> ApiResult {
    let caller = who(&state, &headers).await?;
    let mut items = Vec::new();
    for id in state.registry.store().entity_ids().await? {
        let visible = match caller.role {
            Role::Admin => true,
            Role::Member | Role::Counterparty => caller.entity.as_deref() == Some(id.as_str()),
            Role::Verifier => caller.grants.contains(&id),
        };
        if visible {
            items.push(state.registry.read(&id, |l| wire::Entity::from(l.entity())).await?);
        }
    }
    Ok(json_response(StatusCode::OK, wire::EntityPage::from(page(items, &q)?)))
}

async fn create_key<S: Store>(State(state): Shared<S>, headers: HeaderMap, body: Bytes) -> ApiResult {
    who(&state, &headers).await?.require_admin()?;
    let k: wire::NewKey = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
    let role =
        Role::parse(&k.role).ok_or_else(|| ApiError::bad_request("role is admin, member, counterparty or verifier"))?;
    for e in k.entity.iter().chain(&k.grants) {
        exists(&state, e).await?;
    }
    let (id, secret) = auth::create_key(state.registry.store(), role, k.entity, k.grants).await?;
    Ok(json_response(StatusCode::CREATED, wire::CreatedKey { id, secret, role: role.as_str().into() }))
}

async fn revoke_key<S: Store>(State(state): Shared<S>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    who(&state, &headers).await?.require_admin()?;
    if state.registry.store().revoke_key(&id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(format!("no key `{id}`")))
    }
}

/// Posts a batch of journal entries (operations and definitions) to one ledger, all or nothing.
/// The body is the journal text, as `text/plain` or as JSON `{"journal": "..."}`, or typed JSON
/// operations `{"operations": [...]}` ([`journal`]).
async fn post_journal<S: Store + 'static>(
    State(state): Shared<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    // The key and the entity's existence in one store call.
    let (caller, head) = who_and_head(&state, &headers, &id).await?;
    caller.require_write(&id)?;
    head.ok_or_else(|| no_entity(&id))?;
    let entries = journal::entries(&headers, &body)?;
    let outcomes = detached(&state, |st| async move { st.registry.submit(&id, entries).await }).await??;
    if prefers_minimal(&headers) {
        let mut res = json_response(StatusCode::OK, wire::Outcomes::minimal(&outcomes));
        res.headers_mut().insert("preference-applied", header::HeaderValue::from_static("return=minimal"));
        return Ok(res);
    }
    Ok(json_response(StatusCode::OK, outcomes_json(&outcomes)))
}

/// Whether the request asks for `Prefer: return=minimal` (RFC 7240 §4.2): the outcomes without
/// the transactions posted (a bulk writer's answer stays the size of its request, not 25 times it).
/// Preferences are separated by commas, a preference's parameters follow `;` (they are not
/// preferences), spaces around `=` are allowed, and the first `return` preference counts (§2).
fn prefers_minimal(headers: &HeaderMap) -> bool {
    let first_return = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|pref| {
            let token = pref.split(';').next().unwrap_or("");
            let (name, value) = token.split_once('=')?;
            name.trim().eq_ignore_ascii_case("return").then(|| value.trim().trim_matches('"').to_ascii_lowercase())
        })
        .next();
    first_return.as_deref() == Some("minimal")
}

fn outcomes_json(outcomes: &[Outcome]) -> wire::Outcomes {
    wire::Outcomes::new(outcomes)
}

async fn list_transactions<S: Store>(
    State(state): Shared<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    who(&state, &headers).await?.require_read(&id)?;
    let items =
        state.registry.read(&id, |l| l.transactions().iter().map(wire::TransactionJson::from).collect()).await?;
    Ok(json_response(StatusCode::OK, wire::TransactionPage::from(page(items, &q)?)))
}

#[derive(Deserialize)]
struct EntriesQuery {
    offset: Option<usize>,
    limit: Option<usize>,
    /// Only the entry of this operation id (a page of one, or none).
    operation: Option<String>,
}

/// The stored journal entries with their hashes, in order; `?operation=ID` finds the one entry
/// that posted a transaction.
async fn list_entries<S: Store>(
    State(state): Shared<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<EntriesQuery>,
) -> ApiResult {
    who(&state, &headers).await?.require_read(&id)?;
    let store = state.registry.store();
    let head = store.head(&id).await?;
    let paging = PageQuery { offset: q.offset, limit: q.limit };
    let Some(op) = q.operation else {
        // Page by sequence number: entry `offset + 1` is the first of the page.
        let limit = paging.limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > MAX_PAGE {
            return Err(ApiError::bad_request(format!("limit must be 1 to {MAX_PAGE}")));
        }
        let offset = paging.offset.unwrap_or(0);
        let rows = store.entries(&id, offset as i64, limit as i64).await?;
        let total = head.seq as usize;
        let next = (offset + rows.len() < total).then_some(offset + rows.len());
        let items = rows.into_iter().map(wire::EntryJson::from).collect();
        return Ok(json_response(StatusCode::OK, wire::EntryPage { items, offset, limit, total, next_offset: next }));
    };
    let mut after = 0i64;
    let mut found = Vec::new();
    while after < head.seq {
        let rows = store.entries(&id, after, MAX_PAGE as i64).await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        found.extend(rows.into_iter().filter(|r| r.op_id.as_deref() == Some(op.as_str())).map(wire::EntryJson::from));
    }
    Ok(json_response(StatusCode::OK, wire::EntryPage::from(page(found, &paging)?)))
}

/// The `?format=` of a report or an assessment (default JSON).
fn format_of(q: Option<&str>) -> Result<custody_report::Format, ApiError> {
    match q {
        None => Ok(custody_report::Format::Json),
        Some(f) => custody_report::Format::parse(f)
            .ok_or_else(|| ApiError::bad_request(format!("format `{f}` is not one of: text, json, csv"))),
    }
}

async fn verify<S: Store>(State(state): Shared<S>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    who(&state, &headers).await?.require_read(&id)?;
    exists(&state, &id).await?;
    match state.registry.verify(&id).await {
        Ok(r) => Ok(json_response(
            StatusCode::OK,
            wire::Verified {
                ok: true,
                entries: r.entries,
                transactions: r.transactions,
                balances: r.balances,
                head_hash: r.head_hash,
                snapshot_seq: r.snapshot_seq,
                snapshot_other_build: r.snapshot_other_build.map(|(_, by)| by),
            },
        )),
        Err(e) => Err(ApiError {
            status: StatusCode::CONFLICT,
            code: "verify_failed".into(),
            detail: e.to_string(),
            extra: json!({"ok": false, "seq": e.seq, "operation": e.op_id}),
        }),
    }
}

async fn export<S: Store>(State(state): Shared<S>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    who(&state, &headers).await?.require_read(&id)?;
    let text = state.registry.read(&id, custody_journal::export).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// A transfer as JSON (docs/reports.md): with its booked side and mismatch flag when reconciled.
pub fn transfer_json(t: &Transfer, r: Option<&Reconciliation>) -> Value {
    serde_json::to_value(wire::TransferJson::new(t, r)).expect("a transfer serializes")
}

async fn list_transfers<S: Store>(
    State(state): Shared<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    let caller = who(&state, &headers).await?;
    let allowed = match caller.role {
        Role::Member | Role::Counterparty => caller.entity.as_deref() == Some(id.as_str()),
        Role::Verifier => caller.grants.contains(&id),
        Role::Admin => true,
    };
    if !allowed {
        return Err(ApiError::forbidden(format!("this key may not see the transfers of `{id}`")));
    }
    exists(&state, &id).await?;
    let items = state
        .registry
        .transfers(&id)
        .await?
        .iter()
        // A counterparty key sees only what is addressed to it.
        .filter(|t| caller.role != Role::Counterparty || t.buyer == id)
        .map(|t| wire::TransferJson::new(t, None))
        .collect();
    Ok(json_response(StatusCode::OK, wire::TransferPage::from(page(items, &q)?)))
}

/// A transfer decision's body (accept or reject) and its date; a body that does not parse, or
/// names a field the route does not read, is 400 `bad_request`.
fn decision<T: serde::de::DeserializeOwned>(
    body: &Bytes,
    date: impl Fn(&T) -> &str,
) -> Result<(T, custody_core::model::Date), ApiError> {
    let d: T = serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
    let text = date(&d);
    let day = parse_date(text).ok_or_else(|| ApiError::bad_request(format!("`{text}` is not a date YYYY-MM-DD")))?;
    Ok((d, day))
}

/// The buyer books a transfer: a `receive` with the seller's exact amounts.
async fn accept_transfer<S: Store + 'static>(
    State(state): Shared<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    who(&state, &headers).await?.require_write(&id)?;
    let (d, date) = decision(&body, |d: &wire::TransferDecision| &d.date)?;
    let item = d.item.clone().ok_or_else(|| ApiError::bad_request("name the `item` the transfer is booked as"))?;
    let custody = match &d.custody {
        None => None,
        Some(m) => Some(custody_core::coc::CustodyModel::parse(m).ok_or_else(|| {
            ApiError::bad_request(format!(
                "`custody`: `{m}` is not a chain-of-custody model ({})",
                custody_core::coc::CustodyModel::names()
            ))
        })?),
    };
    let op = Op {
        id: d.id.clone().unwrap_or_else(|| format!("receive:{}", d.transfer)),
        date,
        memo: String::new(),
        body: Operation::Receive(Receive {
            transfer: d.transfer,
            item,
            lot: d.lot,
            site: d.site,
            custody,
            ..Receive::default()
        }),
    };
    let outcomes =
        detached(&state, |st| async move { st.registry.submit(&id, vec![Entry::Op(Box::new(op))]).await }).await??;
    Ok(json_response(StatusCode::OK, outcomes_json(&outcomes)))
}

/// The buyer refuses a transfer: the seller's ledger books a `return` whose id and date the
/// seller's side derives (`return:SELLER/SALE/BUYER`, dated on the sale); a buyer's own `id` is
/// refused, its `date` is the decision's and never written into the seller's books.
async fn reject_transfer<S: Store + 'static>(
    State(state): Shared<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    who(&state, &headers).await?.require_write(&id)?;
    let (d, _) = decision(&body, |d: &wire::TransferRejection| &d.date)?;
    if custody_core::ops::split_transfer_id(&d.transfer).is_some_and(|(_, _, buyer)| buyer != id) {
        return Err(ApiError::forbidden(format!("transfer `{}` is not addressed to `{id}`", d.transfer)));
    }
    let derived = format!("return:{}", d.transfer);
    if d.id.as_ref().is_some_and(|given| *given != derived) {
        return Err(ApiError::bad_request(format!(
            "the seller's return is named by the registry (`{derived}`), not by the buyer"
        )));
    }
    let transfer = d.transfer.clone();
    let buyer = id.clone();
    let outcomes = detached(&state, |st| async move { st.registry.reject(&buyer, &transfer).await }).await??;
    Ok(json_response(StatusCode::OK, outcomes_json(&outcomes)))
}

async fn reconciliation<S: Store>(
    State(state): Shared<S>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    let caller = who(&state, &headers).await?;
    let rows = state.registry.reconcile().await?;
    let items: Vec<wire::TransferJson> = rows
        .iter()
        .filter(|r| caller.can_see_transfer(&r.transfer.seller, &r.transfer.buyer))
        .filter(|r| caller.role != Role::Counterparty || caller.entity.as_deref() == Some(r.transfer.buyer.as_str()))
        .map(|r| wire::TransferJson::new(&r.transfer, Some(r)))
        .collect();
    let mismatches = items.iter().filter(|v| v.mismatch == Some(true)).count();
    let certificates: Vec<wire::CertificateSettlementJson> = state
        .registry
        .reconcile_certificates()
        .await?
        .iter()
        .filter(|c| caller.can_see_transfer(&c.from, &c.to))
        .map(wire::CertificateSettlementJson::new)
        .collect();
    let certificate_mismatches = certificates.iter().filter(|c| c.mismatch.is_some()).count();
    let p = page(items, &q)?;
    Ok(json_response(
        StatusCode::OK,
        wire::ReconciliationPage {
            items: p.items,
            offset: p.offset,
            limit: p.limit,
            total: p.total,
            next_offset: p.next_offset,
            mismatches,
            certificates,
            certificate_mismatches,
        },
    ))
}

#[derive(Deserialize)]
struct AssessQuery {
    product: String,
    #[serde(default = "default_material")]
    material: String,
    /// POOL/CLAIM-ID
    claim: Option<String>,
    avoided: Option<String>,
    period: Option<String>,
    /// Comma-separated framework ids (default: all).
    frameworks: Option<String>,
    /// `json` (default), `text` or `csv`.
    format: Option<String>,
}

fn default_material() -> String {
    "steel".into()
}

/// A product's footprint, and a claim on it, against the embedded frameworks.
async fn assess<S: Store>(
    State(state): Shared<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<AssessQuery>,
) -> ApiResult {
    use custody_core::claims;
    who(&state, &headers).await?.require_read(&id)?;
    let format = format_of(q.format.as_deref())?;
    let wanted: Vec<String> =
        q.frameworks.as_deref().map(|f| f.split(',').map(str::to_string).collect()).unwrap_or_default();
    let text = state
        .registry
        .read(&id, |ledger| {
            let scope =
                custody_core::statements::Scope::resolve(ledger, q.period.as_deref()).map_err(ApiError::not_found)?;
            let fp =
                claims::footprint_from_ledger(ledger, &scope, &q.product, &q.material).map_err(ApiError::not_found)?;
            let claim =
                claims::claim_from_ledger(ledger, q.claim.as_deref(), q.avoided.as_deref()).map_err(|e| match e {
                    claims::ClaimRefError::Usage(m) => ApiError::bad_request(m),
                    claims::ClaimRefError::Unknown(m) => ApiError::not_found(m),
                })?;
            let verdicts: Vec<_> = custody_frameworks::shared()
                .iter()
                .filter(|f| wanted.is_empty() || wanted.contains(&f.id))
                .map(|f| claims::assess(f, &fp, claim.as_ref()))
                .collect();
            let mut text = custody_report::render_verdicts(&fp, claim.as_ref(), &verdicts, format);
            // The default period is stated as `custody assess` states it.
            if let (None, custody_report::Format::Text) = (&q.period, format) {
                let (id, why) = custody_core::statements::Scope::default_choice(ledger).map_err(ApiError::not_found)?;
                text += &format!("\n{}", custody_report::period_note(&id, &why));
            }
            Ok::<_, ApiError>(text)
        })
        .await??;
    Ok(([(header::CONTENT_TYPE, format.content_type())], text).into_response())
}
