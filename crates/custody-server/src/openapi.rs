//! The OpenAPI document served at `/openapi.json`, generated with `utoipa` from one table of
//! routes ([`ROUTE_TABLE`]) and the request and response types of [`crate::wire`].

use crate::wire::{self, ops};
use serde_json::Value;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, ObjectBuilder, OpenApiBuilder, PathsBuilder, Ref, RefOr, Required, ResponseBuilder,
    Schema, Type,
};
use utoipa::OpenApi;

/// A request or response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// No body.
    None,
    /// `application/json` of the named schema (a type of [`crate::wire`]).
    Json(&'static str),
    /// `text/plain`.
    Text,
    /// A journal: `text/plain`, or `application/json` of the named schema.
    Journal(&'static str),
}

/// One route: method, path, summary, who may call it, its request body, its success status and
/// response body.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub who: &'static str,
    pub request: Body,
    pub status: u16,
    pub response: Body,
}

const fn route(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    who: &'static str,
    request: Body,
    status: u16,
    response: Body,
) -> Route {
    Route { method, path, summary, who, request, status, response }
}

use Body::{Journal, Json, Text};

/// Every route of the API, in one place: the router serves them, this document describes them.
pub const ROUTE_TABLE: [Route; 17] = [
    route("get", "/health", "Liveness", "anyone", Body::None, 200, Json("Health")),
    route("get", "/openapi.json", "This document", "anyone", Body::None, 200, Json("OpenApiDocument")),
    route("get", "/entities", "Entities the key may see (paginated)", "any key", Body::None, 200, Json("EntityPage")),
    route(
        "post",
        "/entities",
        "Create an entity: {id, name, ratios: efi|molar, gwp: ar5|ar6}",
        "admin",
        Json("NewEntity"),
        201,
        Json("Entity"),
    ),
    route(
        "post",
        "/keys",
        "Create an API key: {role, entity?, grants?}; the secret is returned once",
        "admin",
        Json("NewKey"),
        201,
        Json("CreatedKey"),
    ),
    route("delete", "/keys/{id}", "Revoke an API key", "admin", Body::None, 204, Body::None),
    route(
        "post",
        "/entities/{id}/journal",
        "Post a batch of journal entries (operations, definitions), all or nothing; text/plain, {journal} or {operations}; \
         `Prefer: return=minimal` answers without the transactions (and `Preference-Applied: return=minimal`)",
        "member of the entity",
        Journal("JournalRequest"),
        200,
        Json("Outcomes"),
    ),
    route(
        "get",
        "/entities/{id}/transactions",
        "Posted transactions (paginated)",
        "member, granted verifier",
        Body::None,
        200,
        Json("TransactionPage"),
    ),
    route(
        "get",
        "/entities/{id}/entries",
        "Stored journal entries with their hash chain (paginated by sequence; ?operation=ID: the entry that posted it)",
        "member, granted verifier",
        Body::None,
        200,
        Json("EntryPage"),
    ),
    route(
        "get",
        "/entities/{id}/reports/{kind}",
        "A statement: ledger, balances, product-intensity, entity-emissions, eledger, carbon-balance, pool, certificates, market-instruments, disclosure, purchased-goods, ghg-inventory or esrs-e1-6 (?period= or ?year=, ?format=json|text|csv)",
        "member, granted verifier",
        Body::None,
        200,
        Json("Statement"),
    ),
    route(
        "get",
        "/entities/{id}/verify",
        "Recompute hashes, balances and invariants from the stored journal",
        "member, granted verifier",
        Body::None,
        200,
        Json("Verified"),
    ),
    route(
        "get",
        "/entities/{id}/export",
        "The ledger as a journal (text/plain)",
        "member, granted verifier",
        Body::None,
        200,
        Text,
    ),
    route(
        "get",
        "/entities/{id}/assess",
        "A product's footprint and claim against the frameworks (?product=&material=&claim=POOL/ID&avoided=&period=&frameworks=a,b)",
        "member, granted verifier",
        Body::None,
        200,
        Json("Assessment"),
    ),
    route(
        "get",
        "/entities/{id}/transfers",
        "Transfers sent and received (a counterparty key sees only those addressed to it; paginated)",
        "member, counterparty, granted verifier, admin",
        Body::None,
        200,
        Json("TransferPage"),
    ),
    route(
        "post",
        "/entities/{id}/transfers/accept",
        "Book a transfer addressed to this entity: {transfer, item, date, id?, lot?, site?, custody?}",
        "member of the buyer",
        Json("TransferDecision"),
        200,
        Json("Outcomes"),
    ),
    route(
        "post",
        "/entities/{id}/transfers/reject",
        "Refuse a transfer: the seller's ledger books a return. {transfer, date, id?}",
        "member of the buyer",
        Json("TransferRejection"),
        200,
        Json("Outcomes"),
    ),
    route(
        "get",
        "/reconciliation",
        "Every visible transfer with both sides, mismatches flagged (paginated)",
        "any key; filtered by role",
        Body::None,
        200,
        Json("ReconciliationPage"),
    ),
];

