//! Chain-of-custody models travel with the material (docs/custody.md "Models travel with the
//! material"; hostile test 2, F13).
//!
//! ISO 22095 ch. 5 orders the models identity-preserved > segregated > controlled-blending >
//! mass-balance > book-and-claim, and a model is never upgraded along the chain. A receive of a
//! transfer declared under a model, or a purchase whose supplier declared one, puts that model on
//! the holding it fills. Like data gaps (`gaps`), any transaction drawing from holdings passes the
//! weakest model they carry to every holding it fills: stock -> work in process -> the products
//! of the production that empties it -> the sale. A holding keeps the weakest model it ever took
//! until it is drawn to zero (mixing mass-balance material into identity-preserved material makes
//! mass-balance material). A sale declaring a stronger model than its goods carry is refused
//! (E022 `transfer_invalid`, naming the sale, the stated and the carried model and where that came
//! from); a sale declaring none goes out under the carried model (its `custody` meta), so the
//! buyer's receive is filled with it. Material from own production of nothing received, and
//! purchases or receives whose supplier declared no model, carry no restriction.

use super::gaps::GapFlow;
use super::state::{CarriedModel, Ledger, CUSTODY_META};
use crate::model::*;
use crate::ops::*;
use crate::reject::{Code, Violations};

impl Ledger {
    /// The weakest model a planned transaction carries (from the holdings it draws, the model a
    /// receive or purchase brings in, what a return or reversal takes back). A sale is checked
    /// against it (E022) and, declaring none, carries it in its `custody` meta.
    pub(super) fn model_flow(
        &self,
        op: &Op,
        flow: &GapFlow,
        tx: &mut Transaction,
        v: &mut Violations,
    ) -> Option<CarriedModel> {
        let mut carried: Option<CarriedModel> = None;
        let mut take = |c: Option<CarriedModel>| {
            if let Some(c) = c {
                if carried.as_ref().is_none_or(|w| w.model.stronger_than(c.model)) {
                    carried = Some(c);
                }
            }
        };
        for k in &flow.sources {
            take(self.models.get(k).cloned());
        }
        match &op.body {
            Operation::Receive(r) => take(r.custody.map(|model| CarriedModel {
                model,
                from: format!("receive `{}` of transfer `{}`", op.id, r.transfer),
            })),
            Operation::Purchase(p) | Operation::Opening(p) => {
                take(p.custody.map(|model| CarriedModel { model, from: format!("purchase `{}`", op.id) }))
            }
            Operation::Return(r) => take(self.tx_models.get(&r.sale).cloned()),
            _ => {}
        }
        if let Some(of) = &tx.reverses {
            take(self.tx_models.get(of).cloned());
        }
        if let (Operation::Sell(s), Some(c)) = (&op.body, &carried) {
            match s.custody {
                Some(stated) if stated.stronger_than(c.model) => v.push(
                    Code::TransferInvalid,
                    Some("custody"),
                    format!(
                        "sale `{}` declares {} but its `{}` carries {} from {}: a chain-of-custody model is never \
                         upgraded along the chain (ISO 22095: identity-preserved > segregated > controlled-blending \
                         > mass-balance > book-and-claim)",
                        op.id,
                        stated.as_str(),
                        s.item,
                        c.model.as_str(),
                        c.from
                    ),
                ),
                Some(_) => {}
                None => {
                    tx.meta.insert(CUSTODY_META.into(), c.model.as_str().into());
                }
            }
        }
        carried
    }

    /// After posting: the filled holdings take the weakest of their model and the carried one;
    /// the transaction remembers what it carried; a drawn holding left empty carries none.
    pub(super) fn carry_model(&mut self, id: &str, flow: &GapFlow, carried: Option<CarriedModel>) {
        if let Some(c) = carried {
            for k in &flow.dests {
                match self.models.get(k) {
                    Some(held) if !held.model.stronger_than(c.model) => {}
                    _ => {
                        self.models.insert(*k, c.clone());
                    }
                }
            }
            self.tx_models.insert(id.to_string(), c);
        }
        for k in &flow.sources {
            if self.models.contains_key(k) && self.holding_empty(k) {
                self.models.remove(k);
            }
        }
    }

    /// The weakest model a holding carries now: an item's stock (item, lot) or a site's work in
    /// process (item `None`); `None` for no restriction.
    pub fn model_held(&self, item: Option<&str>, lot: Option<&str>, site: Option<&str>) -> Option<&CarriedModel> {
        let key = match item {
            Some(i) => (Some(Name::new(i)), lot.map(Name::new), None),
            None => (None, None, site.map(Name::new)),
        };
        self.models.get(&key)
    }
}
