//! The HTTP API. JSON over HTTP for every ledger operation (written in the journal syntax, one
//! batch per request, all or nothing), every statement, transfers, reconciliation and
//! verification; errors as `application/problem+json`; every list paginated; API keys with roles.
//! The routes and their permissions are documented in `/openapi.json` (see [`openapi`]).

pub mod auth;
pub mod error;
mod openapi;

use auth::{Caller, Role};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use custody_core::model::{format_date, parse_date, Transaction};
use custody_core::ops::{Op, Operation, Receive};
use custody_core::units::{CarbonRatios, Gwp};
use custody_core::Entity;
use custody_journal::{parse, Entry, Source};
use custody_store::{Outcome, Reconciliation, Registry, Store, Transfer};
use error::ApiError;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

pub use openapi::{openapi, ROUTES};

/// Largest page a list returns.
pub const MAX_PAGE: usize = 1_000;
/// Page size when none is asked for.
pub const DEFAULT_PAGE: usize = 100;

pub struct AppState<S: Store> {
    pub registry: Registry<S>,
}

type Shared<S> = State<Arc<AppState<S>>>;
type ApiResult = Result<Response, ApiError>;

/// The router. Generic over the store so tests can run it on memory, SQLite or PostgreSQL.
pub fn app<S: Store + 'static>(state: Arc<AppState<S>>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi_route))
        .route("/entities", get(list_entities::<S>).post(create_entity::<S>))
        .route("/keys", post(create_key::<S>))
        .route("/keys/{id}", delete(revoke_key::<S>))
        .route("/entities/{id}/journal", post(post_journal::<S>))
        .route("/entities/{id}/transactions", get(list_transactions::<S>))
        .route("/entities/{id}/reports/{kind}", get(report::<S>))
        .route("/entities/{id}/verify", get(verify::<S>))
        .route("/entities/{id}/assess", get(assess::<S>))
        .route("/entities/{id}/export", get(export::<S>))
        .route("/entities/{id}/transfers", get(list_transfers::<S>))
        .route("/entities/{id}/transfers/accept", post(accept_transfer::<S>))
        .route("/entities/{id}/transfers/reject", post(reject_transfer::<S>))
        .route("/reconciliation", get(reconciliation::<S>))
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
fn page(items: Vec<Value>, q: &PageQuery) -> Result<Value, ApiError> {
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad_request(format!("limit must be 1 to {MAX_PAGE}")));
    }
    let offset = q.offset.unwrap_or(0);
    let total = items.len();
    let slice: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    let next = (offset + slice.len() < total).then_some(offset + slice.len());
    Ok(json!({"items": slice, "offset": offset, "limit": limit, "total": total, "next_offset": next}))
}

fn json_response(status: StatusCode, v: Value) -> Response {
    (status, Json(v)).into_response()
}

// ---- routes ------------------------------------------------------------------------------------------

async fn health() -> Response {
    json_response(StatusCode::OK, json!({"status": "ok"}))
}

async fn openapi_route() -> Response {
    json_response(StatusCode::OK, openapi())
}

#[derive(Deserialize)]
struct NewEntity {
    id: String,
    name: String,
    #[serde(default = "default_ratios")]
    ratios: String,
    #[serde(default = "default_gwp")]
    gwp: String,
}

fn default_ratios() -> String {
    "efi".into()
}
fn default_gwp() -> String {
    "ar6".into()
}

async fn create_entity<S: Store + 'static>(State(state): Shared<S>, headers: HeaderMap, body: Bytes) -> ApiResult {
    who(&state, &headers).await?.require_admin()?;
    let e: NewEntity = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
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
    };
    let created = entity.clone();
    detached(&state, |st| async move { st.registry.create(&created).await }).await??;
    Ok(json_response(StatusCode::CREATED, entity_json(&entity)))
}

fn entity_json(e: &Entity) -> Value {
    json!({"id": e.id, "name": e.name, "ratios": e.ratios.as_str(), "gwp": e.gwp.as_str()})
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
            items.push(state.registry.read(&id, |l| entity_json(l.entity())).await?);
        }
    }
    Ok(json_response(StatusCode::OK, page(items, &q)?))
}

