//! Transfers delivered from another server (docs/pact.md "Company to company"): a seller on
//! another `custody serve` sends each sale to this registry's entity as a signed document; the
//! PACT host checks the signature and keeps the transfer as a store record of kind [`DELIVERED`]
//! (keyed by the transfer id, never changed). A `receive` naming a transfer whose seller is not
//! an entity here is resolved from that record, exactly like one from a local seller; and
//! `reconcile` compares it with what the buyer booked.
//!
//! JSON of a transfer (`transfer_json`): `{"id", "seller", "sale", "buyer", "item", "date"
//! (YYYY-MM-DD), "quantity" (base units, g or kJ), "measure" (`mass`|`energy`|null), "custody"
//! (model or null), "amounts": [{"form": "content"|"emissions", "species", "amount" (gC),
//! "gas" (grams of gas as stated, or null)}], "data_gaps" (`SELLER/OPERATION` ids, only when
//! the goods carry any)}`.

use crate::delivered_claim::{claim_from_json, claim_json, why_not_final, FINAL};
use crate::transfer_model::{Transfer, TransferStatus};
use crate::{Registry, Store, StoreError};
use custody_core::coc::ReceivedClaim;
use custody_core::model::{format_date, parse_date};
use custody_core::ops::TransferForm;
use custody_core::units::{Dimension, Species};
use serde_json::{json, Value};

/// Record kind of a delivered transfer: body `{"transfer": TRANSFER, "claim": CLAIM or null,
/// "signed": SIGNED DOCUMENT}` (`claim`: the sale's claimed view, `crate::delivered_claim`).
pub const DELIVERED: &str = "pact-delivered";

// Returns between servers (`crate::delivered_return`, docs/pact.md "Returns between servers").
/// Record kind (the buyer's, keyed by transfer id) of a return the seller's server accepted.
pub const RETURN_SENT: &str = "pact-return-sent";
/// Record kind (the buyer's, keyed `TRANSFER EVENT-ID`) of a return being sent: written before
/// the event leaves, so that no receive of the transfer is booked while it travels.
pub const RETURN_PENDING: &str = "pact-return-pending";
/// Record kind (the buyer's, keyed like [`RETURN_PENDING`]) of a return the seller's server
/// refused: body `{"status", "body"}`; the transfer may be received again.
pub const RETURN_REFUSED: &str = "pact-return-refused";
/// Record kind (the seller's, keyed by transfer id) of a signed return from the buyer's server:
/// body `{"signed": SIGNED DOCUMENT, "at": RFC 3339}`.
pub const RETURNED: &str = "pact-returned";

/// The transfers delivered to `buyer` that it returned (the seller's server accepted the return).
pub async fn returned_here<S: Store>(store: &S, buyer: &str) -> Result<Vec<String>, StoreError> {
    Ok(store.records(buyer, RETURN_SENT).await?.into_iter().map(|(k, _)| k).collect())
}

/// The transfers delivered to `buyer` that it returned or is returning: a receive of them is
/// refused. A return being sent ([`RETURN_PENDING`]) counts until the seller refused it.
pub async fn returning<S: Store>(store: &S, buyer: &str) -> Result<Vec<String>, StoreError> {
    let refused: Vec<String> = store.records(buyer, RETURN_REFUSED).await?.into_iter().map(|(k, _)| k).collect();
    let mut out = returned_here(store, buyer).await?;
    for (key, _) in store.records(buyer, RETURN_PENDING).await? {
        if !refused.contains(&key) {
            out.extend(key.split(' ').next().map(str::to_string));
        }
    }
    Ok(out)
}

/// The transfer as JSON (module docs).
pub fn transfer_json(t: &Transfer) -> Value {
    let mut v = json!({
        "id": t.id, "seller": t.seller, "sale": t.sale, "buyer": t.buyer, "item": t.item,
        "date": format_date(t.date), "quantity": t.quantity,
        "measure": t.measure.map(|m| m.as_str()),
        "custody": t.custody.map(|m| m.as_str()),
        "amounts": t.amounts.iter().map(|(f, s, a, g)| json!({"form": f.as_str(), "species": s.as_str(), "amount": a, "gas": g})).collect::<Vec<_>>(),
    });
    if !t.data_gaps.is_empty() {
        v["data_gaps"] = json!(t.data_gaps);
    }
    v
}

