//! The PACT host's outbox (docs/pact.md "Outbox"): an answer to a request whose requester is down
//! is kept and retried, across a restart of `custody serve`, until the requester takes it; one
//! that cannot be delivered by the deadline is marked failed. The schedule runs in milliseconds
//! (`--pact-retry-base-ms`, `--pact-retry-cap-ms`, `--pact-retry-deadline-ms`).

use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[path = "pact/requester.rs"]
mod requester;
#[path = "pact/server.rs"]
mod server;
use server::{ok, post_event, token, Server};

const OWNER: &str = "entity owner \"Owner\"\n  ratios efi\n  gwp ar6\nperiod 2025-05 2025-05-01 2025-05-31\n";

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("custody-pact-outbox-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// POSTs a RequestCreatedEvent from `source` to the server with the owner's credentials.
async fn request(s: &Server, creds: &(String, String), source: &str) {
    let event = json!({"specversion": "1.0", "id": "req-1", "source": source, "time": "2025-06-01T00:00:00Z",
                       "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
                       "data": {"productId": ["urn:pact:custody.invalid:product-id:bar"]}});
    let (status, _) = post_event(&s.base, &token(&s.base, creds).await, &event).await;
    assert_eq!(status, 200);
}

fn outbox(db: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(&ok(&["pact", "outbox", "--format", "json", "--database-url", db])).unwrap();
    v["messages"].as_array().unwrap().clone()
}

/// Polls `f` every 100 ms for up to `secs` seconds.
async fn until<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if let Some(x) = f() {
            return Some(x);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_to_a_requester_that_is_down_is_delivered_later_across_a_restart() {
    let d = dir("restart");
    let db = format!("sqlite://{}", d.join("owner.db").display());
    let journal = d.join("owner.journal");
    std::fs::write(&journal, OWNER).unwrap();
    ok(&["import", journal.to_str().unwrap(), "--database-url", &db]);
    let c: Value = serde_json::from_str(&ok(&[
        "pact",
        "client",
        "create",
        "--entity",
        "owner",
        "--format",
        "json",
        "--database-url",
        &db,
    ]))
    .unwrap();
    let creds = (c["client_id"].as_str().unwrap().to_string(), c["client_secret"].as_str().unwrap().to_string());
    let ca = d.join("requester.pem");
    let (base, start_requester) = requester::later(&ca);
    let flags = |deadline: &'static str| {
        [
            "--pact-callback-credentials",
            "test_client_id:test_client_secret",
            "--pact-ca-cert",
            ca.to_str().unwrap(),
            "--pact-retry-base-ms",
            "100",
            "--pact-retry-cap-ms",
            "300",
            "--pact-retry-deadline-ms",
            deadline,
        ]
        .map(str::to_string)
    };
    let args = flags("60000");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    // The requester is down: the answer is kept, tried, and still pending.
    let s = Server::start(&d, "a", &db, &args);
    request(&s, &creds, &base).await;
    let row = until(10, || outbox(&db).into_iter().find(|m| m["attempts"].as_u64() >= Some(3))).await;
    let row = row.expect("three tries within 10 s");
    assert_eq!(row["state"], "pending", "{row:#}");
    assert_eq!(row["type"], "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3", "{row:#}");
    assert_eq!(row["to"], base.as_str());
    assert!(row["lastError"].as_str().is_some_and(|e| e.contains(&base)), "{row:#}");

    // The server stops (the answer still pending); the requester comes up; a new server on the
    // same database resumes and delivers it, once.
    s.stop();
    let tries_before = outbox(&db)[0]["attempts"].as_u64().unwrap();
    let received = start_requester();
    let s = Server::start(&d, "b", &db, &args);
    let got = until(15, || {
        let r = received.lock().unwrap();
        (!r.is_empty()).then(|| r.clone())
    })
    .await
    .expect("the answer arrives after the restart");
    assert_eq!(got[0]["type"], "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3", "{got:#?}");
    assert_eq!(got[0]["data"]["requestEventId"], "req-1", "{got:#?}");
    let row = until(5, || outbox(&db).into_iter().find(|m| m["state"] == "delivered")).await.expect("delivered");
    assert!(row["attempts"].as_u64().unwrap() > tries_before, "{row:#}");
    assert_eq!(row["lastError"], Value::Null);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(received.lock().unwrap().len(), 1, "delivered once");
    s.stop();

    // A requester that never comes up: tried until the deadline (800 ms), then failed. Tries at
    // about 0, 100, 300 and 600 ms (100, 200, then the 300 ms cap); the next, at 900, is past it.
    let args = flags("800");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (dead, _never) = requester::later(&d.join("dead.pem"));
    let s = Server::start(&d, "c", &db, &args);
    request(&s, &creds, &dead).await;
    let row = until(10, || outbox(&db).into_iter().find(|m| m["to"] == dead.as_str() && m["state"] == "failed")).await;
    let row = row.expect("failed after the deadline");
    let n = row["attempts"].as_u64().unwrap();
    assert!((1..=4).contains(&n), "{row:#}");
    assert!(row["lastError"].as_str().is_some(), "{row:#}");
    // The delivered one is untouched; nothing is pending.
    let all = outbox(&db);
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|m| m["state"] != "pending"), "{all:#?}");
    s.stop();
}
