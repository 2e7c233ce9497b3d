//! Planning sales: inventory out to customers, with transport passed on.

use super::draft::{dims, Draft};
use super::state::{Ledger, CUSTODY_META};
use crate::chart::{Form, Role};
use crate::exact::{self, Q};
use crate::model::*;
use crate::ops::*;
use crate::reject::{Code, Violations};

impl Ledger {
    pub(super) fn plan_sell(&self, s: &Sell, d: &mut Draft, v: &mut Violations) -> Option<()> {
        self.check_counterparty(&s.carrier, "carrier", v);
        let item = self.item_or(&s.item, "item", v)?;
        if item.category.is_input() {
            v.push(Code::UnitMismatch, Some("item"), format!("item `{}` is an input, not a product", item.id));
            return None;
        }
        if s.lines.is_empty() {
            v.push(Code::AllocationInvalid, Some("customer"), "a sale needs at least one customer");
            return None;
        }
        for l in &s.lines {
            self.check_counterparty(&Some(l.customer.clone()), "customer", v);
        }
        let on_hand: i64 = self
            .quantities
            .range((Name::new(&item.id), crate::name::opt(&s.site), None)..)
            .take_while(|((it, site, _), _)| *it == item.id && site.as_deref() == s.site.as_deref())
            .filter(|((_, _, lot), _)| s.lot.is_none() || lot.as_deref() == s.lot.as_deref())
            .map(|(_, q)| *q)
            .sum();
        let total = match &s.quantity {
            Some(m) => self.quantity_or(item, m, "quantity", v)?.1,
            None => on_hand,
        };
        let per_customer: Vec<i64> = if s.lines.iter().all(|l| l.share.is_some()) {
            let shares: Vec<Q> = s.lines.iter().map(|l| l.share.expect("checked")).collect();
            if shares.iter().copied().sum::<Q>() != exact::q(1) || shares.iter().any(|x| *x < exact::q(0)) {
                v.push(
                    Code::AllocationInvalid,
                    Some("customer"),
                    "customer shares must be non-negative and sum to 100%",
                );
                return None;
            }
            let w: Vec<i128> = shares.iter().map(|x| exact::round_half_even(*x * exact::q(1_000_000_000))).collect();
            exact::allocate(total, &w)?
        } else if s.lines.iter().all(|l| l.quantity.is_some()) {
            let mut qs = Vec::new();
            for l in &s.lines {
                qs.push(self.quantity_or(item, l.quantity.as_ref().expect("checked"), "customer", v)?.1);
            }
            let sum: i64 = qs.iter().sum();
            if s.quantity.is_some() && sum != total {
                v.push(
                    Code::AllocationInvalid,
                    Some("customer"),
                    "customer quantities do not add up to the sale's quantity",
                );
                return None;
            }
            qs
        } else {
            v.push(
                Code::AllocationInvalid,
                Some("customer"),
                "give every customer a share, or every customer a quantity",
            );
            return None;
        };
        let total: i64 = per_customer.iter().sum();
        if total <= 0 {
            v.push(Code::QuantityNotPositive, Some("quantity"), format!("nothing of `{}` to sell", item.id));
            return None;
        }
        if let Err(m) = self.credited_stays(&item.id, s.site.as_deref(), total, None) {
            v.push(Code::ReversalHasDependant, Some("quantity"), m);
            return None;
        }
        let weights: Vec<i128> = per_customer.iter().map(|q| *q as i128).collect();
        if let Some(model) = s.custody {
            d.meta.insert(CUSTODY_META.into(), model.as_str().into());
        }
        for (line, q) in s.lines.iter().zip(&per_customer) {
            let key = format!("{}{}", SOLD_TO_PREFIX, line.customer);
            let before: i64 = d.meta.get(&key).and_then(|x| x.parse().ok()).unwrap_or(0);
            d.meta.insert(key, (before + q).to_string());
        }
        self.draw_stock(item, &s.site, &s.lot, total, d, "quantity", v, |d, role, (_, species, dm), taken| {
            let out_role = match role.form() {
                Form::Content => Role::OutContent,
                Form::Emissions => Role::OutEmissions,
            };
            for (line, part) in s.lines.iter().zip(taken.allocate(&weights)?) {
                let part = part.neg();
                let to = Dims { counterparty: Some(Name::new(&line.customer)), ..dm.clone() };
                d.post_gas(out_role, *species, part.carbon, part.gas, to);
            }
            Some(())
        })?;
        // Transport under FOD: the seller books the carrier's emissions in and passes them on.
        self.no_duplicate_species(s.transport.iter().map(|t| t.species), "transport", v);
        for (line, q) in s.lines.iter().zip(&per_customer) {
            for t in &s.transport {
                let Some(in_dim) = self.exact_in(item, exact::q(*q as i128), t.per.dimension) else {
                    v.push(
                        Code::UnitMismatch,
                        Some("transport"),
                        format!("transport {t} cannot apply to `{}`", item.id),
                    );
                    continue;
                };
                let grams = t.grams_per_base().and_then(|g| exact::mul(in_dim, g));
                let Some((amount, gas)) = self.stated_gas(t.species, grams, "transport", &format!("transport {t}"), v)
                else {
                    continue;
                };
                let base = dims(Some(&item.id), None, &s.site, Some(Origin::Transport));
                let carrier = Dims { counterparty: crate::name::opt(&s.carrier), ..base.clone() };
                d.post_gas(Role::InAttributed, t.species, amount, gas, carrier);
                let to = Dims { counterparty: Some(Name::new(&line.customer)), ..base };
                d.post_gas(Role::OutEmissions, t.species, -amount, gas.map(|g| -g), to);
            }
        }
        Some(())
    }
}
