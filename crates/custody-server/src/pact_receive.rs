//! The buyer's side of company-to-company delivery (docs/pact.md "Company to company"): a seller
//! on another `custody serve` POSTs each sale to this entity as a CloudEvent of type
//! [`DELIVERY_EVENT`] to `/3/events`, authenticated with PACT client credentials this server
//! issued to the buyer entity (`custody pact client create --entity BUYER`, handed to the
//! seller). `data` is a `custody-signed-v1` document (`custody_proof`, docs/proofs.md) of kind
//! [`DELIVERY_KIND`] whose `document.transfer` is the transfer (`custody_store::delivered`),
//! `document.claim` the sale's claimed view or null (`custody_store::delivered_claim`) and
//! `document.footprint` the footprint of the sale.
//!
//! Checks, in order (each failure is `400 {"code": "BadRequest", "message"}` naming it, and
//! nothing is kept): `source` is https; the token's client is bound to the signing seller
//! (`custody pact client create --entity BUYER --peer SELLER`, record kind
//! [`CLIENT_PEER`]) and not revoked: an unbound client may read footprints but
//! deliver nothing, so one credential cannot deliver as any other seller; the seller's public key, read from
//! `{source}/.well-known/custody-signing-key` ([`KEY_PATH`]), is the one pinned for that seller
//! (the first key seen for a seller entity is pinned: trust on first use); the document's
//! signature and digest verify with it (`custody_proof::verify_file`, V00x codes); the signer
//! is the transfer's seller and the buyer is the token's entity; the claimed view's parts add up to
//! the transfer's quantity; a transfer of that id delivered before states the same, with the same
//! claimed view or the final one after a provisional one (`Registry::keep_delivered`). Then the
//! transfer is kept, and `receive` resolves it, with its claimed view, like a local one.

use crate::AppState;
use custody_store::Store;
use serde_json::Value;
use std::time::Duration;

/// The CloudEvents `type` of a delivered sale (custody's own: PACT v3 has no event for it).
pub const DELIVERY_EVENT: &str = "org.custody.TransferDelivered.1";
/// The signed document kind of a delivery.
pub const DELIVERY_KIND: &str = "pact-delivery";
/// Where a server publishes its entity signing key (64 hex digits, `text/plain`).
pub const KEY_PATH: &str = "/.well-known/custody-signing-key";
/// Record kind of a seller's pinned public key, keyed by the seller's entity id.
pub const SELLER_KEY: &str = "pact-seller-key";

/// Record kind binding a PACT client to the one seller entity it was issued for (docs/pact.md
/// "Company to company"): scope the buyer entity, key the client id, body the seller's entity id;
/// written by `pact::create_client`. Only a bound client may deliver transfers, and only as that
/// seller ([`accept`]).
pub const CLIENT_PEER: &str = "pact-client-peer";

/// A refusal: the message of a `400 BadRequest`.
pub type Refusal = String;

/// The signing key a counterpart's server publishes at `{source}`[`KEY_PATH`].
pub(crate) async fn seller_key(source: &str, ca_pem: Option<&[u8]>) -> Result<String, Refusal> {
    let mut b = reqwest::Client::builder().timeout(Duration::from_secs(10));
    if let Some(pem) = ca_pem {
        for cert in reqwest::Certificate::from_pem_bundle(pem).map_err(|e| format!("the CA file: {e}"))? {
            b = b.add_root_certificate(cert);
        }
    }
    let http = b.build().map_err(|e| e.to_string())?;
    let url = format!("{}{KEY_PATH}", source.trim_end_matches('/'));
    let r = http.get(&url).send().await.map_err(|e| format!("the seller's signing key at {url}: {e}"))?;
    if !r.status().is_success() {
        return Err(format!("the seller's signing key at {url}: HTTP {}", r.status()));
    }
    r.text().await.map(|t| t.trim().to_string()).map_err(|e| format!("the seller's signing key at {url}: {e}"))
}

