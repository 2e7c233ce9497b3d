//! Planning a reversal: the exact negative of a transaction, refused when something depends on it.
//!
//! What was used cannot be undone: a transaction whose carbon a later one drew (a purchase whose
//! stock was consumed, a consumption whose work in process a production allocated, a production
//! whose output was sold), a receive or a return (each settled a transfer between two books), a
//! sale with a certificate bundled, or a reversal. The way back is a correction both sides see: a
//! `return`, a new operation, or reversing the dependant first.

use super::draft::{is_inventory_role, is_wip_role, Draft};
use super::state::Ledger;
use crate::chart::Role;
use crate::model::*;
use crate::reject::{Code, Violations};
use std::collections::BTreeSet;

type Holding = (Name, Option<Name>, Option<Name>);

/// Roles whose positions a later operation draws on: inventory, and an asset's PPE (depreciation).
fn is_held(role: Role) -> bool {
    is_inventory_role(role) || matches!(role, Role::PpeAttributed | Role::PpeDepreciation)
}

impl Ledger {
    /// Plans `reverse of`: pushes a violation naming the dependant, or fills the draft with the
    /// negative of the original. Returns the id reversed.
    pub(super) fn plan_reverse(&self, of: &str, d: &mut Draft, v: &mut Violations) -> Option<String> {
        let Some(t) = self.transaction(of) else {
            v.push(Code::ReversalInvalid, Some("of"), format!("transaction `{of}` does not exist"));
            return None;
        };
        if self.reversed.contains(of) {
            v.push(Code::ReversalInvalid, Some("of"), format!("transaction `{of}` is already reversed"));
            return None;
        }
        if self.returned.iter().any(|(sale, _)| sale == of) {
            v.push(
                Code::ReversalInvalid,
                Some("of"),
                format!("sale `{of}` had a delivery returned: the return settled it; sell again under a new id"),
            );
            return None;
        }
        if let Some(c) = self.bundled_out(of, None) {
            // The certificate follows the goods: it comes back before the sale is undone.
            v.push(
                Code::CertificateUnavailable,
                Some("of"),
                format!(
                    "certificate `{}` travels with sale `{of}` and units of it are with `{}`: they come back first",
                    c.reference(),
                    c.holder
                ),
            );
            return None;
        }
        if let Some(pool) = self.pool_fed_by(of) {
            v.push(
                Code::ReversalHasDependant,
                Some("of"),
                format!("`{of}` cannot be reversed: it feeds pool `{pool}`, whose inputs and outputs stay what the ledger made"),
            );
            return None;
        }
        if let Some(why) = self.dependant_of(t) {
            if t.kind == TxKind::Receive {
                // A settled transfer: invalid to undo (E022), and settled (E034), as the seller's side.
                v.push(Code::TransferInvalid, Some("of"), format!("`{of}` cannot be reversed: {why}"));
                v.push(Code::TransferSettled, Some("of"), format!("transfer of `{of}` is settled"));
            } else {
                v.push(Code::ReversalHasDependant, Some("of"), format!("`{of}` cannot be reversed: {why}"));
            }
            return None;
        }
        d.postings =
            t.postings.iter().map(|p| Posting { amount: -p.amount, gas: p.gas.map(|g| -g), ..p.clone() }).collect();
        d.movements = t.movements.iter().map(|m| Movement { quantity: -m.quantity, ..m.clone() }).collect();
        // The original's facts (quantities sold per customer, ...) describe what is undone.
        d.meta = t.meta.clone();
        Some(of.to_string())
    }

    /// What depends on a transaction, in words, or `None` when it can be undone.
    fn dependant_of(&self, t: &Transaction) -> Option<String> {
        match t.kind {
            TxKind::Reversal => {
                return Some("a reversal is not reversed; post the operation again under a new id".into());
            }
            TxKind::Receive => {
                let transfer = t.meta.get(super::state::TRANSFER_META).cloned().unwrap_or_default();
                return Some(format!(
                    "it settled transfer `{transfer}`; the seller books a return, or a corrective transfer is sent"
                ));
            }
            TxKind::Return => {
                return Some("the return settled its transfer; sell again under a new id".into());
            }
            _ => {}
        }
        // Holdings and work-in-process sites this transaction put carbon or quantity into.
        let mut put: BTreeSet<Holding> = BTreeSet::new();
        let mut wip_sites: BTreeSet<Option<Name>> = BTreeSet::new();
        for m in t.movements.iter().filter(|m| m.quantity > 0) {
            put.insert((m.item, m.lot, m.site));
        }
        for p in &t.postings {
            let Some(role) = self.chart.get(&p.account).map(|a| a.role) else { continue };
            if is_wip_role(role) {
                wip_sites.insert(p.dims.site.clone());
            } else if is_held(role) && p.amount > 0 {
                if let Some(item) = &p.dims.item {
                    put.insert((*item, p.dims.lot, p.dims.site));
                }
            }
        }
        if put.is_empty() && wip_sites.is_empty() {
            return None;
        }
        let start = self.tx_index.get(&t.id).map_or(self.txs.len(), |i| i + 1);
        for later in &self.txs[start..] {
            if later.kind == TxKind::Reversal || self.reversed.contains(&later.id) {
                continue;
            }
            let draws_held = later.movements.iter().any(|m| m.quantity < 0 && put.contains(&(m.item, m.lot, m.site)));
            let draws = draws_held
                || later.postings.iter().any(|p| {
                    p.amount < 0
                        && self.chart.get(&p.account).is_some_and(|a| {
                            (is_wip_role(a.role) && wip_sites.contains(&p.dims.site))
                                || (is_held(a.role)
                                    && p.dims
                                        .item
                                        .as_ref()
                                        .is_some_and(|i| put.contains(&(*i, p.dims.lot, p.dims.site))))
                        })
                });
            if draws {
                return Some(format!(
                    "{} `{}` of {} drew on what it booked; reverse that first",
                    later.kind.as_str(),
                    later.id,
                    format_date(later.date)
                ));
            }
        }
        None
    }
}
