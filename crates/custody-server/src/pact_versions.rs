//! Published footprint versions (PACT Tech Specs v3 §"Product Footprint Lifecycle", ADR-41).
//!
//! A footprint, once served, is kept as published (a store record of kind [`PUBLISHED`], keyed
//! by its id, never changed). When the footprint generated now for the same product and period
//! has another id (any change of what it states: a corrected figure, the owner's declarations,
//! custody's own method), it is published as a new footprint whose `precedingPfIds` lists every
//! earlier version's id, oldest first; the earlier ones are served with `status` `Deprecated`
//! (the only change the specification allows to a published footprint) and stay readable by id.
//! Each new version is announced in a `PublishedEvent.3` to the entity's peers
//! (`custody pact peer add`, [`PEER`] records).
//!
//! A product and period whose latest version is no longer generated complete (its sales gone from
//! the closed period, or a required declaration of the owner withdrawn) is **withdrawn**: that
//! version is served `Deprecated` from then on (a [`WITHDRAWN`] record with the reason; v3 has no
//! `statusComment`, so the reason stays in the record), and announced in a `PublishedEvent.3`.
//!
//! A new version's id is the name-based UUID of the generated footprint's id and the ids it
//! replaces, so content that returns to an earlier version's is a new footprint too; a product
//! and period whose latest version was generated with the same id publishes nothing.

use custody_pact::Generated;
use custody_store::{Store, StoreError};
use serde_json::{json, Value};

/// Record kind of a published footprint: body `{"item", "period", "generated", "footprint"}`
/// (`generated`: the id of the footprint as generated, before versioning).
pub const PUBLISHED: &str = "pact-published";
/// Record kind of a footprint withdrawn: the latest version of a product and period for which no
/// complete footprint is generated any more; keyed by its id, body `{"at": RFC 3339, "reason"}`.
/// It is served `Deprecated` from then on, even if the same content is generated again (which
/// then publishes a new version).
pub const WITHDRAWN: &str = "pact-withdrawn";
/// Record kind of a peer (a customer's PACT host): body [`Peer`] as JSON.
pub const PEER: &str = "pact-peer";

/// A customer's PACT host and the credentials it issued to this entity (stored as given: they
/// are sent to that host, so they cannot be kept hashed).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Peer {
    /// The customer's id in this entity's ledger (a `customer` of its sales).
    pub customer: String,
    /// `https://HOST[:PORT]` of the customer's PACT host.
    pub url: String,
    pub client_id: String,
    pub client_secret: String,
}

/// The entity's peers, in the order added.
pub async fn peers<S: Store>(store: &S, entity: &str) -> Result<Vec<Peer>, StoreError> {
    let rows = store.records(entity, PEER).await?;
    rows.into_iter()
        .map(|(key, body)| {
            serde_json::from_str(&body).map_err(|e| StoreError::Backend(format!("peer record `{key}`: {e}")))
        })
        .collect()
}

/// Adds a peer; `Ok(false)` when the entity has one for that customer already.
pub async fn add_peer<S: Store>(store: &S, entity: &str, peer: &Peer) -> Result<bool, StoreError> {
    let body = serde_json::to_string(peer).map_err(|e| StoreError::Backend(e.to_string()))?;
    store.put_record(entity, PEER, &peer.customer, &body).await
}

/// What [`publish`] found: every published version as served now, and the ids this call has to
/// announce in a `PublishedEvent`: new versions that replace an earlier one, and footprints
/// withdrawn (deprecated without a replacement).
#[derive(Debug, Default)]
pub struct Versions {
    pub all: Vec<Value>,
    pub announce: Vec<String>,
}

fn schema_url(doc: &mut Value, base: &str) {
    if let Some(exts) = doc["extensions"].as_array_mut() {
        for e in exts {
            if e["dataSchema"].as_str().is_some_and(|s| s.ends_with(custody_pact::EXTENSION_PATH)) {
                e["dataSchema"] = json!(format!("{base}{}", custody_pact::EXTENSION_PATH));
            }
        }
    }
}

