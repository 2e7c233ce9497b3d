//! The one entry point, `Ledger::apply`: check the operation, plan one transaction, check it, post it;
//! and `plan`, which hands each operation to its family's planner (raw postings and reversals are
//! planned here).

use super::draft::Draft;
use super::state::{Applied, Ledger, PackedOp};
use crate::exact;
use crate::model::*;
use crate::ops::*;
use crate::reject::{Code, Rejection, Violations};

impl Ledger {
    /// Applies an operation: posts one balanced transaction, records an instrument, or rejects
    /// with every violation found. A rejection changes nothing.
    pub fn apply(&mut self, op: Op) -> Result<Applied, Rejection> {
        if let Some(prev) = self.ops.get(&op.id) {
            if prev.unpack() == op {
                return Ok(Applied::Duplicate);
            }
            let mut v = Violations::default();
            v.push(Code::IdConflict, None, format!("id `{}` was used before with different content", op.id));
            return Err(v.into_rejection(&op.id));
        }
        let mut v = Violations::default();
        match self.period_of(op.date) {
            None => v.push(Code::PeriodUnknown, None, format!("{} is in no defined period", format_date(op.date))),
            Some(p) if p.closed => {
                v.push(Code::PeriodClosed, None, format!("{} is in closed period `{}`", format_date(op.date), p.id))
            }
            Some(_) => {}
        }
        if let Operation::Obtain(o) = &op.body {
            self.check_counterparty(&o.counterparty, "counterparty", &mut v);
            super::signs::check_signs(&op, &mut v);
            let co2e_g = match exact::round_i64(o.co2e_grams) {
                Ok(g) if g > 0 => g,
                Ok(_) => {
                    v.push(Code::QuantityNotPositive, Some("quantity"), "an instrument's quantity must be positive");
                    0
                }
                Err(_) => {
                    v.push(Code::Overflow, Some("quantity"), "quantity out of range");
                    0
                }
            };
            let eac = o.eac.as_ref().and_then(|t| self.check_eac(&op, o.kind, t, &mut v));
            if !v.is_empty() {
                return Err(v.into_rejection(&op.id));
            }
            self.instruments.push(Instrument {
                id: op.id.clone(),
                date: op.date,
                kind: o.kind,
                co2e_g,
                counterparty: o.counterparty.clone(),
                eac,
            });
            self.recorded.push(op.clone());
            self.ops.insert(op.id.clone(), PackedOp::pack(&op));
            return Ok(Applied::Recorded);
        }
        if let Operation::Custody(c) = &op.body {
            super::signs::check_signs(&op, &mut v);
            if v.is_empty() {
                self.apply_custody(&op, c, &mut v);
            }
            if !v.is_empty() {
                return Err(v.into_rejection(&op.id));
            }
            self.recorded.push(op.clone());
            self.ops.insert(op.id.clone(), PackedOp::pack(&op));
            return Ok(Applied::Recorded);
        }
        super::signs::check_signs(&op, &mut v);
        self.check_claimed_undo(&op, &mut v);
        let planned = self.plan(&op, &mut v);
        let mut tx = match planned {
            Some(tx) if v.is_empty() => tx,
            _ => {
                if v.is_empty() {
                    v.push(Code::Overflow, None, "the operation could not be planned");
                }
                return Err(v.into_rejection(&op.id));
            }
        };
        self.check_transaction(&tx, &mut v);
        self.check_stock(&tx, &mut v);
        let gaps = self.gap_flow(&op, &mut tx);
        let model = self.model_flow(&op, &gaps, &mut tx, &mut v);
        if !v.is_empty() {
            return Err(v.into_rejection(&op.id));
        }
        self.index_site_flows(&tx);
        let idx = self.post(tx);
        self.carry_model(&op.id, &gaps, model);
        self.carry_gaps(gaps);
        self.release_claims(&op);
        if let Operation::Receive(Receive { claim: Some(c), .. }) = &op.body {
            self.receive_claims.insert(op.id.clone(), c.clone());
        }
        self.ops.insert(op.id.clone(), PackedOp::pack(&op));
        Ok(Applied::Posted(idx))
    }

    pub(super) fn plan(&self, op: &Op, v: &mut Violations) -> Option<Transaction> {
        let mut d = Draft { chart: &self.chart, postings: Vec::new(), movements: Vec::new(), meta: Meta::new() };
        let mut reverses = None;
        let mut description = op.memo.clone();
        let kind = match &op.body {
            Operation::Opening(r) => {
                self.plan_receipt(op, r, &mut d, v)?;
                TxKind::Opening
            }
            Operation::Purchase(r) => {
                self.plan_receipt(op, r, &mut d, v)?;
                TxKind::Purchase
            }
            Operation::Capitalise(c) => self.plan_capitalise(op, c, &mut d, v)?,
            Operation::Consume(c) => {
                self.plan_consume(c, &mut d, v)?;
                TxKind::Consume
            }
            Operation::Emit(e) => {
                self.plan_emit(e, &mut d, v)?;
                TxKind::Emit
            }
            Operation::Capture(c) => {
                self.plan_capture(c, &mut d, v)?;
                TxKind::Capture
            }
            Operation::Produce(p) => {
                self.plan_produce(op, p, &mut d, v)?;
                TxKind::Produce
            }
            Operation::Depreciate(dep) => {
                self.plan_depreciate(op, dep, &mut d, v)?;
                TxKind::Depreciate
            }
            Operation::Sell(s) => {
                self.plan_sell(s, &mut d, v)?;
                TxKind::Sell
            }
            Operation::Raw(r) => {
                self.plan_raw(r, &mut d, v);
                if !r.description.is_empty() {
                    description = r.description.clone();
                }
                r.kind
            }
            Operation::Reverse { of } => {
                reverses = self.plan_reverse(of, &mut d, v);
                if reverses.is_some() && description.is_empty() {
                    description = format!("Reversal of {of}");
                }
                TxKind::Reversal
            }
            Operation::Obtain(_) | Operation::Custody(_) => unreachable!("recorded before planning"),
            Operation::Receive(r) => {
                self.plan_receive(op, r, &mut d, v)?;
                TxKind::Receive
            }
            Operation::Return(r) => {
                self.plan_return(op, r, &mut d, v)?;
                TxKind::Return
            }
            Operation::SupplierReturn(r) => {
                self.plan_supplier_return(r, &mut d, v)?;
                TxKind::Return
            }
            Operation::Move(m) => {
                self.plan_move(m, &mut d, v)?;
                TxKind::Move
            }
        };
        Some(Transaction {
            id: op.id.clone(),
            date: op.date,
            kind,
            description,
            // Exactly as long as they are: a ledger holds every transaction (issue 12 item 2).
            postings: {
                let mut p = d.postings;
                p.shrink_to_fit();
                p
            },
            movements: {
                let mut m = d.movements;
                m.shrink_to_fit();
                m
            },
            reverses,
            meta: d.meta,
        })
    }
}
