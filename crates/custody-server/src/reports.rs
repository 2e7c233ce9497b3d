//! `GET /entities/{id}/reports/{kind}`: statements rendered from the ledger, kept per journal
//! head (`report_cache`) so a statement read again before the journal moves costs one store call
//! (the key and the head together, `Store::key_and_head`) and no replay.

use crate::error::ApiError;
use crate::{format_of, no_entity, who_and_head, ApiResult, Shared};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use custody_store::Store;
use serde::Deserialize;

#[derive(Deserialize)]
pub(crate) struct ReportQuery {
    period: Option<String>,
    /// A calendar year instead of a period (`?year=2025`): the periods that lie in it, summed (a period spanning two years is refused).
    year: Option<i32>,
    /// `json` (default), `text` or `csv`: the same rendering as `custody report --format`.
    format: Option<String>,
    /// `physical` (default) or `claimed`: as `custody report --view`.
    view: Option<String>,
}

pub(crate) async fn report<S: Store>(
    State(state): Shared<S>,
    headers: HeaderMap,
    Path((id, kind)): Path<(String, String)>,
    Query(q): Query<ReportQuery>,
) -> ApiResult {
    // The key and the journal head in one store call: a cached statement needs nothing else.
    let (caller, head) = who_and_head(&state, &headers, &id).await?;
    caller.require_read(&id)?;
    if !custody_report::KINDS.contains(&kind.as_str()) {
        return Err(ApiError::not_found(format!("no report `{kind}` (one of: {})", custody_report::KINDS.join(", "))));
    }
    let format = format_of(q.format.as_deref())?;
    let view = match q.view.as_deref() {
        None => custody_report::View::Physical,
        Some(v) => custody_report::View::parse(v)
            .ok_or_else(|| ApiError::bad_request(format!("view `{v}` is not one of: physical, claimed")))?,
    };
    let view_name = if view == custody_report::View::Physical { "physical" } else { "claimed" };
    let key = (id.clone(), kind.clone(), q.period.clone(), q.year, format.content_type(), view_name);
    let head = head.ok_or_else(|| no_entity(&id))?;
    if let Some(text) = state.reports.get(&key, &head) {
        return Ok(([(header::CONTENT_TYPE, format.content_type())], text).into_response());
    }
    // Statements show a received claim's final view once the seller's pool period closed; one
    // that still shows a provisional claim depends on the seller's pool too, and is not kept.
    let (cacheable, text) = state
        .registry
        .read_statements(&id, |l| {
            let text = match (q.year, q.period.as_deref()) {
                (Some(_), Some(_)) => Err("give either `period` or `year`, not both".to_string()),
                (Some(_), None) if view != custody_report::View::default() => {
                    Err("`view=claimed` is per period: give `period`".to_string())
                }
                (Some(y), None) => custody_report::render_year(l, &kind, y, format),
                (None, p) => custody_report::render_view(l, &kind, p, format, view),
            };
            (l.provisional_claims().is_empty(), text)
        })
        .await?;
    let body = Bytes::from(text.map_err(ApiError::not_found)?);
    if cacheable && state.registry.store().head(&id).await? == head {
        state.reports.put(key, head, body.clone());
    }
    Ok(([(header::CONTENT_TYPE, format.content_type())], body).into_response())
}