const fn summaries<const N: usize>(t: &[Route; N]) -> [(&'static str, &'static str, &'static str, &'static str); N] {
    let mut out = [("", "", "", ""); N];
    let mut i = 0;
    while i < N {
        out[i] = (t[i].method, t[i].path, t[i].summary, t[i].who);
        i += 1;
    }
    out
}

/// (method, path, summary, who may call it), from [`ROUTE_TABLE`].
pub const ROUTES: &[(&str, &str, &str, &str)] = &summaries(&ROUTE_TABLE);

/// The schemas of the document: every type a route reads or answers, and what they use.
#[derive(OpenApi)]
#[openapi(components(schemas(
    wire::Health,
    wire::OpenApiDocument,
    wire::Entity,
    wire::EntityPage,
    wire::NewEntity,
    wire::NewKey,
    wire::CreatedKey,
    wire::JournalRequest,
    wire::JournalText,
    wire::OperationBatch,
    ops::JsonOperation,
    ops::JsonUse,
    ops::JsonOutput,
    ops::JsonTarget,
    ops::JsonSaleLine,
    wire::Outcomes,
    wire::EntryOutcome,
    wire::TransactionJson,
    wire::PostingJson,
    wire::MovementJson,
    wire::TransactionPage,
    wire::EntryJson,
    wire::EntryPage,
    wire::Statement,
    wire::Verified,
    wire::Assessment,
    wire::TransferJson,
    wire::TransferAmount,
    wire::TransferPage,
    wire::TransferDecision,
    wire::TransferRejection,
    wire::ReconciliationPage,
    wire::Problem,
    wire::Violation,
    wire::SyntaxError,
)))]
struct Schemas;

fn string() -> Schema {
    ObjectBuilder::new().schema_type(Type::String).into()
}

fn parameters(path: &str, method: &str) -> Vec<utoipa::openapi::path::Parameter> {
    let param = |name: &str, loc: ParameterIn, required: bool, schema: Schema| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(loc)
            .required(if required { Required::True } else { Required::False })
            .schema(Some(schema))
            .build()
    };
    let mut ps: Vec<_> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| param(name, ParameterIn::Path, true, string()))
        .collect();
    let paginated = method == "get"
        && matches!(
            path,
            "/entities"
                | "/entities/{id}/transactions"
                | "/entities/{id}/entries"
                | "/entities/{id}/transfers"
                | "/reconciliation"
        );
    if paginated {
        let int = |min: usize, max: Option<usize>| -> Schema {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(min as f64))
                .maximum(max.map(|m| m as f64))
                .into()
        };
        ps.push(param("offset", ParameterIn::Query, false, int(0, None)));
        ps.push(param("limit", ParameterIn::Query, false, int(1, Some(crate::MAX_PAGE))));
    }
    if path.ends_with("/entries") {
        ps.push(param("operation", ParameterIn::Query, false, string()));
    }
    if path.ends_with("/journal") && method == "post" {
        // RFC 7240: `return=minimal` answers the outcomes without the transactions posted.
        ps.push(param("Prefer", ParameterIn::Header, false, string()));
    }
    if path.ends_with("/assess") {
        for name in ["product", "material", "claim", "avoided", "period", "frameworks", "format"] {
            ps.push(param(name, ParameterIn::Query, name == "product", string()));
        }
    }
    if path.ends_with("{kind}") {
        ps.push(param("period", ParameterIn::Query, false, string()));
        let year: Schema = ObjectBuilder::new().schema_type(Type::Integer).into();
        ps.push(param("year", ParameterIn::Query, false, year));
        ps.push(param("format", ParameterIn::Query, false, string()));
    }
    ps
}