/// Reads [`transfer_json`] back; the error names the field.
pub fn transfer_from_json(v: &Value) -> Result<Transfer, String> {
    let s = |k: &str| v[k].as_str().map(str::to_string).ok_or(format!("`{k}` must be a string"));
    let measure = match v["measure"].as_str() {
        None => None,
        Some("mass") => Some(Dimension::Mass),
        Some("energy") => Some(Dimension::Energy),
        Some(m) => return Err(format!("`measure` `{m}` is not mass or energy")),
    };
    let custody = match v["custody"].as_str() {
        None => None,
        Some(m) => Some(custody_core::coc::CustodyModel::parse(m).ok_or(format!("`custody` `{m}` is unknown"))?),
    };
    let mut amounts = Vec::new();
    for (n, a) in v["amounts"].as_array().ok_or("`amounts` must be an array")?.iter().enumerate() {
        let form = a["form"].as_str().and_then(TransferForm::parse).ok_or(format!("`amounts[{n}].form`"))?;
        let species = a["species"]
            .as_str()
            .and_then(|x| Species::ALL.iter().copied().find(|s| s.as_str() == x))
            .ok_or(format!("`amounts[{n}].species`"))?;
        let amount = a["amount"].as_i64().ok_or(format!("`amounts[{n}].amount` must be an integer"))?;
        let gas = match &a["gas"] {
            Value::Null => None,
            g => Some(g.as_i64().ok_or(format!("`amounts[{n}].gas` must be an integer or null"))?),
        };
        amounts.push((form, species, amount, gas));
    }
    let data_gaps = match &v["data_gaps"] {
        Value::Null => Vec::new(),
        g => g
            .as_array()
            .and_then(|a| a.iter().map(|x| x.as_str().map(str::to_string)).collect::<Option<Vec<_>>>())
            .ok_or("`data_gaps` must be an array of operation ids")?,
    };
    Ok(Transfer {
        data_gaps,
        id: s("id")?,
        seller: s("seller")?,
        sale: s("sale")?,
        buyer: s("buyer")?,
        item: s("item")?,
        date: parse_date(&s("date")?).ok_or("`date` must be YYYY-MM-DD")?,
        quantity: v["quantity"].as_i64().ok_or("`quantity` must be an integer")?,
        measure,
        amounts,
        status: TransferStatus::Pending,
        custody,
    })
}

/// The transfers delivered to `buyer` from other servers, in the order they arrived.
pub async fn delivered<S: Store>(store: &S, buyer: &str) -> Result<Vec<Transfer>, StoreError> {
    let mut out = Vec::new();
    for (key, body) in store.records(buyer, DELIVERED).await? {
        let v: Value =
            serde_json::from_str(&body).map_err(|e| StoreError::Backend(format!("delivery `{key}`: {e}")))?;
        out.push(
            transfer_from_json(&v["transfer"]).map_err(|e| StoreError::Backend(format!("delivery `{key}`: {e}")))?,
        );
    }
    Ok(out)
}

/// The claimed view delivered with transfer `id` to `buyer`, the latest: the final one
/// (`delivered_claim::FINAL`) when one followed, else the one delivered with the transfer. None
/// when no such transfer was delivered or its sale carries no claim.
pub async fn delivered_claim<S: Store>(store: &S, buyer: &str, id: &str) -> Result<Option<ReceivedClaim>, StoreError> {
    let read = |key: &str, body: &str| -> Result<Option<ReceivedClaim>, StoreError> {
        let v: Value = serde_json::from_str(body).map_err(|e| StoreError::Backend(format!("delivery `{key}`: {e}")))?;
        claim_from_json(&v["claim"]).map_err(|e| StoreError::Backend(format!("delivery `{key}`: {e}")))
    };
    if let Some((k, b)) = store.records(buyer, FINAL).await?.into_iter().find(|(k, _)| k == id) {
        return read(&k, &b);
    }
    match store.records(buyer, DELIVERED).await?.into_iter().find(|(k, _)| k == id) {
        Some((k, b)) => read(&k, &b),
        None => Ok(None),
    }
}

/// What [`Registry::keep_delivered`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// A transfer not delivered before: kept.
    New,
    /// The same transfer and claimed view again: nothing written.
    Same,
    /// The final claimed view of a transfer delivered before with a provisional one: kept beside it.
    Final,
    /// Refused, nothing written: why.
    Differs(String),
}

impl<S: Store> Registry<S> {
    /// Keeps a transfer delivered (signature already checked) to `buyer`, with the sale's claimed
    /// view (`claim`). A transfer of that id delivered before must state the same transfer; its
    /// claimed view the same, or the final view after a provisional one that differs only in the
    /// residual (`delivered_claim::why_not_final`), which is kept as a record of kind `FINAL`.
    pub async fn keep_delivered(
        &self,
        buyer: &str,
        t: &Transfer,
        claim: Option<&ReceivedClaim>,
        signed: &Value,
    ) -> Result<Kept, StoreError> {
        let view = claim.map(claim_json).unwrap_or(Value::Null);
        let body = json!({"transfer": transfer_json(t), "claim": view, "signed": signed}).to_string();
        if self.store().put_record(buyer, DELIVERED, &t.id, &body).await? {
            return Ok(Kept::New);
        }
        if !delivered(self.store(), buyer).await?.iter().any(|d| d == t) {
            return Ok(Kept::Differs(format!("transfer `{}` was delivered before with other content", t.id)));
        }
        let before = delivered_claim(self.store(), buyer, &t.id).await?;
        if before.as_ref() == claim {
            return Ok(Kept::Same);
        }
        let why = match (&before, claim) {
            (Some(first), Some(fin)) => why_not_final(first, fin),
            (None, Some(_)) => Some("it was delivered before without a claimed view".into()),
            (_, None) => Some("it was delivered before with a claimed view".into()),
        };
        if let Some(w) = why {
            return Ok(Kept::Differs(format!("transfer `{}`: {w}", t.id)));
        }
        let body = json!({"claim": view, "signed": signed}).to_string();
        self.store().put_record(buyer, FINAL, &t.id, &body).await?;
        Ok(Kept::Final)
    }
}