#[derive(Deserialize)]
struct NewKey {
    role: String,
    entity: Option<String>,
    #[serde(default)]
    grants: Vec<String>,
}

async fn create_key<S: Store>(State(state): Shared<S>, headers: HeaderMap, body: Bytes) -> ApiResult {
    who(&state, &headers).await?.require_admin()?;
    let k: NewKey = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
    let role =
        Role::parse(&k.role).ok_or_else(|| ApiError::bad_request("role is admin, member, counterparty or verifier"))?;
    for e in k.entity.iter().chain(&k.grants) {
        exists(&state, e).await?;
    }
    let (id, secret) = auth::create_key(state.registry.store(), role, k.entity, k.grants).await?;
    Ok(json_response(StatusCode::CREATED, json!({"id": id, "secret": secret, "role": role.as_str()})))
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
/// The body is the journal text, as `text/plain` or as JSON `{"journal": "..."}`.
async fn post_journal<S: Store + 'static>(
    State(state): Shared<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    who(&state, &headers).await?.require_write(&id)?;
    exists(&state, &id).await?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let text = if is_json {
        #[derive(Deserialize)]
        struct Body {
            journal: String,
        }
        serde_json::from_slice::<Body>(&body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?.journal
    } else {
        String::from_utf8(body.to_vec()).map_err(|_| ApiError::bad_request("the journal is not UTF-8"))?
    };
    let (entries, diags) = parse(&[Source { name: "request".into(), text }]);
    if !diags.is_empty() {
        let mut err = ApiError::bad_request(format!("{} error(s) in the journal", diags.len()));
        err.code = "journal_syntax".into();
        err.extra = json!({"errors": diags.iter().map(|d| json!({"line": d.line, "column": d.column, "message": d.message})).collect::<Vec<_>>()});
        return Err(err);
    }
    if entries.is_empty() {
        return Err(ApiError::bad_request("the journal holds no entry"));
    }
    if entries.iter().any(|e| matches!(e.entry, Entry::Entity(_))) {
        return Err(ApiError::bad_request("entities are created with POST /entities, not in a journal"));
    }
    let entries: Vec<Entry> = entries.into_iter().map(|e| e.entry).collect();
    let outcomes = detached(&state, |st| async move { st.registry.submit(&id, entries).await }).await??;
    Ok(json_response(StatusCode::OK, outcomes_json(&outcomes)))
}

fn outcomes_json(outcomes: &[Outcome]) -> Value {
    let items: Vec<Value> = outcomes
        .iter()
        .enumerate()
        .map(|(index, o)| match o {
            Outcome::Written { seq, transaction } => json!({
                "index": index, "result": "written", "seq": seq,
                "transaction": transaction.as_ref().map(transaction_json),
            }),
            Outcome::Duplicate => json!({"index": index, "result": "duplicate"}),
        })
        .collect();
    json!({"outcomes": items})
}

fn transaction_json(tx: &Transaction) -> Value {
    json!({
        "id": tx.id, "date": format_date(tx.date), "kind": tx.kind.as_str(), "description": tx.description,
        "reverses": tx.reverses,
        "postings": tx.postings.iter().map(|p| json!({
            "account": p.account, "species": p.species.as_str(), "amount_gC": p.amount,
            "item": p.dims.item, "lot": p.dims.lot, "site": p.dims.site,
            "origin": p.dims.origin.map(|o| o.as_str()), "counterparty": p.dims.counterparty,
        })).collect::<Vec<_>>(),
        "movements": tx.movements.iter().map(|m| json!({"item": m.item, "lot": m.lot, "site": m.site, "quantity": m.quantity})).collect::<Vec<_>>(),
        "meta": tx.meta,
    })
}

async fn list_transactions<S: Store>(
    State(state): Shared<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    who(&state, &headers).await?.require_read(&id)?;
    let items = state.registry.read(&id, |l| l.transactions().iter().map(transaction_json).collect()).await?;
    Ok(json_response(StatusCode::OK, page(items, &q)?))
}

#[derive(Deserialize)]
struct ReportQuery {
    period: Option<String>,
}

async fn report<S: Store>(
    State(state): Shared<S>,
    headers: HeaderMap,
    Path((id, kind)): Path<(String, String)>,
    Query(q): Query<ReportQuery>,
) -> ApiResult {
    who(&state, &headers).await?.require_read(&id)?;
    if !custody_report::KINDS.contains(&kind.as_str()) {
        return Err(ApiError::not_found(format!("no report `{kind}` (one of: {})", custody_report::KINDS.join(", "))));
    }
    let text = state
        .registry
        .read(&id, |l| custody_report::render(l, &kind, q.period.as_deref(), custody_report::Format::Json))
        .await?
        .map_err(ApiError::not_found)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}

async fn verify<S: Store>(State(state): Shared<S>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    who(&state, &headers).await?.require_read(&id)?;
    exists(&state, &id).await?;
    match state.registry.verify(&id).await {
        Ok(r) => Ok(json_response(
            StatusCode::OK,
            json!({"ok": true, "entries": r.entries, "transactions": r.transactions, "balances": r.balances, "head_hash": r.head_hash}),
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
    let amounts = |a: &custody_store::Amounts| {
        a.iter().map(|(f, s, g)| json!({"form": f.as_str(), "species": s.as_str(), "amount_gC": g})).collect::<Vec<_>>()
    };
    let mut v = json!({
        "id": t.id, "seller": t.seller, "sale": t.sale, "buyer": t.buyer, "item": t.item,
        "date": format_date(t.date), "quantity": t.quantity, "status": t.status.as_str(), "sent": amounts(&t.amounts),
        "custody": t.custody.map(|m| m.as_str()),
    });
    if let (Some(r), Value::Object(m)) = (r, &mut v) {
        m.insert("booked".into(), Value::Array(amounts(&r.received)));
        m.insert("mismatch".into(), Value::Bool(r.mismatch));
    }
    v
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
        .map(|t| transfer_json(t, None))
        .collect();
    Ok(json_response(StatusCode::OK, page(items, &q)?))
}

#[derive(Deserialize)]
struct TransferDecision {
    transfer: String,
    date: String,
    /// The buyer's item the transfer is booked as (accept only).
    item: Option<String>,
    id: Option<String>,
    lot: Option<String>,
    site: Option<String>,
}

fn decision(body: &Bytes) -> Result<(TransferDecision, custody_core::model::Date), ApiError> {
    let d: TransferDecision = serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
    let date =
        parse_date(&d.date).ok_or_else(|| ApiError::bad_request(format!("`{}` is not a date YYYY-MM-DD", d.date)))?;
    Ok((d, date))
}

/// The buyer books a transfer: a `receive` with the seller's exact amounts.
async fn accept_transfer<S: Store + 'static>(
    State(state): Shared<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    who(&state, &headers).await?.require_write(&id)?;
    let (d, date) = decision(&body)?;
    let item = d.item.clone().ok_or_else(|| ApiError::bad_request("name the `item` the transfer is booked as"))?;
    let op = Op {
        id: d.id.clone().unwrap_or_else(|| format!("receive:{}", d.transfer)),
        date,
        memo: String::new(),
        body: Operation::Receive(Receive {
            transfer: d.transfer,
            item,
            lot: d.lot,
            site: d.site,
            ..Receive::default()
        }),
    };
    let outcomes = detached(&state, |st| async move { st.registry.submit(&id, vec![Entry::Op(op)]).await }).await??;
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
    let (d, _) = decision(&body)?;
    if d.transfer.splitn(3, '/').nth(2).is_some_and(|buyer| buyer != id) {
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
    let items: Vec<Value> = rows
        .iter()
        .filter(|r| caller.can_see_transfer(&r.transfer.seller, &r.transfer.buyer))
        .filter(|r| caller.role != Role::Counterparty || caller.entity.as_deref() == Some(r.transfer.buyer.as_str()))
        .map(|r| transfer_json(&r.transfer, Some(r)))
        .collect();
    let mismatches = items.iter().filter(|v| v["mismatch"] == true).count();
    let mut v = page(items, &q)?;
    v["mismatches"] = json!(mismatches);
    Ok(json_response(StatusCode::OK, v))
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
            Ok::<_, ApiError>(custody_report::render_verdicts(
                &fp,
                claim.as_ref(),
                &verdicts,
                custody_report::Format::Json,
            ))
        })
        .await??;
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}
