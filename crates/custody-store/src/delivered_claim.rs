//! The claimed view that travels with a delivered sale (docs/pact.md "Claims between servers"):
//! a sale of a pool's group carries the seller's claimed view (`Ledger::claim_view`, issue 8),
//! which a same-registry `receive` records beside the physical amounts. Between servers the
//! seller signs that view with the transfer (`document.claim`); the buyer's server keeps it with
//! the delivery, and the buyer's `receive` records it exactly as it would from a local seller.
//!
//! A view from an open pool period is **provisional** (its residual moves with the seller's later
//! claims); once the seller closes the period, `pact deliver` sends the transfer again with the
//! **final** view, which the buyer's server keeps as a second record (kind [`FINAL`], keyed by the
//! transfer id, never changed) when it differs only in its residual (same pool, period, quantity
//! and claimed parts: the rule of `Ledger::settle_received_claim`). Statements of the buyer then
//! show the final view (`Registry::settle_claims`), as in one registry.
//!
//! JSON of a view (`claim_json`): `{"pool", "period" (0 is the first), "method", "attribution",
//! "provisional" (bool: the pool period was open), "verifier" (string or null), "site_level"
//! (bool), "lowest_input" ("N/D" g CO2e per base unit, or null), "certificates": [REF] (`ID`, or
//! `NAMER/ID` for a part a holder split and sent back),
//! "lines": [{"kind": "claimed"|"residual", "quantity" (seller's base units), "factor" ("N/D" g
//! CO2e per base unit, exact), "co2e_g" (g CO2e), "claim" (the seller's claim id, or null)}]}`.

use custody_core::coc::{Attribution, Method, ReceivedClaim, ReceivedLine, SaleKind};
use custody_core::exact::Q;
use serde_json::{json, Value};

/// Record kind of a final view delivered after a provisional one: body `{"claim": CLAIM,
/// "signed": SIGNED DOCUMENT}`, keyed by transfer id.
pub const FINAL: &str = "pact-delivered-final";

fn fraction(q: &Q) -> String {
    format!("{}/{}", q.numer(), q.denom())
}

fn parse_fraction(t: &str) -> Option<Q> {
    let (n, d) = t.split_once('/')?;
    let (n, d) = (n.parse::<i128>().ok()?, d.parse::<i128>().ok()?);
    (d > 0).then(|| Q::new(n, d))
}

/// The view as JSON (module docs).
pub fn claim_json(c: &ReceivedClaim) -> Value {
    json!({
        "pool": c.pool, "period": c.period, "method": c.method.as_str(), "attribution": c.attribution.as_str(),
        "provisional": !c.closed, "verifier": c.verifier, "site_level": c.site_level,
        "lowest_input": c.lowest_input.as_ref().map(fraction), "certificates": c.certificates,
        "lines": c.lines.iter().map(|l| json!({
            "kind": l.kind.as_str(), "quantity": l.quantity, "factor": fraction(&l.factor),
            "co2e_g": l.co2e_g, "claim": l.claim,
        })).collect::<Vec<_>>(),
    })
}

/// Reads [`claim_json`] back (`null` is no view); the error names the field.
pub fn claim_from_json(v: &Value) -> Result<Option<ReceivedClaim>, String> {
    if v.is_null() {
        return Ok(None);
    }
    let s = |k: &str| v[k].as_str().ok_or(format!("`claim.{k}` must be a string"));
    let b = |k: &str| v[k].as_bool().ok_or(format!("`claim.{k}` must be true or false"));
    let opt_str = |k: &str| match &v[k] {
        Value::Null => Ok(None),
        Value::String(x) => Ok(Some(x.clone())),
        _ => Err(format!("`claim.{k}` must be a string or null")),
    };
    let method = Method::parse(s("method")?).ok_or("`claim.method` is not a pool method")?;
    let attribution = Attribution::parse(s("attribution")?).ok_or("`claim.attribution` is not an attribution")?;
    let period =
        v["period"].as_u64().and_then(|p| u32::try_from(p).ok()).ok_or("`claim.period` must be a period number")?;
    let lowest_input = match opt_str("lowest_input")? {
        None => None,
        Some(t) => Some(parse_fraction(&t).ok_or("`claim.lowest_input` must be an exact fraction N/D")?),
    };
    let certificates = v["certificates"]
        .as_array()
        .ok_or("`claim.certificates` must be an array")?
        .iter()
        .map(|c| c.as_str().map(str::to_string).ok_or("`claim.certificates` holds certificate ids".to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut lines = Vec::new();
    for (n, l) in v["lines"].as_array().ok_or("`claim.lines` must be an array")?.iter().enumerate() {
        let at = |k: &str| format!("`claim.lines[{n}].{k}`");
        let kind = l["kind"].as_str().and_then(SaleKind::parse).ok_or(at("kind") + " is claimed or residual")?;
        let quantity = l["quantity"].as_i64().ok_or(at("quantity") + " must be an integer")?;
        let factor =
            l["factor"].as_str().and_then(parse_fraction).ok_or(at("factor") + " must be an exact fraction N/D")?;
        let co2e_g = l["co2e_g"].as_i64().ok_or(at("co2e_g") + " must be an integer")?;
        let claim = match &l["claim"] {
            Value::Null => None,
            Value::String(x) => Some(x.clone()),
            _ => return Err(at("claim") + " must be a claim id or null"),
        };
        lines.push(ReceivedLine { kind, quantity, factor, co2e_g, claim });
    }
    Ok(Some(ReceivedClaim {
        pool: s("pool")?.to_string(),
        period,
        method,
        attribution,
        closed: !b("provisional")?,
        verifier: opt_str("verifier")?,
        site_level: b("site_level")?,
        lowest_input,
        certificates,
        lines,
    }))
}

/// Why `fin` cannot replace the provisional view `first` delivered before, or None when it can:
/// `first` provisional and `fin` final, of the same pool and period, for the same quantity, with
/// the same claimed parts (claim ids, quantities, factors); only the residual may differ (as
/// `Ledger::settle_received_claim` asks of a same-registry view).
pub fn why_not_final(first: &ReceivedClaim, fin: &ReceivedClaim) -> Option<String> {
    let claimed = |c: &ReceivedClaim| {
        c.lines
            .iter()
            .filter(|l| l.claim.is_some())
            .map(|l| (l.claim.clone(), l.quantity, l.factor))
            .collect::<Vec<_>>()
    };
    let total = |c: &ReceivedClaim| c.lines.iter().map(|l| l.quantity).sum::<i64>();
    if first.closed {
        Some("the claimed view delivered before was final".into())
    } else if !fin.closed {
        Some("a provisional claimed view is delivered once; the final one follows when the pool period closes".into())
    } else if (first.pool.as_str(), first.period) != (fin.pool.as_str(), fin.period) {
        Some(format!(
            "the claimed view delivered before is of pool `{}` period {}, not `{}` period {}",
            first.pool, first.period, fin.pool, fin.period
        ))
    } else if total(first) != total(fin) || claimed(first) != claimed(fin) {
        Some("the final claimed view changes the claimed parts or the quantity, not only the residual".into())
    } else {
        None
    }
}
