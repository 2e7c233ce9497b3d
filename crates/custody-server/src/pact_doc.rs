//! The PACT routes ([`crate::pact`]) in `/openapi.json`. Their bodies are PACT's (Tech Specs
//! v3.0.3, whose own OpenAPI is the reference): errors are `{code, message}` as `application/json`
//! (schema `PactError`), not problem+json; footprints are described as objects here.

use serde_json::{json, Value};

/// (method, path, summary) of every PACT route, in the router's order.
pub const PACT_ROUTES: [(&str, &str, &str); 8] = [
    ("post", "/auth/token", "PACT: an access token for client credentials (HTTP Basic, grant_type=client_credentials)"),
    ("get", "/.well-known/openid-configuration", "PACT: OpenID Connect discovery (token_endpoint)"),
    ("get", "/.well-known/jwks.json", "PACT: no signing keys (tokens are opaque)"),
    ("get", "/3/footprints", "PACT ListFootprints: the client's entity's footprints, filtered, Link-paginated"),
    ("get", "/3/footprints/{id}", "PACT GetFootprint"),
    ("post", "/3/events", "PACT events (CloudEvents 1.0): requests are answered at the requester's /3/events; custody's org.custody.TransferDelivered.1 delivers a signed sale from another server, org.custody.ReturnDelivered.1 sends one back"),
    ("get", "/.well-known/custody-signing-key", "The entity signing key's public half (64 hex digits, text/plain; 404 without serve --signing-key)"),
    ("get", "/pact/extensions/custody/1.0.0/schema.json", "The custody extension's JSON schema"),
];

fn error(description: &str) -> Value {
    json!({"description": description,
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PactError"}}}})
}

fn ok_json(schema: Value) -> Value {
    json!({"description": "OK", "content": {"application/json": {"schema": schema}}})
}

fn operation(method: &str, path: &str, summary: &str) -> Value {
    let id = format!(
        "pact_{method}_{}",
        path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect::<String>().trim_matches('_')
    );
    let mut op = json!({"summary": summary, "description": "HTTPS only (docs/pact.md).", "operationId": id});
    let errors = |codes: &[&str]| -> Value {
        codes
            .iter()
            .map(|c| (c.to_string(), error("A PACT error: BadRequest, AccessDenied, NotFound, TokenExpired")))
            .collect()
    };
    let bearer = json!([{"pactBearer": []}]);
    let mut responses = match path {
        "/auth/token" => {
            op["requestBody"] = json!({"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {
                "type": "object", "required": ["grant_type"],
                "properties": {"grant_type": {"type": "string", "enum": ["client_credentials"]}}}}}});
            op["security"] = json!([{"pactBasic": []}]);
            let oauth = json!({"description": "RFC 6749 §5.2", "content": {"application/json": {"schema": {
                "type": "object", "required": ["error"],
                "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}}}}}});
            json!({"200": ok_json(json!({"type": "object", "required": ["access_token", "token_type", "expires_in"],
                "properties": {"access_token": {"type": "string"}, "token_type": {"type": "string"},
                               "expires_in": {"type": "integer"}}})),
                   "400": oauth.clone(), "401": oauth, "403": error("Not over HTTPS")})
        }
        "/3/footprints" => {
            op["security"] = bearer;
            let mut params: Vec<Value> = ["productId", "companyId", "geography", "classification"]
                .iter()
                .map(|n| {
                    json!({"name": n, "in": "query", "required": false, "explode": true,
                                "schema": {"type": "array", "items": {"type": "string"}}})
                })
                .collect();
            for n in ["validOn", "validAfter", "validBefore"] {
                params.push(json!({"name": n, "in": "query", "required": false,
                                   "schema": {"type": "string", "format": "date-time"}}));
            }
            params.push(json!({"name": "status", "in": "query", "required": false, "schema": {"type": "string"}}));
            for (n, min) in [("limit", 1), ("offset", 0)] {
                params.push(json!({"name": n, "in": "query", "required": false,
                                   "schema": {"type": "integer", "minimum": min}}));
            }
            op["parameters"] = Value::Array(params);
            let mut r = errors(&["400", "401", "403", "500"]);
            r["200"] = ok_json(json!({"type": "object", "required": ["data"],
                "properties": {"data": {"type": "array", "items": {"type": "object"}}}}));
            r
        }
        "/3/footprints/{id}" => {
            op["security"] = bearer;
            op["parameters"] = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
            let mut r = errors(&["400", "401", "403", "404", "500"]);
            r["200"] =
                ok_json(json!({"type": "object", "required": ["data"], "properties": {"data": {"type": "object"}}}));
            r
        }
        "/3/events" => {
            op["security"] = bearer;
            op["requestBody"] = json!({"required": true, "content": {"application/cloudevents+json": {"schema": {
                "type": "object", "required": ["type", "specversion", "id", "source", "time", "data"]}}}});
            let mut r = errors(&["400", "401", "403", "500"]);
            r["200"] = json!({"description": "Accepted; the body is empty"});
            r
        }
        _ => {
            let mut r = errors(&["403"]);
            r["200"] = ok_json(json!({"type": "object"}));
            r
        }
    };
    if path == "/.well-known/custody-signing-key" {
        responses["200"] = json!({"description": "OK", "content": {"text/plain": {"schema": {"type": "string", "pattern": "^[0-9a-f]{64}\\n?$"}}}});
        responses["404"] = error("No signing key is published");
    }
    if path.ends_with("schema.json") {
        responses.as_object_mut().map(|m| m.remove("403"));
        responses["200"] =
            json!({"description": "OK", "content": {"application/schema+json": {"schema": {"type": "object"}}}});
    }
    op["responses"] = responses;
    op
}

/// Adds the PACT paths, the `PactError` schema and the `pactBasic`/`pactBearer` schemes.
pub fn add_to(doc: &mut Value) {
    for (method, path, summary) in PACT_ROUTES {
        doc["paths"][path][method] = operation(method, path, summary);
    }
    doc["components"]["schemas"]["PactError"] = json!({"type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string", "enum": ["BadRequest", "AccessDenied", "TokenExpired", "NotFound",
                                                            "InternalError", "NotImplemented"]},
                       "message": {"type": "string"}}});
    doc["components"]["securitySchemes"]["pactBasic"] = json!({"type": "http", "scheme": "basic"});
    doc["components"]["securitySchemes"]["pactBearer"] = json!({"type": "http", "scheme": "bearer"});
}
