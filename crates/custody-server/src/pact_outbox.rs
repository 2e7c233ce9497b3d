//! The PACT host's outbox (docs/pact.md "Outbox"): every message the server sends on its own (the
//! answer to a RequestCreatedEvent, a PublishedEvent to a peer) is kept in the store before it is
//! sent, and tried until the receiver takes it (`2xx`) or [`Schedule::deadline`] (72 hours, Tech
//! Specs v3 "Action Events") after it was queued, with exponential back-off: 1 s after the first
//! failed try, then 2, 4, ... s, capped at 1 hour. A restarted `custody serve` resumes what is
//! pending ([`start`]).
//!
//! Records (append-only, `Store::put_record`), all under the message's entity:
//! - [`OUTBOX`], keyed by message id: `{"to": URL, "event": CLOUDEVENT, "auth": AUTH, "created":
//!   UNIX MS}`; `auth` is `"callback"` (the server's `--pact-callback-credentials`, read when
//!   sending) or `{"peer": CUSTOMER}` (that peer's credentials, read when sending): no secret is
//!   copied into the outbox;
//! - [`OUTBOX_TRY`], keyed `ID NNNNNN` (the try's number): `{"at": UNIX MS, "error": TEXT or null}`;
//! - [`OUTBOX_DONE`], keyed by message id: `{"state": "delivered" | "failed", "at": UNIX MS}`.

use crate::AppState;
use custody_store::{Store, StoreError};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// Record kind of a queued message.
pub const OUTBOX: &str = "pact-outbox";
/// Record kind of one try of a message.
pub const OUTBOX_TRY: &str = "pact-outbox-try";
/// Record kind of a message's end: delivered or failed.
pub const OUTBOX_DONE: &str = "pact-outbox-done";

/// When messages are tried: `base` after the first failed try, doubling, at most `cap` apart,
/// none later than `deadline` after the message was queued. `serve --pact-retry-base-ms`,
/// `--pact-retry-cap-ms`, `--pact-retry-deadline-ms` set them (tests run the schedule in seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub base: Duration,
    pub cap: Duration,
    pub deadline: Duration,
}

impl Default for Schedule {
    /// 1 s, doubling, capped at 1 h, for 72 h.
    fn default() -> Schedule {
        Schedule {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(3600),
            deadline: Duration::from_secs(72 * 3600),
        }
    }
}

impl Schedule {
    /// The wait after `failed` failed tries (at least 1): `base` x 2^(failed - 1), at most `cap`.
    pub fn delay(&self, failed: usize) -> Duration {
        let doublings = failed.saturating_sub(1).min(40) as u32;
        self.base.saturating_mul(2u32.saturating_pow(doublings.min(31))).min(self.cap)
    }
}

/// One message as the records tell it.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: String,
    pub entity: String,
    pub to: String,
    pub event: Value,
    pub auth: Value,
    /// Unix milliseconds when queued.
    pub created: i64,
    /// Each try: (unix ms, the error or None when delivered).
    pub tries: Vec<(i64, Option<String>)>,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
}

impl Message {
    /// When the next try is due (unix ms), if pending: at once when never tried, else the last
    /// try plus [`Schedule::delay`].
    pub fn due(&self, s: &Schedule) -> Option<i64> {
        if self.state != "pending" {
            return None;
        }
        match self.tries.last() {
            None => Some(self.created),
            Some((at, _)) => Some(at + s.delay(self.tries.len()).as_millis() as i64),
        }
    }

