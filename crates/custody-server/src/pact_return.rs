//! The seller's side of a return between servers (docs/pact.md "Returns between servers"): a
//! buyer on another `custody serve` that refuses a transfer delivered to it (`custody pact
//! return`) POSTs a CloudEvent of type [`RETURN_EVENT`] to this server's `/3/events`,
//! authenticated with PACT client credentials this server issued to the seller entity bound to
//! that buyer (`custody pact client create --entity SELLER --peer BUYER`). `data` is a
//! `custody-signed-v1` document of kind [`RETURN_KIND`], signed with the buyer's entity key, whose
//! `document.transfer` is the transfer exactly as it was delivered (`custody_store::delivered`).
//!
//! Checks, in order (each failure is `400 {"code": "BadRequest", "message"}` and nothing is
//! written, no key pinned): `source` is https; `data` is of kind [`RETURN_KIND`]; the token's
//! client is bound to the signing buyer and not revoked (`pact_receive::bound_to`); the key at
//! `{source}/.well-known/custody-signing-key` is the one pinned for that buyer ([`BUYER_KEY`],
//! trust on first use: `V002 key_mismatch`); the signature and digest verify (V00x); the signer
//! is the transfer's buyer and the token's entity its seller; then
//! `Registry::accept_return`: the transfer is a sale of this seller to that buyer
//! (`return_unknown_transfer`), not returned already (`return_replayed`), the same transfer
//! whole (`return_mismatch`), delivered and accepted (`return_not_delivered`). Accepted: the
//! signed return is kept (record `pact-returned`), the seller's `return` booked, the buyer's key
//! pinned, `200`.

use crate::pact_receive::{bound_to, signed_by_pinned, Refusal};
use crate::AppState;
use custody_store::Store;
use serde_json::{json, Value};

/// The CloudEvents `type` of a return (custody's own: PACT v3 has no event for it).
pub const RETURN_EVENT: &str = "org.custody.ReturnDelivered.1";
/// The signed document kind of a return.
pub const RETURN_KIND: &str = "pact-return";
/// Record kind of a buyer's pinned public key (the seller's, keyed by the buyer's entity id).
pub const BUYER_KEY: &str = "pact-buyer-key";

/// Checks a return to `seller` and books it (module docs). `client`: the token's client id.
pub async fn accept<S: Store>(state: &AppState<S>, seller: &str, client: &str, event: &Value) -> Result<(), Refusal> {
    let source = event["source"].as_str().unwrap_or_default();
    if !source.starts_with("https://") {
        return Err(format!("the return's `source` `{source}` is not an https URL"));
    }
    let signed = &event["data"];
    if signed["kind"] != RETURN_KIND {
        return Err(format!("`data` must be a signed document of kind `{RETURN_KIND}`"));
    }
    let buyer = signed["entity"].as_str().ok_or("`data.entity` is missing")?.to_string();
    let store = state.registry.store();
    bound_to(store, seller, client, &buyer, "buyer").await?;
    let key_hex = signed_by_pinned(state, seller, BUYER_KEY, &buyer, source, signed, "return").await?;
    let t = custody_store::delivered::transfer_from_json(&signed["document"]["transfer"])
        .map_err(|e| format!("`data.document.transfer`: {e}"))?;
    if t.buyer != buyer {
        return Err(format!("the transfer's buyer `{}` is not the signer `{buyer}`", t.buyer));
    }
    if t.seller != seller {
        return Err(format!("the transfer was sold by `{}`, not by `{seller}`", t.seller));
    }
    let now = crate::pact_send::rfc3339(custody_store::unix_now());
    let body = json!({"signed": signed, "at": now, "from": source});
    state.registry.accept_return(seller, &t, &body).await.map_err(|r| r.to_string())?;
    // The return is booked: the answer is 200 whatever follows. A key that could not be pinned
    // now is pinned at the buyer's next return.
    if let Err(e) = store.put_record(seller, BUYER_KEY, &buyer, &key_hex).await {
        tracing::warn!(%buyer, "the buyer's key was not pinned: {e}");
    }
    Ok(())
}
