//! The PACT routes in process (TLS is `custody serve`'s; the conformance cases over HTTPS are in
//! `custody-cli/tests/pact_conformance.rs`): refused without TLS, a client sees only its entity's
//! footprints, revoked or foreign credentials get no token, PACT credentials open no other route.

use custody_server::pact::{create_client, PactConfig};
use custody_server::{app, AppState};
use custody_store::{MemoryStore, Registry, Store};
use reqwest::Client;
use serde_json::Value;
use std::sync::Arc;

const JOURNAL: &str = "period 2025-03 2025-03-01 2025-03-31\ncounterparty ore-co \"Ore\"\ncounterparty buyer \"B\"\n\
    item ore \"Ore\"\n  category raw-material\nitem bar \"Bar\"\n  category product\n\
    2025-03-02 purchase p1\n  supplier ore-co\n  item ore\n  quantity 1000 t\n  factor 100 kgCO2/t\n  content 20 tC\n\
    2025-03-03 consume c1\n  use ore 1000 t\n2025-03-04 produce m1\n  output bar 500 t content 20 tC\n\
    2025-03-05 sell s1\n  item bar\n  customer buyer share 100%\nclose 2025-03\n";

async fn start(tls: bool) -> (String, Arc<AppState<MemoryStore>>) {
    let mut state = AppState::new(Registry::new(MemoryStore::new()));
    let opts = custody_pact::Options {
        issuer: "t.example".into(),
        standards: vec!["ISO14067".into()],
        exempted_percent: custody_core::exact::parse_decimal("1.5"),
        base_url: String::new(),
    };
    state.pact = PactConfig::new(tls, opts);
    let state = Arc::new(state);
    for e in ["a", "b"] {
        let entity = custody_core::Entity {
            id: e.into(),
            name: format!("Entity {e}"),
            ratios: custody_core::units::CarbonRatios::parse("efi").unwrap(),
            gwp: custody_core::units::Gwp::parse("ar6").unwrap(),
            co_voc: Default::default(),
        };
        state.registry.create(&entity).await.unwrap();
        let text = if e == "a" { JOURNAL.to_string() } else { JOURNAL.replace("factor 100", "factor 300") };
        let entries = custody_journal::parse(&[custody_journal::Source { name: "j".into(), text }]).0;
        state.registry.submit(e, entries.into_iter().map(|s| s.entry).collect()).await.unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app(state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), state)
}

async fn token(base: &str, id: &str, secret: &str) -> (u16, Value) {
    let r = Client::new()
        .post(format!("{base}/auth/token"))
        .basic_auth(id, Some(secret))
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn without_tls_every_pact_route_is_refused_with_a_pact_error() {
    let (base, state) = start(false).await;
    let (id, secret) = create_client(state.registry.store(), "a", None).await.unwrap();
    let (s, v) = token(&base, &id, &secret).await;
    assert_eq!((s, v["code"].as_str()), (403, Some("AccessDenied")));
    assert!(v.get("access_token").is_none());
    for path in ["/3/footprints", "/3/footprints/x", "/.well-known/openid-configuration"] {
        let r = Client::new().get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 403, "{path}");
        assert_eq!(r.headers()["content-type"], "application/json", "PACT's error body, not problem+json");
    }
}

#[tokio::test]
async fn a_client_sees_only_its_entitys_footprints_and_nothing_else() {
    let (base, state) = start(true).await;
    let (a_id, a_secret) = create_client(state.registry.store(), "a", None).await.unwrap();
    let (b_id, b_secret) = create_client(state.registry.store(), "b", None).await.unwrap();
    let list = |t: String| {
        let base = base.clone();
        async move {
            let r = Client::new().get(format!("{base}/3/footprints")).bearer_auth(t).send().await.unwrap();
            r.json::<Value>().await.unwrap()["data"].as_array().unwrap().clone()
        }
    };
    let ta = token(&base, &a_id, &a_secret).await.1["access_token"].as_str().unwrap().to_string();
    let tb = token(&base, &b_id, &b_secret).await.1["access_token"].as_str().unwrap().to_string();
    let (la, lb) = (list(ta.clone()).await, list(tb).await);
    assert_eq!((la.len(), lb.len()), (1, 1));
    // By hand: 100 and 300 tCO2 over 500,000 kg.
    assert_eq!(la[0]["pcf"]["pcfExcludingBiogenicUptake"], "0.2");
    assert_eq!(lb[0]["pcf"]["pcfExcludingBiogenicUptake"], "0.6");
    assert_eq!(la[0]["pcf"]["exemptedEmissionsPercent"], "1.5");
    // b's footprint is not found with a's token.
    let r = Client::new().get(format!("{base}/3/footprints/{}", lb[0]["id"].as_str().unwrap())).bearer_auth(&ta);
    assert_eq!(r.send().await.unwrap().status().as_u16(), 404);
    // One client's id with another's secret, and a revoked client: no token.
    assert_eq!(token(&base, &a_id, &b_secret).await.0, 401);
    assert!(state.registry.store().revoke_key(&b_id).await.unwrap());
    assert_eq!(token(&base, &b_id, &b_secret).await.0, 401);
    // PACT credentials are no API key.
    let r = Client::new().get(format!("{base}/entities/a/verify")).bearer_auth(&a_secret).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // A grant type other than client_credentials.
    let r =
        Client::new().post(format!("{base}/auth/token")).basic_auth(&a_id, Some(&a_secret)).body("grant_type=password");
    let r = r.send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "unsupported_grant_type");
    // The extension schema is published where footprints point.
    let url = la[0]["extensions"][0]["dataSchema"].as_str().unwrap().replace("https://", "http://");
    let schema: Value = Client::new().get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(schema["$id"], "urn:custody:pact:extension:custody:1.0.0");
}