fn schema_ref(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

fn content(body: Body) -> Vec<(&'static str, utoipa::openapi::Content)> {
    let text = || ("text/plain", ContentBuilder::new().schema(Some(string())).build());
    match body {
        Body::None => vec![],
        Body::Json(name) => vec![("application/json", ContentBuilder::new().schema(Some(schema_ref(name))).build())],
        Body::Text => vec![text()],
        Body::Journal(name) => {
            vec![("application/json", ContentBuilder::new().schema(Some(schema_ref(name))).build()), text()]
        }
    }
}

fn method(m: &str) -> HttpMethod {
    match m {
        "get" => HttpMethod::Get,
        "post" => HttpMethod::Post,
        "delete" => HttpMethod::Delete,
        other => unreachable!("no route takes {other}"),
    }
}

/// A stable operation id: `post_entities_id_journal`.
fn operation_id(r: &Route) -> String {
    let mut s = r.method.to_string();
    for part in r.path.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()) {
        s.push('_');
        s.push_str(part);
    }
    s
}

/// The document.
pub fn openapi() -> Value {
    let mut paths = PathsBuilder::new();
    for r in &ROUTE_TABLE {
        let mut op = OperationBuilder::new()
            .summary(Some(r.summary))
            .description(Some(format!("Allowed: {}.", r.who)))
            .operation_id(Some(operation_id(r)))
            .parameters(Some(parameters(r.path, r.method)));
        if r.request != Body::None {
            let mut body = RequestBodyBuilder::new().required(Some(Required::True));
            for (ty, c) in content(r.request) {
                body = body.content(ty, c);
            }
            op = op.request_body(Some(body.build()));
        }
        let mut ok = ResponseBuilder::new().description(if r.status == 204 { "Done; no content" } else { "OK" });
        for (ty, c) in content(r.response) {
            ok = ok.content(ty, c);
        }
        op = op.response(r.status.to_string(), ok.build());
        for status in ["400", "401", "403", "404", "405", "409", "413", "422", "500", "default"] {
            op = op.response(status, RefOr::Ref(Ref::from_response_name("Problem")));
        }
        if !matches!(r.path, "/health" | "/openapi.json") {
            op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        }
        paths = paths.path(r.path, PathItem::new(method(r.method), op.build()));
    }
    let mut components = Schemas::openapi().components.expect("schemas derived");
    components.security_schemes.insert("bearer".into(), SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    components.responses.insert(
        "Problem".into(),
        RefOr::T(
            ResponseBuilder::new()
                .description("An error")
                .content("application/problem+json", ContentBuilder::new().schema(Some(schema_ref("Problem"))).build())
                .build(),
        ),
    );
    let doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("custody")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Ledger-based carbon accounting and chain of custody. Operations are written in the journal syntax (docs/journal.md) or as typed JSON operations (docs/api.md); statements are documented in docs/reports.md.",
                ))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components))
        .build();
    let mut doc = serde_json::to_value(doc).expect("the document serializes");
    crate::pact_doc::add_to(&mut doc);
    doc
}
