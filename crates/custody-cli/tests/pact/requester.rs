//! The requester's side for conformance cases #13 and #14.B: an HTTPS listener that issues a
//! token for the checker's credentials and records the CloudEvents POSTed to its `/3/events`.

use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// base64 of `test_client_id:test_client_secret`, the conformance checker's credentials.
const CHECKER_BASIC: &str = "Basic dGVzdF9jbGllbnRfaWQ6dGVzdF9jbGllbnRfc2VjcmV0";

/// Starts the requester's HTTPS listener (on a thread and runtime of its own); writes its
/// certificate to `ca`. Returns its base URL and the events it receives.
#[allow(dead_code)]
pub fn requester(ca: &std::path::Path) -> (String, Arc<Mutex<Vec<Value>>>) {
    let (base, start) = later(ca);
    (base, start())
}

/// Like [`requester`], but the listener starts only when the returned function is called: its
/// certificate and port are fixed now (a requester that is down at first).
#[allow(dead_code)]
pub fn later(ca: &std::path::Path) -> (String, impl FnOnce() -> Arc<Mutex<Vec<Value>>>) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    std::fs::write(ca, ck.cert.pem()).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("https://127.0.0.1:{port}");
    (base, move || serve(std::net::TcpListener::bind(("127.0.0.1", port)).unwrap(), ck))
}

fn serve(listener: std::net::TcpListener, ck: rcgen::CertifiedKey) -> Arc<Mutex<Vec<Value>>> {
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    listener.set_nonblocking(true).unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    let (cert, key) = (ck.cert.pem().into_bytes(), ck.key_pair.serialize_pem().into_bytes());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let auth = |h: &HeaderMap| h.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            let app = axum::Router::new()
                .route(
                    "/auth/token",
                    post(move |h: HeaderMap, body: String| async move {
                        if auth(&h) == CHECKER_BASIC && body == "grant_type=client_credentials" {
                            let t =
                                json!({"access_token": "requester-token", "token_type": "Bearer", "expires_in": 3600});
                            (StatusCode::OK, t.to_string())
                        } else {
                            (StatusCode::UNAUTHORIZED, json!({"error": "invalid_client"}).to_string())
                        }
                    }),
                )
                .route(
                    "/3/events",
                    post(move |h: HeaderMap, body: String| {
                        let sink = sink.clone();
                        async move {
                            let typed = h.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
                            if auth(&h) != "Bearer requester-token"
                                || !typed.starts_with("application/cloudevents+json")
                            {
                                return StatusCode::UNAUTHORIZED;
                            }
                            sink.lock().unwrap().push(serde_json::from_str(&body).unwrap_or(Value::Null));
                            StatusCode::OK
                        }
                    }),
                );
            let cfg = axum_server::tls_rustls::RustlsConfig::from_pem(cert, key).await.unwrap();
            axum_server::from_tcp_rustls(listener, cfg).serve(app.into_make_service()).await.unwrap();
        });
    });
    received
}