#[test]
fn event_times_by_hand() {
    use custody_server::pact_send::{random_uuid, rfc3339};
    // 2000-02-29 is 11,016 days after 1970-01-01 (30 years, 7 leap days, plus 59 days of 2000).
    for (unix, want) in [
        (0, "1970-01-01T00:00:00Z"),
        (11_016 * 86_400 + 3_723, "2000-02-29T01:02:03Z"),
        (20_089 * 86_400, "2025-01-01T00:00:00Z"),
        (-1, "1969-12-31T23:59:59Z"),
    ] {
        assert_eq!(rfc3339(unix), want);
    }
    let (a, b) = (random_uuid(), random_uuid());
    assert!(custody_pact::events::is_uuid(&a) && a != b && &a[14..15] == "4", "{a}");
}

/// Every PACT route `/openapi.json` documents is one the router serves (without TLS: refused
/// with a PACT error, the schema served), never "no route" nor 405.
#[tokio::test]
async fn the_router_serves_every_documented_pact_route() {
    let (base, _) = start(false).await;
    let doc = custody_server::openapi();
    for (method, path, _) in custody_server::pact_doc::PACT_ROUTES {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
        let url = format!("{base}{}", path.replace("{id}", "x"));
        let r = if method == "get" { Client::new().get(url) } else { Client::new().post(url) };
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        let want = if path.ends_with("schema.json") { 200 } else { 403 };
        assert_eq!(status, want, "{method} {path}: {body}");
        if want == 403 {
            assert_eq!(body["code"], "AccessDenied", "{method} {path}");
        }
    }
}

/// A credential delivers transfers only as the one seller it was issued for (docs/pact.md
/// "Company to company"): the kinds of credential against a delivery signed by `dri-plant`.
#[tokio::test]
async fn only_a_credential_bound_to_the_seller_may_deliver_as_it() {
    let store = MemoryStore::new();
    let (to_seller, _) = create_client(&store, "automaker", Some("dri-plant")).await.unwrap();
    let (to_other, _) = create_client(&store, "automaker", Some("green-mill")).await.unwrap();
    let (unbound, _) = create_client(&store, "automaker", None).await.unwrap();
    let (revoked, _) = create_client(&store, "automaker", Some("dri-plant")).await.unwrap();
    assert!(store.revoke_key(&revoked).await.unwrap());
    // Bound to the buyer itself: refused at creation, nothing stored.
    assert!(create_client(&store, "automaker", Some("automaker")).await.is_err());
    let cases: [(&str, &str, Option<&str>); 5] = [
        ("bound to the seller", &to_seller, None),
        ("bound to another seller", &to_other, Some("issued for the seller `green-mill`, not `dri-plant`")),
        ("unbound", &unbound, Some("is bound to no seller")),
        ("revoked", &revoked, Some("has been revoked")),
        ("unknown", "pact_0000", Some("is bound to no seller")),
    ];
    for (kind, client, refusal) in cases {
        let r = custody_server::pact_receive::bound_to(&store, "automaker", client, "dri-plant", "seller").await;
        match refusal {
            None => assert_eq!(r, Ok(()), "{kind}"),
            Some(m) => {
                let e = r.expect_err(kind);
                assert!(e.contains(m) && e.contains(client), "{kind}: {e}");
            }
        }
    }
    // A binding holds for its buyer only: the same client id under another buyer is unbound.
    assert!(custody_server::pact_receive::bound_to(&store, "b", &to_seller, "dri-plant", "seller").await.is_err());
    // The bound client's binding is one record per client.
    let bound = store.records("automaker", custody_server::pact::CLIENT_PEER).await.unwrap();
    assert_eq!(bound.len(), 3, "{bound:?}");
}
