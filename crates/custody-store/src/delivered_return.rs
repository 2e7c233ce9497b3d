//! Returns between servers (docs/pact.md "Returns between servers"): a buyer on another server
//! refuses a transfer that its server accepted as delivered (`crate::delivered`), and sends the
//! return, signed, to the seller's server, which books the seller's `return` of that sale. Each
//! side keeps a record, so that the carbon is held by exactly one book at every step:
//!
//! - the buyer, once the seller's server accepted the return: [`RETURN_SENT`] (keyed by the
//!   transfer id); from then on the transfer is `returned` on the buyer's side
//!   ([`returned_here`]): `reconcile` says so and a `receive` of it is refused;
//! - the seller, when the signed return checked: [`RETURNED`] (keyed by the transfer id, the
//!   signed document kept); from then on `Registry::not_delivered` no longer blocks that sale's
//!   return, which the seller's server books at once (`Registry::reject`: id
//!   `return:SELLER/SALE/BUYER`, dated on the sale, exactly as for a buyer in the same registry).
//!
//! A return is of the **whole** transfer, never a part: the ledger's `return` undoes a sale's
//! lines for one customer whole (`custody_core::ledger::Ledger::plan_return`), so no rounding is
//! involved. A buyer that booked a `receive` of the transfer cannot return it: a receive settles
//! a transfer and is never reversed (docs/journal.md, E022/E034), in one registry as between
//! servers.

use crate::delivered::{delivered, returned_here};
use crate::transfer_model::{Transfer, TransferStatus};
use crate::{Registry, Store, StoreError};
use serde_json::Value;

pub use crate::delivered::{RETURNED, RETURN_PENDING, RETURN_REFUSED, RETURN_SENT};

/// Why the seller's server refuses a return: a stable reason and a message naming the transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRefusal {
    /// `return_unknown_transfer`, `return_not_delivered`, `return_mismatch`, `return_replayed`
    /// or `return_not_booked` (the ledger refused the seller's `return`).
    pub reason: &'static str,
    pub message: String,
}

impl std::fmt::Display for ReturnRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.reason, self.message)
    }
}

fn refuse(reason: &'static str, message: String) -> ReturnRefusal {
    ReturnRefusal { reason, message }
}

/// What differs between the transfer a return names and the sale as the seller's ledger has it
/// (`None`: the same transfer, whole).
fn differs(returned: &Transfer, sold: &Transfer) -> Option<String> {
    if returned.item != sold.item {
        return Some(format!("the item `{}` is not the sale's `{}`", returned.item, sold.item));
    }
    if returned.quantity > sold.quantity {
        return Some(format!("the quantity {} is more than the {} delivered", returned.quantity, sold.quantity));
    }
    if returned.quantity != sold.quantity {
        return Some(format!(
            "the quantity {} is not the {} delivered: a return is of the whole transfer",
            returned.quantity, sold.quantity
        ));
    }
    if returned.amounts != sold.amounts {
        return Some("the amounts are not the ones delivered".into());
    }
    let whole = Transfer { status: sold.status, ..returned.clone() };
    (whole != *sold).then(|| "the transfer (sale, date, measure or custody model) is not the one delivered".into())
}

impl<S: Store> Registry<S> {
    /// The buyer's side, before sending: the transfer `id` as delivered to `buyer` from another
    /// server, if it may be returned: delivered here, not returned already, and not received (a
    /// receive is never undone). The error names the transfer.
    pub async fn returnable(&self, buyer: &str, id: &str) -> Result<Transfer, String> {
        let t = delivered(self.store(), buyer)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| format!("transfer `{id}` was not delivered to `{buyer}` from another server"))?;
        if returned_here(self.store(), buyer).await.map_err(|e| e.to_string())?.iter().any(|k| k == id) {
            return Err(format!("transfer `{id}` was returned already"));
        }
        if self.read(buyer, |l| l.has_received(id)).await.map_err(|e| e.to_string())? {
            return Err(format!(
                "`{buyer}` booked a receive of transfer `{id}`: a receive settles the transfer and is not undone (E034)"
            ));
        }
        Ok(t)
    }

    /// The seller's side: books the return of transfer `t` (its signature, signer and credential
    /// already checked by the PACT host) when it is a sale of `seller` to `t.buyer` that the
    /// buyer's server accepted (`DELIVERY_ACCEPTED`), the same transfer whole, not returned yet.
    /// Refused, nothing is written; accepted, the [`RETURNED`] record is kept (`body`) and the
    /// seller's `return` booked. Should the ledger refuse that `return` (`return_not_booked`, e.g.
    /// a closed period), the record stays and a later try books it.
    pub async fn accept_return(&self, seller: &str, t: &Transfer, body: &Value) -> Result<(), ReturnRefusal> {
        let store_err = |e: StoreError| refuse("return_not_booked", e.to_string());
        let buyer = t.buyer.clone();
        let sold = self
            .read(seller, |l| {
                crate::sales_of(seller, l, std::slice::from_ref(&buyer)).into_iter().find(|x| x.id == t.id)
            })
            .await
            .map_err(|e| refuse("return_not_booked", e.to_string()))?
            .ok_or_else(|| {
                refuse("return_unknown_transfer", format!("`{seller}` sold no transfer `{}` to `{buyer}`", t.id))
            })?;
        if sold.status == TransferStatus::Returned {
            return Err(refuse("return_replayed", format!("transfer `{}` was returned already", t.id)));
        }
        if let Some(why) = differs(t, &sold) {
            return Err(refuse("return_mismatch", format!("transfer `{}`: {why}", t.id)));
        }
        let accepted = self.store().records(seller, crate::DELIVERY_ACCEPTED).await.map_err(store_err)?;
        if !accepted.iter().any(|(k, _)| *k == t.id) {
            return Err(refuse(
                "return_not_delivered",
                format!(
                    "transfer `{}` was not delivered to and accepted by the buyer's server: `{seller}` books its own return",
                    t.id
                ),
            ));
        }
        self.store().put_record(seller, RETURNED, &t.id, &body.to_string()).await.map_err(store_err)?;
        self.reject(&buyer, &t.id).await.map_err(|e| refuse("return_not_booked", e.to_string()))?;
        Ok(())
    }
}
