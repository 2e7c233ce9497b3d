//! The OpenAPI document served at `/openapi.json`, built from one table of routes.

use serde_json::{json, Map, Value};

/// (method, path, summary, who may call it, tag).
pub const ROUTES: &[(&str, &str, &str, &str)] = &[
    ("get", "/health", "Liveness", "anyone"),
    ("get", "/openapi.json", "This document", "anyone"),
    ("get", "/entities", "Entities the key may see (paginated)", "any key"),
    ("post", "/entities", "Create an entity: {id, name, ratios: efi|molar, gwp: ar5|ar6}", "admin"),
    ("post", "/keys", "Create an API key: {role, entity?, grants?}; the secret is returned once", "admin"),
    ("delete", "/keys/{id}", "Revoke an API key", "admin"),
    (
        "post",
        "/entities/{id}/journal",
        "Post a batch of journal entries (operations, definitions), all or nothing; text/plain or {journal}",
        "member of the entity",
    ),
    ("get", "/entities/{id}/transactions", "Posted transactions (paginated)", "member, granted verifier"),
    (
        "get",
        "/entities/{id}/reports/{kind}",
        "A statement: ledger, balances, product-intensity, entity-emissions, eledger, carbon-balance (?period=)",
        "member, granted verifier",
    ),
    (
        "get",
        "/entities/{id}/verify",
        "Recompute hashes, balances and invariants from the stored journal",
        "member, granted verifier",
    ),
    ("get", "/entities/{id}/export", "The ledger as a journal (text/plain)", "member, granted verifier"),
    (
        "get",
        "/entities/{id}/assess",
        "A product's footprint and claim against the frameworks (?product=&material=&claim=POOL/ID&avoided=&period=&frameworks=a,b)",
        "member, granted verifier",
    ),
    (
        "get",
        "/entities/{id}/transfers",
        "Transfers sent and received (a counterparty key sees only those addressed to it; paginated)",
        "member, counterparty, granted verifier, admin",
    ),
    (
        "post",
        "/entities/{id}/transfers/accept",
        "Book a transfer addressed to this entity: {transfer, item, date, id?, lot?, site?}",
        "member of the buyer",
    ),
    (
        "post",
        "/entities/{id}/transfers/reject",
        "Refuse a transfer: the seller's ledger books a return. {transfer, date, id?}",
        "member of the buyer",
    ),
    (
        "get",
        "/reconciliation",
        "Every visible transfer with both sides, mismatches flagged (paginated)",
        "any key; filtered by role",
    ),
];

fn parameters(path: &str, method: &str) -> Vec<Value> {
    let mut ps: Vec<Value> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let paginated = method == "get"
        && matches!(path, "/entities" | "/entities/{id}/transactions" | "/entities/{id}/transfers" | "/reconciliation");
    if paginated {
        ps.push(json!({"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}}));
        ps.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": crate::MAX_PAGE}}));
    }
    if path.ends_with("/assess") {
        for name in ["product", "material", "claim", "avoided", "period", "frameworks"] {
            ps.push(json!({"name": name, "in": "query", "required": name == "product", "schema": {"type": "string"}}));
        }
    }
    if path.ends_with("{kind}") {
        ps.push(json!({"name": "period", "in": "query", "schema": {"type": "string"}}));
    }
    ps
}

pub fn openapi() -> Value {
    let mut paths = Map::new();
    for (method, path, summary, who) in ROUTES {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        let secured = !matches!(*path, "/health" | "/openapi.json");
        let mut op = json!({
            "summary": summary,
            "description": format!("Allowed: {who}."),
            "parameters": parameters(path, method),
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {}}},
                "400": {"$ref": "#/components/responses/Problem"},
                "401": {"$ref": "#/components/responses/Problem"},
                "403": {"$ref": "#/components/responses/Problem"},
                "404": {"$ref": "#/components/responses/Problem"},
                "405": {"$ref": "#/components/responses/Problem"},
                "409": {"$ref": "#/components/responses/Problem"},
                "413": {"$ref": "#/components/responses/Problem"},
                "422": {"$ref": "#/components/responses/Problem"},
                "500": {"$ref": "#/components/responses/Problem"},
                "default": {"$ref": "#/components/responses/Problem"},
            },
        });
        if secured {
            op["security"] = json!([{"bearer": []}]);
        }
        entry[*method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "custody",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Ledger-based carbon accounting and chain of custody. Operations are written in the journal syntax (docs/journal.md); statements are documented in docs/reports.md.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "code", "detail"],
                    "properties": {
                        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                        "code": {"type": "string", "description": "Stable code: a rejection code (e.g. insufficient_quantity) or unauthorized, forbidden, not_found, conflict, bad_request, journal_syntax, invalid_id (with `rule`), refused, verify_failed, method_not_allowed, payload_too_large, internal. Every error of the API is a Problem, also those raised before a route runs (a query string that does not parse, a body over 2 MB, an unknown route, a wrong method)."},
                        "rule": {"type": "string", "description": "For invalid_id: the id rule broken (id_empty, id_too_long, id_character, id_dots, id_parts)"},
                        "detail": {"type": "string"},
                        "violations": {"type": "array", "items": {"type": "object"}},
                        "index": {"type": "integer", "description": "The batch entry that was refused"},
                    },
                },
                "Page": {
                    "type": "object",
                    "properties": {
                        "items": {"type": "array"}, "offset": {"type": "integer"}, "limit": {"type": "integer"},
                        "total": {"type": "integer"}, "next_offset": {"type": ["integer", "null"]},
                    },
                },
            },
            "responses": {
                "Problem": {"description": "An error", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
            },
        },
    })
}