/// The key `who` (a counterpart entity) publishes at `source`, after checking it is the one
/// `owner` pinned under record kind `kind` at `who`'s first `what` (trust on first use: `V002
/// key_mismatch` otherwise) and that `signed` verifies with it. Answers the key, in hex, for the
/// caller to pin once it accepted. Used for deliveries (sellers' keys) and returns (buyers').
pub(crate) async fn signed_by_pinned<S: Store>(
    state: &AppState<S>,
    owner: &str,
    kind: &str,
    who: &str,
    source: &str,
    signed: &Value,
    what: &str,
) -> Result<String, Refusal> {
    let key_hex = seller_key(source, state.pact.ca_pem.as_deref()).await?;
    let key = custody_proof::parse_public_key(&key_hex).map_err(|e| format!("the signing key of `{who}`: {e}"))?;
    let pinned = state.registry.store().records(owner, kind).await.map_err(|e| e.to_string())?;
    if let Some((_, k)) = pinned.iter().find(|(s, _)| *s == who) {
        if *k != key_hex {
            return Err(format!(
                "V002 key_mismatch: `{who}` publishes key {key_hex} at {source}, but {k} was pinned at its first {what}"
            ));
        }
    }
    custody_proof::verify_file(&signed.to_string(), Some(&key)).map_err(|e| e.to_string())?;
    Ok(key_hex)
}

/// Refuses unless the client `client` of `buyer` is bound to `seller` and not revoked. `who` names
/// the counterpart's role in the messages (`seller` for deliveries, `buyer` for returns).
pub async fn bound_to<S: Store>(store: &S, buyer: &str, client: &str, seller: &str, who: &str) -> Result<(), Refusal> {
    let bound = store.records(buyer, CLIENT_PEER).await.map_err(|e| e.to_string())?;
    match bound.iter().find(|(id, _)| id == client) {
        None => {
            return Err(format!(
                "the credential `{client}` is bound to no {who} and may not deliver (here as `{seller}`): \
                 `{buyer}` issues one with `custody pact client create --entity {buyer} --peer {seller}`"
            ))
        }
        Some((_, peer)) if peer != seller => {
            return Err(format!("the credential `{client}` was issued for the {who} `{peer}`, not `{seller}`: refused"))
        }
        Some(_) => {}
    }
    let keys = store.list_keys().await.map_err(|e| e.to_string())?;
    if !keys.iter().any(|k| k.key.id == client && !k.key.revoked) {
        return Err(format!("the credential `{client}` has been revoked"));
    }
    Ok(())
}

/// Checks and keeps a delivery to `buyer` (module docs).
/// `client` is the id of the client whose token carried the event.
pub async fn accept<S: Store>(state: &AppState<S>, buyer: &str, client: &str, event: &Value) -> Result<(), Refusal> {
    let source = event["source"].as_str().unwrap_or_default();
    if !source.starts_with("https://") {
        return Err(format!("the delivery's `source` `{source}` is not an https URL"));
    }
    let signed = &event["data"];
    if signed["kind"] != DELIVERY_KIND {
        return Err(format!("`data` must be a signed document of kind `{DELIVERY_KIND}`"));
    }
    let seller = signed["entity"].as_str().ok_or("`data.entity` is missing")?.to_string();
    bound_to(state.registry.store(), buyer, client, &seller, "seller").await?;
    let key_hex = signed_by_pinned(state, buyer, SELLER_KEY, &seller, source, signed, "delivery").await?;
    let store = state.registry.store();
    let t = custody_store::delivered::transfer_from_json(&signed["document"]["transfer"])
        .map_err(|e| format!("`data.document.transfer`: {e}"))?;
    if t.seller != seller {
        return Err(format!("the transfer's seller `{}` is not the signer `{seller}`", t.seller));
    }
    if t.buyer != buyer {
        return Err(format!("the transfer is addressed to `{}`, not to `{buyer}`", t.buyer));
    }
    if store.entity_ids().await.map_err(|e| e.to_string())?.contains(&seller) {
        return Err(format!("`{seller}` is an entity of this server: its transfers need no delivery"));
    }
    let claim = custody_store::delivered_claim::claim_from_json(&signed["document"]["claim"])
        .map_err(|e| format!("`data.document.{}", e.trim_start_matches('`')))?;
    if let Some(c) = &claim {
        let parts: i64 = c.lines.iter().map(|l| l.quantity).sum();
        if parts != t.quantity {
            return Err(format!(
                "`data.document.claim.lines`: the parts add up to {parts} base units, not the transfer's {}",
                t.quantity
            ));
        }
    }
    store.put_record(buyer, SELLER_KEY, &seller, &key_hex).await.map_err(|e| e.to_string())?;
    match state.registry.keep_delivered(buyer, &t, claim.as_ref(), signed).await.map_err(|e| e.to_string())? {
        custody_store::delivered::Kept::Differs(why) => Err(why),
        _ => Ok(()),
    }
}
