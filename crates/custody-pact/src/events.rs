//! PACT v3 events (CloudEvents 1.0, structured mode; Tech Specs v3 "Action Events"): reading
//! what a requester posts to `/3/events` and writing the owner's answers.

use crate::filter::{Filter, FilterError};
use serde_json::{json, Value};

pub const REQUEST_CREATED: &str = "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3";
pub const REQUEST_FULFILLED: &str = "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3";
pub const REQUEST_REJECTED: &str = "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3";
pub const PUBLISHED: &str = "org.wbcsd.pact.ProductFootprint.PublishedEvent.3";

/// An event custody accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A request for footprints: the event id, the requester (`source`) and the criteria.
    RequestCreated { id: String, source: String, filter: Filter },
    /// Footprints published by another owner (ids only; the recipient then calls GetFootprint).
    Published { pf_ids: Vec<String> },
    /// An answer to a request custody made.
    Answer { type_: String, request_event_id: String },
}

/// Lower-case hex in the 8-4-4-4-12 layout.
pub fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]) && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Reads a posted event. Errors (each a `BadRequest`): a missing envelope attribute, an unknown
/// `type`, a `specversion` other than `1.0`, a PublishedEvent whose `pfIds` are not UUIDs, a
/// RequestCreatedEvent whose date-times do not parse.
pub fn parse(body: &Value) -> Result<Event, String> {
    for k in ["type", "specversion", "id", "source", "time"] {
        if body[k].as_str().is_none_or(str::is_empty) {
            return Err(format!("the event has no `{k}` string"));
        }
    }
    if body["specversion"] != "1.0" {
        return Err("`specversion` must be \"1.0\"".into());
    }
    if !body["data"].is_object() {
        return Err("the event has no `data` object".into());
    }
    let data = &body["data"];
    match body["type"].as_str().unwrap_or_default() {
        REQUEST_CREATED => Ok(Event::RequestCreated {
            id: body["id"].as_str().unwrap_or_default().into(),
            source: body["source"].as_str().unwrap_or_default().into(),
            filter: Filter::from_event_data(data).map_err(|FilterError { message, .. }| message)?,
        }),
        PUBLISHED => {
            let ids = data["pfIds"].as_array().filter(|a| !a.is_empty()).ok_or("`data.pfIds` must list UUIDs")?;
            let mut pf_ids = Vec::new();
            for id in ids {
                match id.as_str() {
                    Some(s) if is_uuid(s) => pf_ids.push(s.to_string()),
                    _ => return Err(format!("`data.pfIds` holds {id}, which is not a UUID")),
                }
            }
            Ok(Event::Published { pf_ids })
        }
        t @ (REQUEST_FULFILLED | REQUEST_REJECTED) => Ok(Event::Answer {
            type_: t.into(),
            request_event_id: data["requestEventId"].as_str().ok_or("`data.requestEventId` is missing")?.into(),
        }),
        other => Err(format!("unknown event type `{other}`")),
    }
}

/// The owner's answer to a request: fulfilled with `pfs` when any matched, else rejected with
/// `NotFound`. `id`, `source` and `time` are the caller's (this crate reads no clock).
pub fn answer(request_id: &str, pfs: Vec<Value>, id: &str, source: &str, time: &str) -> Value {
    if pfs.is_empty() {
        json!({"type": REQUEST_REJECTED, "specversion": "1.0", "id": id, "source": source, "time": time,
               "data": {"requestEventId": request_id,
                        "error": {"code": "NotFound", "message": "no footprint matches the request"}}})
    } else {
        json!({"type": REQUEST_FULFILLED, "specversion": "1.0", "id": id, "source": source, "time": time,
               "data": {"requestEventId": request_id, "pfs": pfs}})
    }
}

/// A `PublishedEvent.3` announcing `pf_ids` (new footprints, or new versions of earlier ones).
/// `id`, `source` and `time` are the caller's.
pub fn published(pf_ids: &[String], id: &str, source: &str, time: &str) -> Value {
    json!({"type": PUBLISHED, "specversion": "1.0", "id": id, "source": source, "time": time,
           "data": {"pfIds": pf_ids}})
}
