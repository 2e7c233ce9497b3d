//! The body of `POST /entities/{id}/journal`, read into journal entries: journal text (as
//! `text/plain` or JSON `{"journal": "..."}`) through the journal parser, or typed JSON operations
//! (`{"operations": [...]}`, [`crate::wire::ops`]) into the same core operations.

use crate::error::ApiError;
use crate::wire::ops::{JsonOperation, JSON_OPS, TEXT_ONLY_OPS};
use axum::body::Bytes;
use axum::http::{header, HeaderMap};
use custody_journal::{parse, Entry, Source};
use serde::Deserialize;
use serde_json::{json, Value};

/// The entries a request body holds, in order; refused with a problem naming what is wrong.
pub(crate) fn entries(headers: &HeaderMap, body: &Bytes) -> Result<Vec<Entry>, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let text = if is_json {
        #[derive(Deserialize)]
        struct Body {
            journal: Option<String>,
            operations: Option<Vec<Value>>,
        }
        let b = serde_json::from_slice::<Body>(body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
        match (b.journal, b.operations) {
            (Some(text), None) => text,
            (None, Some(ops)) => return operations(ops),
            (Some(_), Some(_)) => return Err(ApiError::bad_request("body: give `journal` or `operations`, not both")),
            (None, None) => {
                return Err(ApiError::bad_request(
                    "body: missing field `journal` (journal text) or `operations` (JSON operations)",
                ))
            }
        }
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
    Ok(entries.into_iter().map(|e| e.entry).collect())
}

/// JSON operations, each read into the core operation the journal parser would produce.
fn operations(ops: Vec<Value>) -> Result<Vec<Entry>, ApiError> {
    if ops.is_empty() {
        return Err(ApiError::bad_request("`operations` holds no operation"));
    }
    let mut out = Vec::with_capacity(ops.len());
    for (index, v) in ops.into_iter().enumerate() {
        let refuse = |detail: String, field: Option<&str>| {
            let mut e = ApiError::bad_request(format!("operations[{index}]: {detail}"));
            e.extra = json!({"index": index});
            if let Some(f) = field {
                e.extra["field"] = json!(f);
            }
            e
        };
        let op = match v.get("op") {
            Some(Value::String(op)) => op.clone(),
            Some(_) => return Err(refuse("`op` is a string".into(), Some("op"))),
            None => return Err(refuse(format!("missing `op` (one of: {})", JSON_OPS.join(", ")), Some("op"))),
        };
        if TEXT_ONLY_OPS.contains(&op.as_str()) {
            return Err(refuse(
                format!("operation `{op}` has no JSON form: post it as journal text ({{\"journal\": \"...\"}} or text/plain)"),
                Some("op"),
            ));
        }
        if !JSON_OPS.contains(&op.as_str()) {
            return Err(refuse(format!("unknown operation `{op}` (one of: {})", JSON_OPS.join(", ")), Some("op")));
        }
        let parsed = JsonOperation::deserialize(&v).map_err(|e| refuse(format!("{op}: {e}"), None))?;
        let op_id = parsed.id().to_string();
        let op = parsed.into_op().map_err(|e| {
            let mut err = refuse(format!("{op} `{op_id}`: {}", e.message), e.field.as_deref());
            if let Some(rule) = e.rule {
                err.code = "invalid_id".into();
                err.extra["rule"] = json!(rule);
            }
            err
        })?;
        out.push(Entry::Op(Box::new(op)));
    }
    Ok(out)
}