/// Records the complete footprints generated now (`current`) against what was published before,
/// and returns every version as served at `base` (the request's `https://HOST`): in order of first
/// publication, the latest of each product and period `Active`, earlier ones `Deprecated`.
pub async fn publish<S: Store>(
    store: &S,
    entity: &str,
    base: &str,
    current: Vec<Generated>,
) -> Result<Versions, StoreError> {
    // (id, item, period, generated id, footprint), in order of publication.
    let mut stored: Vec<(String, String, String, String, Value)> = Vec::new();
    let read = |key: &str, body: &str| -> Result<(String, String, String, String, Value), StoreError> {
        let v: Value =
            serde_json::from_str(body).map_err(|e| StoreError::Backend(format!("published footprint `{key}`: {e}")))?;
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        Ok((key.to_string(), s("item"), s("period"), s("generated"), v["footprint"].clone()))
    };
    for (key, body) in store.records(entity, PUBLISHED).await? {
        stored.push(read(&key, &body)?);
    }
    let mut withdrawn: Vec<String> = store.records(entity, WITHDRAWN).await?.into_iter().map(|(k, _)| k).collect();
    // Why a product and period has no complete footprint now: the required fields it lacks.
    let mut lacking: Vec<(String, String, Vec<&'static str>)> = Vec::new();
    let mut live: Vec<(String, String)> = Vec::new();
    for g in &current {
        if g.complete() {
            live.push((g.item.clone(), g.period.clone()));
        } else {
            let fields = g.missing.iter().filter(|m| m.required).map(|m| m.field).collect();
            lacking.push((g.item.clone(), g.period.clone(), fields));
        }
    }
    let mut announce = Vec::new();
    for g in current.into_iter().filter(Generated::complete) {
        let generated = g.id().to_string();
        let preceding: Vec<String> =
            stored.iter().filter(|(_, i, p, ..)| *i == g.item && *p == g.period).map(|(x, ..)| x.clone()).collect();
        let last = stored.iter().rev().find(|(_, i, p, ..)| *i == g.item && *p == g.period);
        if last.is_some_and(|(id, .., gen, _)| *gen == generated && !withdrawn.contains(id)) {
            continue;
        }
        let mut doc = g.footprint.clone();
        // A new version's id also hashes the versions it replaces: content that returns to an
        // earlier version's is still a new footprint with a new id.
        let id = if preceding.is_empty() {
            generated.clone()
        } else {
            custody_pact::uuid_of(&format!("custody-pact-version|{generated}|{}", preceding.join(",")))
        };
        if let Some(m) = doc.as_object_mut() {
            m.insert("id".into(), json!(id));
            if !preceding.is_empty() {
                m.insert("precedingPfIds".into(), json!(preceding));
            }
        }
        let body = json!({"item": g.item, "period": g.period, "generated": generated, "footprint": doc}).to_string();
        if store.put_record(entity, PUBLISHED, &id, &body).await? && !preceding.is_empty() {
            announce.push(id.clone());
        }
        // Another request may have published it first: read what is stored.
        let rows = store.records(entity, PUBLISHED).await?;
        if let Some((k, b)) = rows.iter().find(|(k, _)| *k == id) {
            if !stored.iter().any(|(x, ..)| x == k) {
                stored.push(read(k, b)?);
            }
        }
    }
    // The latest version of each product and period no longer generated complete: withdrawn.
    for (n, (id, item, period, ..)) in stored.iter().enumerate() {
        let later = stored[n + 1..].iter().any(|(_, i, p, ..)| i == item && p == period);
        if later || withdrawn.contains(id) || live.iter().any(|(i, p)| i == item && p == period) {
            continue;
        }
        // Lacking a required field is how a server started without the owner's declarations
        // (`--pact-standard`, `--pact-exempted`) sees every footprint: a configuration slip, not
        // a change of the product's data. Deprecation is final and announced to every peer, so
        // it is never decided by that: the last published version stays served as it is.
        if let Some((.., fields)) = lacking.iter().find(|(i, p, _)| i == item && p == period) {
            tracing::warn!(%id, "the footprint would now lack the required {}: the published version stays Active (declare it again)", fields.join(", "));
            continue;
        }
        let reason = format!("no footprint of `{item}` is generated for {period} now (nothing of it sold then)");
        let at = crate::pact_send::rfc3339(custody_store::unix_now());
        if store.put_record(entity, WITHDRAWN, id, &json!({"at": at, "reason": reason}).to_string()).await? {
            tracing::info!(%id, %reason, "a published footprint is withdrawn: Deprecated");
            announce.push(id.clone());
        }
        withdrawn.push(id.clone());
    }
    let mut all = Vec::with_capacity(stored.len());
    for (n, (id, item, period, _, doc)) in stored.iter().enumerate() {
        let later = stored[n + 1..].iter().any(|(_, i, p, ..)| i == item && p == period);
        let mut doc = doc.clone();
        doc["status"] = json!(if later || withdrawn.contains(id) { "Deprecated" } else { "Active" });
        schema_url(&mut doc, base);
        all.push(doc);
    }
    Ok(Versions { all, announce })
}
