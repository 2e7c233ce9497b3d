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
            StoreError::Backend(m) => {
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
