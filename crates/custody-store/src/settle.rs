//! Received claimed views settled for statements (docs/custody.md "Provisional until the period
//! closes"; docs/pact.md "Claims between servers"): a receive booked while the seller's pool
//! period was open shows the seller's final view once that period is closed.

use crate::registry::SubmitError;
use crate::{Registry, Store};
use custody_core::ops::split_transfer_id;
use custody_core::Ledger;

impl<S: Store> Registry<S> {
    /// Replaces in `ledger` (a copy, for statements) each receive's provisional claimed view,
    /// booked while the seller's pool period was open, with the seller's final view once that
    /// period is closed (`Ledger::settle_received_claim`; docs/custody.md "Provisional until the
    /// period closes"); for a seller on another server, the final view it delivered (docs/pact.md
    /// "Claims between servers"). No final view yet, a period still open, or a final view
    /// that changes more than the residual (reconcile flags that) leaves the view provisional.
    pub async fn settle_claims(&self, ledger: &mut Ledger) {
        for (receive, transfer) in ledger.provisional_claims() {
            let Some((seller, sale, customer)) = split_transfer_id(&transfer) else { continue };
            let here = self.store().entity_ids().await.is_ok_and(|ids| ids.iter().any(|i| i == seller));
            let now = if here {
                self.read(seller, |l| l.claim_view(sale, customer)).await.ok().flatten()
            } else {
                // A seller on another server: the final view it delivered after the provisional one.
                crate::delivered::delivered_claim(self.store(), customer, &transfer).await.ok().flatten()
            };
            let Some(now) = now else { continue };
            if now.closed {
                let _ = ledger.settle_received_claim(&receive, now);
            }
        }
    }

    /// The entity's ledger for statements: a copy with its provisional claimed views settled.
    pub async fn ledger_for_statements(&self, entity: &str) -> Result<Ledger, SubmitError> {
        let mut ledger = self.ledger(entity).await?;
        self.settle_claims(&mut ledger).await;
        Ok(ledger)
    }

    /// Like `read`, for statements: when the ledger holds provisional claimed views, `f` reads a
    /// copy with those settled (`ledger_for_statements`), else the stored ledger itself.
    pub async fn read_statements<R>(&self, entity: &str, f: impl FnOnce(&Ledger) -> R) -> Result<R, SubmitError> {
        if self.read(entity, |l| l.provisional_claims().is_empty()).await? {
            return self.read(entity, f).await;
        }
        Ok(f(&self.ledger_for_statements(entity).await?))
    }
}
