//! Planning production: work in process allocated to outputs.

use super::draft::{dims, Draft};
use super::lots::Taken;
use super::state::{Ledger, PosKey};
use crate::chart::Role;
use crate::exact;
use crate::model::{Movement, TxKind};
use crate::ops::*;
use crate::reject::{Code, Violations};
use crate::units::{Dimension, Species};
use std::collections::BTreeMap;

impl Ledger {
    pub(super) fn plan_produce(&self, op: &Op, p: &Produce, d: &mut Draft, v: &mut Violations) -> Option<()> {
        if p.outputs.is_empty() {
            v.push(Code::AllocationInvalid, Some("output"), "a production needs at least one output");
            return None;
        }
        let mut outs = Vec::new();
        for o in &p.outputs {
            let Some(item) = self.item_or(&o.item, "output", v) else {
                continue;
            };
            if item.category.is_input() {
                v.push(
                    Code::UnitMismatch,
                    Some("output"),
                    format!("item `{}` is an input ({}), not an output", item.id, item.category.as_str()),
                );
                continue;
            }
            let Some((exact_q, q)) = self.quantity_or(item, &o.quantity, "output", v) else {
                continue;
            };
            let measured = match &o.content {
                Some(c) if c.species != Species::C => {
                    v.push(Code::UnitMismatch, Some("output"), "an output's content is carbon (`tC`)");
                    continue;
                }
                Some(c) => {
                    self.content_within_mass(item, exact_q, c.grams, "output", v);
                    self.carbon_or(c, "output", v)?
                }
                None => 0,
            };
            outs.push((o, item, exact_q, q, measured));
        }
        if outs.len() != p.outputs.len() {
            return None;
        }
        // The key: one integer weight per output; cut-off outputs weigh nothing for emissions.
        let mut weights = Vec::new();
        for (o, item, exact_q, _, measured) in &outs {
            let w = match p.key {
                AllocationKey::Mass => self.exact_in(item, *exact_q, Dimension::Mass).map(exact::round_half_even),
                AllocationKey::Energy => self.exact_in(item, *exact_q, Dimension::Energy).map(exact::round_half_even),
                AllocationKey::Carbon => Some(*measured as i128),
                AllocationKey::Value => o.value.map(|x| exact::round_half_even(x * exact::q(1_000_000))),
            };
            match w {
                Some(w) if w >= 0 => weights.push(if o.cut_off { 0 } else { w }),
                _ => {
                    v.push(
                        Code::AllocationInvalid,
                        Some("output"),
                        format!("output `{}` has no {} for the allocation key", o.item, p.key.as_str()),
                    );
                    return None;
                }
            }
        }
        if weights.iter().all(|w| *w == 0) {
            v.push(
                Code::AllocationInvalid,
                Some("allocation"),
                "no output takes emissions: every output is cut off or weighs zero",
            );
            return None;
        }
        let wip_codes: BTreeMap<&str, Role> = [Role::WipContent, Role::WipAttributed, Role::WipDirect]
            .into_iter()
            .map(|r| (self.chart.by_role(r).code.as_str(), r))
            .collect();
        let wip: Vec<(PosKey, Role, i64)> = wip_codes
            .values()
            .flat_map(|r| self.wip_positions(*r, &p.site).into_iter().map(move |(k, a)| (k, *r, a)))
            .collect();
        if wip.iter().all(|(_, _, a)| *a == 0) && !self.consumed_since_last_run(&p.site) {
            // Outputs from nothing would be products at zero, diluting every real run's.
            let site = p.site.as_deref().map(|s| format!(" at site `{s}`")).unwrap_or_default();
            v.push(
                Code::ProductionWithoutInputs,
                Some("output"),
                format!(
                    "nothing is in work in process{site}: consume the run's inputs and record its emissions before `produce`, and name every output of one run in one `produce`"
                ),
            );
            return None;
        }
        let total_content: i64 = wip.iter().filter(|(_, r, _)| *r == Role::WipContent).map(|(_, _, a)| *a).sum();
        let measured_total: i64 = outs.iter().map(|o| o.4).sum();
        let content_weights: Vec<i128> =
            if measured_total > 0 { outs.iter().map(|o| o.4 as i128).collect() } else { weights.clone() };
        for (key, role, amount) in &wip {
            let (acc, species, dm) = key;
            let content = *role == Role::WipContent;
            let held = Taken { carbon: *amount, gas: self.position_gas(key, *amount, d) };
            let parts = held.allocate(if content { &content_weights } else { &weights })?;
            let out = held.neg();
            d.post_code_gas(acc, *species, out.carbon, out.gas, dm.clone());
            for ((o, item, ..), part) in outs.iter().zip(parts) {
                let to_role = match role {
                    Role::WipContent if o.cut_off => Role::ByproductContent,
                    Role::WipContent => Role::ProductContent,
                    Role::WipAttributed => Role::ProductAttributed,
                    _ => Role::ProductDirect,
                };
                let lot = self.lot_for(item, &None, &op.id);
                let origin = if content { None } else { dm.origin };
                d.post_gas(
                    to_role,
                    *species,
                    part.carbon,
                    part.gas,
                    dims(Some(&item.id), lot.as_deref(), &p.site, origin),
                );
            }
        }
        for (_, item, _, q, _) in &outs {
            let lot = self.lot_for(item, &None, &op.id);
            d.movement(&item.id, &p.site, lot, *q);
        }
        d.meta.insert("allocation".into(), p.key.as_str().into());
        d.meta.insert("wip_content_gC".into(), total_content.to_string());
        d.meta.insert("measured_content_gC".into(), measured_total.to_string());
        d.meta.insert("closure_gC".into(), (total_content - measured_total).to_string());
        Some(())
    }

    /// Whether a consumption at `site` (not reversed) follows the last production there: a run of
    /// inputs that hold no carbon and carry no emission (stated as zero) leaves work in process
    /// at zero and is still a run. Reads back only to that production.
    fn consumed_since_last_run(&self, site: &Option<String>) -> bool {
        let here = |m: &Movement| m.site.map(|n| n.as_str()) == site.as_deref();
        for tx in self.txs.iter().rev() {
            match tx.kind {
                TxKind::Produce if tx.movements.iter().any(here) => return false,
                TxKind::Consume
                    if !self.reversed.contains(&tx.id) && tx.movements.iter().any(|m| here(m) && m.quantity != 0) =>
                {
                    return true
                }
                _ => {}
            }
        }
        false
    }
}