    /// The outbox row: `{id, entity, to, type, created, state, attempts, lastAttempt, lastError}`
    /// (times RFC 3339 or null; `lastError` the latest try's error, null once delivered).
    pub fn json(&self) -> Value {
        let time = |ms: i64| crate::pact_send::rfc3339(ms.div_euclid(1000));
        json!({"id": self.id, "entity": self.entity, "to": self.to, "type": self.event["type"],
               "created": time(self.created), "state": self.state, "attempts": self.tries.len(),
               "lastAttempt": self.tries.last().map(|(at, _)| time(*at)),
               "lastError": self.tries.last().and_then(|(_, e)| e.clone())})
    }
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Queues `event` for `to` under `entity`; returns the message id. The worker ([`start`]) sends it.
pub async fn enqueue<S: Store>(
    store: &S,
    entity: &str,
    to: &str,
    event: &Value,
    auth: Value,
) -> Result<String, StoreError> {
    let id = crate::pact_send::random_uuid();
    let body = json!({"to": to, "event": event, "auth": auth, "created": now_ms()});
    store.put_record(entity, OUTBOX, &id, &body.to_string()).await?;
    Ok(id)
}

/// Answers that may wait for one requester host at once (`POST /3/events` refuses more with `429`).
pub const PENDING_PER_REQUESTER: usize = 20;

/// How many of `entity`'s messages to `to` are still pending.
pub async fn pending_to<S: Store>(store: &S, entity: &str, to: &str) -> Result<usize, StoreError> {
    Ok(messages(store, entity).await?.iter().filter(|m| m.to == to && m.state == "pending").count())
}

/// Every message of `entity`, in the order queued.
pub async fn messages<S: Store>(store: &S, entity: &str) -> Result<Vec<Message>, StoreError> {
    let bad = |k: &str, e: serde_json::Error| StoreError::Backend(format!("outbox record `{k}`: {e}"));
    let tries = store.records(entity, OUTBOX_TRY).await?;
    let done = store.records(entity, OUTBOX_DONE).await?;
    let mut out = Vec::new();
    for (id, body) in store.records(entity, OUTBOX).await? {
        let v: Value = serde_json::from_str(&body).map_err(|e| bad(&id, e))?;
        let mut m = Message {
            id: id.clone(),
            entity: entity.to_string(),
            to: v["to"].as_str().unwrap_or_default().to_string(),
            event: v["event"].clone(),
            auth: v["auth"].clone(),
            created: v["created"].as_i64().unwrap_or(0),
            tries: Vec::new(),
            state: "pending".into(),
        };
        for (k, b) in tries.iter().filter(|(k, _)| k.split(' ').next() == Some(id.as_str())) {
            let t: Value = serde_json::from_str(b).map_err(|e| bad(k, e))?;
            m.tries.push((t["at"].as_i64().unwrap_or(0), t["error"].as_str().map(str::to_string)));
        }
        if let Some((k, b)) = done.iter().find(|(k, _)| *k == id) {
            let d: Value = serde_json::from_str(b).map_err(|e| bad(k, e))?;
            m.state = d["state"].as_str().unwrap_or("failed").to_string();
        }
        out.push(m);
    }
    Ok(out)
}

/// The credentials a message is sent with, read now (module docs).
async fn credentials<S: Store>(state: &AppState<S>, m: &Message) -> Result<crate::pact_send::Callback, String> {
    if let Some(customer) = m.auth["peer"].as_str() {
        let peers = crate::pact_versions::peers(state.registry.store(), &m.entity).await.map_err(|e| e.to_string())?;
        let p = peers.into_iter().find(|p| p.customer == customer).ok_or(format!("no peer `{customer}`"))?;
        return Ok(crate::pact_send::Callback {
            client_id: p.client_id,
            client_secret: p.client_secret,
            ca_pem: state.pact.ca_pem.clone(),
        });
    }
    state.pact.callback.clone().ok_or_else(|| "no --pact-callback-credentials to answer with".to_string())
}

/// Whether a try's error is a refusal that a retry cannot change (a 4xx other than 408 or 429,
/// or a token endpoint off the requester's host): the message ends `failed` now rather than
/// after 72 hours of tries.
fn permanent(error: &str) -> bool {
    error.contains("is not https on the requester's host")
        || (error.contains("HTTP 4") && !error.contains("HTTP 408") && !error.contains("HTTP 429"))
}

/// Tries one message once and records the try (and its end: delivered, or failed when the next
/// try would fall after the deadline).
async fn attempt<S: Store>(state: &AppState<S>, m: &Message, s: &Schedule) -> Result<(), StoreError> {
    let result = match credentials(state, m).await {
        Ok(cb) => crate::pact_send::deliver(&m.to, &m.event, &cb).await,
        Err(e) => Err(e),
    };
    let at = now_ms();
    let store = state.registry.store();
    let n = m.tries.len() + 1;
    let error = result.as_ref().err().cloned();
    store
        .put_record(&m.entity, OUTBOX_TRY, &format!("{} {n:06}", m.id), &json!({"at": at, "error": error}).to_string())
        .await?;
    let permanent = error.as_deref().is_some_and(permanent);
    let end = match &error {
        None => Some("delivered"),
        Some(_) if permanent => Some("failed"),
        Some(_) if at + s.delay(n).as_millis() as i64 > m.created + s.deadline.as_millis() as i64 => Some("failed"),
        Some(e) => {
            tracing::warn!(id = %m.id, to = %m.to, attempt = n, error = %e, "a PACT message was not delivered; retried");
            None
        }
    };
    if let Some(state) = end {
        if state == "failed" {
            tracing::error!(id = %m.id, to = %m.to, attempts = n, "a PACT message was given up (refused, or the deadline)");
        }
        store.put_record(&m.entity, OUTBOX_DONE, &m.id, &json!({"state": state, "at": at}).to_string()).await?;
    }
    Ok(())
}

/// One pass: tries every due message of every entity; returns when the next one is due (unix
/// ms), if any is pending.
pub async fn pass<S: Store>(state: &AppState<S>) -> Result<Option<i64>, StoreError> {
    let s = state.pact.schedule;
    let mut next: Option<i64> = None;
    for entity in state.registry.store().entity_ids().await? {
        for m in messages(state.registry.store(), &entity).await? {
            let Some(due) = m.due(&s) else { continue };
            // Tried now: read again at once (delivered, failed, or due later).
            let due = if due <= now_ms() {
                attempt(state, &m, &s).await?;
                now_ms()
            } else {
                due
            };
            next = Some(next.map_or(due, |n: i64| n.min(due)));
        }
    }
    Ok(next)
}

/// Starts the worker: passes over the outbox whenever a message is queued
/// (`PactConfig::outbox_wake`) or the next one is due, at least once a minute.
pub fn start<S: Store + 'static>(state: Arc<AppState<S>>) {
    tokio::spawn(async move {
        loop {
            let wait = match pass(&state).await {
                Ok(Some(due)) => Duration::from_millis((due - now_ms()).clamp(0, 60_000) as u64),
                Ok(None) => Duration::from_secs(60),
                Err(e) => {
                    tracing::error!(error = %e, "the PACT outbox could not be read");
                    Duration::from_secs(5)
                }
            };
            tokio::select! {
                _ = state.pact.outbox_wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_the_base_up_to_the_cap() {
        let s = Schedule::default();
        let secs: Vec<u64> = (1..=15).map(|n| s.delay(n).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600, 3600, 3600]);
        assert_eq!(s.delay(1000), Duration::from_secs(3600));
        // The default schedule tries about 82 times in 72 hours: 12 doublings (4095 s) then hourly.
        let (mut t, mut n) = (0u64, 1usize);
        while t + s.delay(n).as_secs() <= s.deadline.as_secs() {
            t += s.delay(n).as_secs();
            n += 1;
        }
        assert_eq!(n, 1 + 12 + (72 * 3600 - 4095) / 3600);
    }

    #[test]
    fn a_refusal_ends_a_message_a_timeout_or_a_5xx_is_retried() {
        for e in ["token at https://r.example/auth/token: HTTP 401 Unauthorized", "event to https://r.example/3/events: HTTP 403 Forbidden",
                  "the token endpoint `http://127.0.0.1:9/steal` is not https on the requester's host `https://r.example`: the credentials are not sent there"] {
            assert!(super::permanent(e), "{e}");
        }
        for e in [
            "event to https://r.example/3/events: HTTP 500 Internal Server Error",
            "token at https://r.example/auth/token: HTTP 429 Too Many Requests",
            "event to https://r.example/3/events: HTTP 408 Request Timeout",
            "event to https://r.example/3/events: error sending request",
        ] {
            assert!(!super::permanent(e), "{e}");
        }
    }

    #[tokio::test]
    async fn answers_pending_to_a_requester_are_counted_per_host() {
        let store = custody_store::MemoryStore::new();
        let event = serde_json::json!({"type": "x"});
        for to in ["https://a.example", "https://a.example", "https://b.example"] {
            super::enqueue(&store, "e", to, &event, serde_json::json!("callback")).await.unwrap();
        }
        assert_eq!(super::pending_to(&store, "e", "https://a.example").await.unwrap(), 2);
        let first = super::messages(&store, "e").await.unwrap()[0].id.clone();
        store.put_record("e", super::OUTBOX_DONE, &first, r#"{"state": "delivered", "at": 1}"#).await.unwrap();
        assert_eq!(super::pending_to(&store, "e", "https://a.example").await.unwrap(), 1);
        assert_eq!(super::pending_to(&store, "e", "https://b.example").await.unwrap(), 1);
        assert_eq!(super::pending_to(&store, "f", "https://a.example").await.unwrap(), 0);
    }
}
