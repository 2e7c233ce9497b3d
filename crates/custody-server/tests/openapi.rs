//! `/openapi.json` validated as an OpenAPI 3.1 document: read by the `oas3` crate's typed model
//! (which refuses a document that does not have the shape of the specification), every `$ref`
//! resolved, every POST with a request schema, every 2xx but 204 with a response schema, every
//! error a problem+json. When python3 with `openapi-spec-validator` is on the machine, that
//! validator checks the document too (the test says so when it skips it).

use serde_json::Value;
use std::collections::BTreeSet;

fn doc() -> Value {
    custody_server::openapi()
}

/// Follows a local `$ref` (`#/components/schemas/X`) in the document.
fn pointer<'a>(doc: &'a Value, r: &str) -> Option<&'a Value> {
    doc.pointer(r.strip_prefix('#')?)
}

fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r);
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[test]
fn the_document_is_valid_openapi_3_1() {
    let doc = doc();
    let spec = oas3::from_json(doc.to_string()).expect("the document reads as OpenAPI 3.1");
    let version = spec.validate_version().expect("a supported OpenAPI version");
    assert_eq!((version.major, version.minor), (3, 1));

    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 20, "{} refs", all.len());
    for r in all {
        assert!(r.starts_with("#/components/"), "only local refs: {r}");
        assert!(pointer(&doc, r).is_some(), "`{r}` does not resolve");
    }

    let mut ids = BTreeSet::new();
    let mut count = 0;
    let mut pact_paths = 0;
    for (path, method, op) in spec.operations() {
        count += 1;
        let here = format!("{method} {path}");
        let id = op.operation_id.clone().unwrap_or_else(|| panic!("{here}: no operationId"));
        assert!(ids.insert(id), "{here}: operationId used twice");

        // Every path parameter is declared, required, in the path.
        let params = op.parameters(&spec).unwrap();
        for name in path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))) {
            let p = params.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("{here}: `{name}` undeclared"));
            assert_eq!(p.required, Some(true), "{here}: `{name}`");
        }

        if method == axum::http::Method::POST {
            let body = op.request_body(&spec).unwrap().unwrap_or_else(|| panic!("{here}: no requestBody"));
            assert!(!body.content.is_empty(), "{here}: a requestBody without content");
            for (ty, media) in &body.content {
                assert!(media.schema(&spec).unwrap().is_some(), "{here}: request {ty} has no schema");
            }
        }

        let declared = op.responses.as_ref().map_or(0, |r| r.len());
        let responses = op.responses(&spec);
        assert_eq!(responses.len(), declared, "{here}: a response does not resolve");
        let ok: Vec<_> = responses.iter().filter(|(s, _)| s.starts_with('2')).collect();
        assert_eq!(ok.len(), 1, "{here}: one success status");
        if custody_server::pact_doc::PACT_ROUTES.iter().any(|r| r.1 == path) {
            // PACT's own bodies: a PactError for every error but the token endpoint's RFC 6749
            // ones; an accepted event has an empty body.
            pact_paths += 1;
            for (status, res) in responses.iter().filter(|(s, _)| !s.starts_with('2')) {
                let media = res.content.get("application/json").unwrap_or_else(|| panic!("{here}: {status}"));
                let props = media.schema.as_ref().map(|s| serde_json::to_value(s).unwrap()).unwrap_or_default();
                let named = props["$ref"] == "#/components/schemas/PactError" || path == "/auth/token";
                assert!(named, "{here}: {status} is not a PactError");
            }
            continue;
        }
        for (status, res) in ok {
            if status == "204" {
                assert!(res.content.is_empty(), "{here}: 204 has no body");
                continue;
            }
            assert!(!res.content.is_empty(), "{here}: {status} has no content");
            for (ty, media) in &res.content {
                assert!(media.schema(&spec).unwrap().is_some(), "{here}: {status} {ty} has no schema");
            }
        }
        for status in ["400", "401", "403", "404", "405", "409", "413", "422", "500", "default"] {
            let res = responses.get(status).unwrap_or_else(|| panic!("{here}: no {status}"));
            let media = res.content.get("application/problem+json").unwrap_or_else(|| panic!("{here}: {status}"));
            let schema = media.schema(&spec).unwrap().unwrap();
            let oas3::spec::Schema::Object(o) = schema else { panic!("{here}: {status} is not a Problem") };
            let oas3::spec::ObjectOrReference::Object(o) = *o else { panic!("{here}: {status} unresolved") };
            assert!(o.properties.contains_key("code"), "{here}: {status} is not a Problem");
        }
    }
    assert_eq!(count, custody_server::ROUTE_TABLE.len() + custody_server::pact_doc::PACT_ROUTES.len());
    assert_eq!(pact_paths, custody_server::pact_doc::PACT_ROUTES.len());
    for r in &custody_server::ROUTE_TABLE {
        assert!(doc["paths"][r.path][r.method].is_object(), "{} {} is not documented", r.method, r.path);
    }
}

#[test]
fn every_json_operation_is_in_the_schema() {
    let doc = doc();
    let variants = doc["components"]["schemas"]["JsonOperation"]["oneOf"].as_array().expect("a oneOf");
    let names: Vec<&str> = variants.iter().map(|v| v["properties"]["op"]["enum"][0].as_str().unwrap()).collect();
    assert_eq!(names, custody_server::wire::ops::JSON_OPS);
    for v in variants {
        let required: Vec<&str> = v["required"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
        for field in ["op", "id", "date"] {
            assert!(required.contains(&field), "{v}");
        }
    }
    let journal = &doc["paths"]["/entities/{id}/journal"]["post"]["requestBody"]["content"];
    assert!(journal["text/plain"].is_object() && journal["application/json"].is_object(), "{journal}");
}

/// The Python reference validator, where the machine has it (`pip install openapi-spec-validator`).
#[test]
fn the_python_validator_accepts_the_document_when_installed() {
    let probe = std::process::Command::new("python3").args(["-c", "import openapi_spec_validator"]).output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        custody_store::conformance::skipped(
            "the_python_validator_accepts_the_document_when_installed",
            "python3 with openapi-spec-validator is not installed; the Rust checks above still ran",
        );
        return;
    }
    let path = std::env::temp_dir().join(format!("custody-openapi-{}.json", std::process::id()));
    std::fs::write(&path, doc().to_string()).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print('valid')",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The document is generated from the route table; the router is written apart. Every route of
/// the table must be one the router serves: a request for it (unauthenticated, placeholders
/// filled) is never answered "no route" nor 405.
#[tokio::test]
async fn the_router_serves_every_documented_route() {
    let state = std::sync::Arc::new(custody_server::AppState::new(custody_store::Registry::new(
        custody_store::MemoryStore::new(),
    )));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = custody_server::app(state);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    for r in &custody_server::ROUTE_TABLE {
        let mut path = r.path.to_string();
        while let (Some(a), Some(b)) = (path.find('{'), path.find('}')) {
            path.replace_range(a..=b, "x");
        }
        let method = reqwest::Method::from_bytes(r.method.to_uppercase().as_bytes()).unwrap();
        let res = http.request(method, format!("http://{addr}{path}")).send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert!(status != 405 && !body.contains("no route"), "{} {}: {status} {body}", r.method, r.path);
    }
}
