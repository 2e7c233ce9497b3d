//! The web interface (`docs/ui.md`): plain HTML, CSS and JavaScript modules built into the binary
//! (`include_str!` of the files in `crates/custody-server/ui/`), so neither building nor running it
//! needs Node or the network.
//!
//! - `GET /` and `GET /ui/{page}` (one of [`PAGES`]) answer the same HTML shell; its script reads
//!   the page from the path and calls the JSON API with the key the user signed in with (kept in
//!   `sessionStorage`), so a page shows exactly what the API lets that key see.
//! - `GET /ui/assets/{file}`: the scripts and the style sheet ([`ASSETS`]).
//! - `GET /ui/scales.json`: each embedded framework's levels as straight lines over the scrap
//!   share (`{frameworks: [{id, name, material, unit, comparison, levels: [{name, at_0, at_1}]}]}`,
//!   limits in the framework's unit as exact decimal strings: `intercept` at share 0,
//!   `intercept - slope` at share 1; `docs/claims.md`), public like `/openapi.json` because the
//!   frameworks are published data. The claims page draws its sliding-scale chart from it.
//!
//! Every answer carries a Content-Security-Policy that allows only this origin's scripts and
//! styles (no inline script), so text from a ledger can never run as code; the scripts build the
//! page with `textContent`, never HTML strings. Unknown pages and files answer 404 problem+json.

use crate::error::ApiError;
use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The pages of the interface, each at `/ui/{page}`.
pub const PAGES: &[&str] = &["signin", "overview", "ledger", "products", "claims", "transfers", "pools"];

/// `(file, content type, text)` of every asset served at `/ui/assets/{file}`.
pub const ASSETS: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", include_str!("../ui/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("../ui/app.js")),
    ("core.js", "text/javascript; charset=utf-8", include_str!("../ui/core.js")),
    ("charts.js", "text/javascript; charset=utf-8", include_str!("../ui/charts.js")),
    ("flow.js", "text/javascript; charset=utf-8", include_str!("../ui/flow.js")),
    ("overview.js", "text/javascript; charset=utf-8", include_str!("../ui/overview.js")),
    ("ledger.js", "text/javascript; charset=utf-8", include_str!("../ui/ledger.js")),
    ("products.js", "text/javascript; charset=utf-8", include_str!("../ui/products.js")),
    ("transfers.js", "text/javascript; charset=utf-8", include_str!("../ui/transfers.js")),
    ("pools.js", "text/javascript; charset=utf-8", include_str!("../ui/pools.js")),
];

const SHELL: &str = include_str!("../ui/index.html");

/// Only this origin's scripts, styles and connections; no frames, no plugins.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn with_headers(content_type: &'static str, body: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// `GET /`: the shell; its script opens the sign-in page or, with a key in the session, the overview.
pub async fn index() -> Response {
    with_headers("text/html; charset=utf-8", SHELL)
}

/// `GET /ui/{page}`: the shell, for a page of [`PAGES`].
pub async fn page(Path(page): Path<String>) -> Result<Response, ApiError> {
    if PAGES.contains(&page.as_str()) {
        Ok(with_headers("text/html; charset=utf-8", SHELL))
    } else {
        Err(ApiError::not_found(format!("no page `{page}` (one of: {})", PAGES.join(", "))))
    }
}

/// `GET /ui/assets/{file}`: a script or the style sheet.
pub async fn asset(Path(file): Path<String>) -> Result<Response, ApiError> {
    ASSETS
        .iter()
        .find(|(name, _, _)| *name == file)
        .map(|(_, ty, body)| with_headers(ty, body))
        .ok_or_else(|| ApiError::not_found(format!("no asset `{file}`")))
}

/// `GET /ui/scales.json`: every framework's levels as lines over the scrap share.
pub async fn scales() -> Response {
    use custody_core::exact::{format_decimal, Q};
    let dec = |x: Q| format_decimal(x, 6);
    let frameworks: Vec<_> = custody_frameworks::shared()
        .iter()
        .map(|f| {
            let levels: Vec<_> = f
                .levels
                .iter()
                .map(|l| json!({"name": l.name, "at_0": dec(l.intercept), "at_1": dec(l.intercept - l.slope)}))
                .collect();
            json!({
                "id": f.id,
                "name": f.name,
                "material": f.material,
                "unit": f.unit,
                "comparison": f.comparison.as_str(),
                "levels": levels,
            })
        })
        .collect();
    let mut res = axum::Json(json!({ "frameworks": frameworks })).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}
