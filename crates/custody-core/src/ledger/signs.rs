//! Signs: no physical operation carries a negative amount of emissions, content, factor,
//! transport or certificate emission rate (an EAC's `rate`), and no pool input's intensity or pool
//! claim's factor is negative. Only reversal postings carry the opposite sign; removals, offsets and credits are
//! instruments beside the ledger (`obtain`), never negative emissions inside it.
//!
//! Rule source: GHG Protocol Product Standard ch. 9 (removals reported separately from emissions)
//! and ISO 14067 §6.4.9.4 (offsets are not part of a footprint); see `docs/journal.md`.

use crate::exact::{self, Q};
use crate::ops::*;
use crate::reject::{Code, Violations};
use crate::units::{Intensity, SpeciesMass};

/// Pushes `NegativeAmount` for every negative figure in a physical operation, naming the field.
pub(super) fn check_signs(op: &Op, v: &mut Violations) {
    let zero = exact::q(0);
    let mass = |list: &[SpeciesMass], field: &'static str, v: &mut Violations| {
        for m in list {
            if m.grams < zero {
                v.push(Code::NegativeAmount, Some(field), format!("{m} is negative"));
            }
        }
    };
    let rate = |list: &[Intensity], field: &'static str, v: &mut Violations| {
        for f in list {
            if f.value < zero {
                v.push(Code::NegativeAmount, Some(field), format!("{f} is negative"));
            }
        }
    };
    match &op.body {
        Operation::Opening(r) | Operation::Purchase(r) => {
            rate(&r.factors, "factor", v);
            mass(&r.attributed, "attributed", v);
            mass(r.content.as_slice(), "content", v);
        }
        Operation::Capitalise(c) => mass(&c.amounts, "amount", v),
        Operation::Emit(e) => mass(&e.emissions, "emission", v),
        Operation::Capture(c) => {
            mass(&c.captured, "captured", v);
            mass(&c.process, "process", v);
        }
        Operation::Produce(p) => {
            for o in &p.outputs {
                mass(o.content.as_slice(), "output", v);
                if o.value.is_some_and(|x: Q| x < zero) {
                    v.push(Code::NegativeAmount, Some("output"), format!("output `{}` has a negative value", o.item));
                }
            }
        }
        Operation::Depreciate(d) => {
            for (item, w) in &d.to {
                if *w < zero {
                    v.push(Code::NegativeAmount, Some("to"), format!("`{item}` takes a negative share"));
                }
            }
        }
        Operation::Sell(s) => rate(&s.transport, "transport", v),
        Operation::Receive(r) => {
            for (_, species, amount, gas) in &r.amounts {
                if *amount < 0 || gas.is_some_and(|g| g < 0) {
                    v.push(Code::NegativeAmount, Some("amount"), format!("{species} {amount} gC is negative"));
                }
            }
        }
        Operation::Obtain(o) => {
            if let Some(t) = &o.eac {
                rate(std::slice::from_ref(&t.rate), "rate", v);
            }
        }
        // A pool takes no negative figure either (issue F14): an input's intensity and a claim's
        // factor are the emissions the pool's outputs carry.
        Operation::Custody(CustodyOp::PoolInput { intensity: Some(f), .. }) if *f < zero => v.push(
            Code::NegativeAmount,
            Some("intensity"),
            format!("pool input intensity {} tCO2e/t is negative", exact::format_decimal(*f, 6)),
        ),
        Operation::Custody(CustodyOp::PoolClaim { factor: Some(f), .. }) if *f < zero => v.push(
            Code::NegativeAmount,
            Some("factor"),
            format!("pool claim factor {} tCO2e/t is negative", exact::format_decimal(*f, 6)),
        ),
        Operation::Consume(_)
        | Operation::Raw(_)
        | Operation::Reverse { .. }
        | Operation::Custody(_)
        | Operation::Return(_)
        | Operation::SupplierReturn(_)
        | Operation::Move(_) => {}
    }
}
