//! Errors as `application/problem+json` (RFC 9457), carrying the rejection code where there is one.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use custody_store::{StoreError, SubmitError};
use serde_json::{json, Value};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// A stable, machine-readable name (`unauthorized`, `insufficient_quantity`, ...).
    pub code: String,
    pub detail: String,
    pub extra: Value,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> ApiError {
        ApiError { status, code: code.to_string(), detail: detail.into(), extra: Value::Null }
    }
    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", detail)
    }
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "type": format!("https://custody.invalid/problems/{}", self.code),
            "title": self.status.canonical_reason().unwrap_or("error"),
            "status": self.status.as_u16(),
            "code": self.code,
            "detail": self.detail,
        });
        if let (Value::Object(b), Value::Object(extra)) = (&mut body, self.extra) {
            b.extend(extra);
        }
        let mut res = (self.status, body.to_string()).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(_) => ApiError::not_found(e.to_string()),
            StoreError::AlreadyExists(_)
            | StoreError::DuplicateOperation(_)
            | StoreError::ExclusiveTaken(_)
            | StoreError::Conflict => ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string()),
            // `custody serve` on a read-only copy: reads are served, a write is refused naming
            // the file and why (docs/api.md "Errors").
            StoreError::ReadOnly(why) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "read_only",
                format!("this server serves a read-only database and writes nothing: {why}"),
            ),
            StoreError::Backend(m) | StoreError::NoDatabase(m) => {
                tracing::error!(error = %m, "store failure");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the store failed; see the server log")
            }
        }
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> ApiError {
        match e {
            SubmitError::Rejected { index, rejection } => {
                let violations: Vec<Value> = rejection
                    .violations
                    .iter()
                    .map(|v| json!({"code": v.code.as_str(), "number": v.code.number(), "field": v.field, "message": v.message}))
                    .collect();
                ApiError {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code: rejection.code().as_str().to_string(),
                    detail: rejection.to_string(),
                    extra: json!({"index": index, "operation": rejection.id, "violations": violations}),
                }
            }
            SubmitError::Refused { index, message } => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "refused".into(),
                detail: message,
                extra: json!({"index": index}),
            },
            SubmitError::Store(s) => s.into(),
            SubmitError::Corrupt(m) => {
                tracing::error!(error = %m, "stored journal does not replay");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "corrupt", m)
            }
        }
    }
}

/// The stable code of an HTTP status, for errors raised outside a handler.
pub fn status_code_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        409 => "conflict",
        411 => "length_required",
        413 => "payload_too_large",
        414 => "uri_too_long",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        429 => "too_many_requests",
        500 => "internal",
        503 => "unavailable",
        s if s < 500 => "client_error",
        _ => "server_error",
    }
}

/// Middleware: every error response leaves as `application/problem+json`. Handlers answer
/// [`ApiError`] already; this covers what the HTTP layer answers before a handler runs (a query
/// string or path that does not deserialize, a body over the limit, an unknown route, a method
/// the route does not take): its text becomes the `detail`, its status stays.
pub async fn problem_json(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    if is_problem {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let detail = match (text.is_empty(), status) {
        (false, _) => text,
        (true, StatusCode::NOT_FOUND) => "no such route".to_string(),
        (true, StatusCode::METHOD_NOT_ALLOWED) => {
            let allow = parts.headers.get(header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or("");
            format!("this route does not take this method (allowed: {allow})")
        }
        (true, s) => s.canonical_reason().unwrap_or("error").to_string(),
    };
    let mut out = ApiError::new(status, status_code_name(status), detail).into_response();
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

/// The answer to a route that does not exist.
pub async fn no_route(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no route {}", uri.path()))
}
