//! Claims that travel with sales (issue 8): the sale a pool claim names, checked against the
//! ledger; the sales of a pool period with the factor each carries; claims given back to the pool
//! when their sale is returned or reversed.
//!
//! Rules (docs/custody.md "Claims travel with sales"): a claim names a sale of this ledger, of an
//! item of one of the pool's product groups, made inside the pool's transfer boundary and in the
//! period the claim is booked in (E043 `claim_sale_mismatch`); it claims at most what the sale
//! sold to that customer and no claim has taken yet (E044 `claim_beyond_sale`); never a sale
//! already returned or reversed (E045 `claimed_sale_undone`). A return or reversal gives the
//! sale's claims back to the pool while their period is open, and is refused (E045) once it is
//! closed. None of this posts to the physical ledger.

use super::state::Ledger;
use crate::coc::{Boundary, Pool, PoolSale, SaleLine};
use crate::model::*;
use crate::ops::{Op, Operation};
use crate::reject::{Code, Violations};

/// What a claim's sale resolved to: its item, the customer, and the quantity still unclaimed.
pub(super) struct ClaimSale {
    pub item: String,
    pub customer: String,
    pub left: i64,
}

impl Ledger {
    /// Quantity of `sale` sold to `customer` (base units), if it sold any to them.
    fn sold_to(tx: &Transaction, customer: &str) -> Option<i64> {
        tx.meta.get(&format!("{SOLD_TO_PREFIX}{customer}")).and_then(|q| q.parse().ok())
    }

    /// What every pool's active claims already took of `sale` to `customer`.
    fn claimed_on(&self, sale: &str, customer: &str) -> i64 {
        self.pools
            .values()
            .flat_map(|p| p.periods.values())
            .flat_map(|x| x.claims.iter())
            .filter(|c| c.sale.as_ref().is_some_and(|(s, k)| s == sale && k == customer))
            .map(|c| c.quantity)
            .sum()
    }

    /// Whether a sale at `site` of `item` is inside the pool's transfer boundary. A sale states a
    /// site, never a process or batch: under those boundaries the item must be an output of the pool.
    fn sale_inside(pool: &Pool, site: Option<&str>, item: &str) -> bool {
        match &pool.policy.boundary {
            Boundary::Process(_) | Boundary::Batch(_) => {
                pool.periods.values().any(|x| x.outputs.iter().any(|o| o.item == item))
            }
            b => b.contains(site, None, None),
        }
    }

    /// Resolves the sale a pool claim names, pushing E043/E045 for a sale it may not travel with.
    pub(super) fn claim_sale(
        &self,
        pool: &Pool,
        op: &Op,
        sale: &str,
        customer: Option<&str>,
        v: &mut Violations,
    ) -> Option<ClaimSale> {
        let pid = &pool.policy.id;
        let Some(tx) = self.transaction(sale).filter(|t| t.kind == TxKind::Sell) else {
            v.push(
                Code::ClaimSaleMismatch,
                Some("sale"),
                format!("`{}`: `{sale}` is not a sale of this ledger", op.id),
            );
            return None;
        };
        let customers: Vec<&str> = tx.meta.keys().filter_map(|k| k.strip_prefix(SOLD_TO_PREFIX)).collect();
        let customer = match (customer, customers.as_slice()) {
            (Some(c), _) if customers.contains(&c) => c.to_string(),
            (Some(c), _) => {
                v.push(
                    Code::ClaimSaleMismatch,
                    Some("customer"),
                    format!("`{}`: sale `{sale}` sold nothing to `{c}`", op.id),
                );
                return None;
            }
            (None, [one]) => one.to_string(),
            (None, _) => {
                v.push(
                    Code::ClaimSaleMismatch,
                    Some("customer"),
                    format!("`{}`: sale `{sale}` has several customers ({}): name one", op.id, customers.join(", ")),
                );
                return None;
            }
        };
        if self.is_reversed(sale) || self.returned.contains(&(sale.to_string(), customer.clone())) {
            v.push(
                Code::ClaimedSaleUndone,
                Some("sale"),
                format!("`{}`: sale `{sale}` to `{customer}` was returned or reversed: nothing left to claim", op.id),
            );
            return None;
        }
        let item = tx.movements.first().map(|m| m.item.to_string()).unwrap_or_default();
        let site = tx.movements.first().and_then(|m| m.site.as_deref());
        let mut bad = |field, why: String| v.push(Code::ClaimSaleMismatch, Some(field), format!("`{}`: {why}", op.id));
        if pool.policy.group_of(&item).is_none() {
            bad("sale", format!("sale `{sale}` is of `{item}`, an item of no product group of pool `{pid}`"));
        } else if !Self::sale_inside(pool, site, &item) {
            bad(
                "sale",
                format!(
                    "sale `{sale}` at site {} is outside pool `{pid}`'s boundary ({})",
                    site.unwrap_or("(none)"),
                    pool.policy.boundary.describe()
                ),
            );
        } else if tx.date > op.date || pool.policy.period_of(tx.date) != pool.policy.period_of(op.date) {
            bad(
                "sale",
                format!(
                    "sale `{sale}` of {} is not in the pool period of this claim ({}), or comes after it",
                    format_date(tx.date),
                    format_date(op.date)
                ),
            );
        } else {
            let left = Self::sold_to(tx, &customer).unwrap_or(0) - self.claimed_on(sale, &customer);
            return Some(ClaimSale { item, customer, left });
        }
        None
    }

    /// The sales of pool `pool`'s period `period` priced with claimed and residual factors, and
    /// the g CO2e left on its unsold output (`coc::price_sales`). Sales of the period: this
    /// ledger's sales (not reversed) of the pool groups' items, dated in the period, inside the
    /// boundary, to each customer not returned.
    pub fn pool_sales(&self, pool: &str, period: u32) -> (Vec<PoolSale>, Option<i64>) {
        let Some(pool) = self.pools.get(pool) else { return (Vec::new(), None) };
        let Some(p) = pool.periods.get(&period) else { return (Vec::new(), None) };
        let mut sold: Vec<SaleLine> = Vec::new();
        for tx in self.txs.iter().filter(|t| t.kind == TxKind::Sell && !self.is_reversed(&t.id)) {
            let Some(m) = tx.movements.first() else { continue };
            if pool.policy.group_of(&m.item).is_none()
                || pool.policy.period_of(tx.date) != Some(period)
                || !Self::sale_inside(pool, m.site.as_deref(), &m.item)
            {
                continue;
            }
            for (k, q) in &tx.meta {
                let Some(customer) = k.strip_prefix(SOLD_TO_PREFIX) else { continue };
                if self.returned.contains(&(tx.id.clone(), customer.to_string())) {
                    continue;
                }
                sold.push((tx.id.clone(), customer.to_string(), m.item.to_string(), q.parse().unwrap_or(0)));
            }
        }
        crate::coc::price_sales(&pool.statement_of(period, p), &p.claims, &sold)
    }

    /// The active claims on `sale` (to `customer`, or any): (pool, period, claim id).
    pub fn claims_on(&self, sale: &str, customer: Option<&str>) -> Vec<(String, u32, String)> {
        let mut out = Vec::new();
        for (id, pool) in &self.pools {
            for (n, x) in &pool.periods {
                for c in &x.claims {
                    if c.sale.as_ref().is_some_and(|(s, k)| s == sale && customer.is_none_or(|w| w == k)) {
                        out.push((id.clone(), *n, c.id.clone()));
                    }
                }
            }
        }
        out
    }

    /// The sale (and customer) an operation undoes: a return's, or a reversed sale's.
    fn undone_sale(&self, op: &Op) -> Option<(String, Option<String>)> {
        match &op.body {
            Operation::Return(r) => Some((r.sale.clone(), Some(r.customer.clone()))),
            Operation::Reverse { of } if self.transaction(of).is_some_and(|t| t.kind == TxKind::Sell) => {
                Some((of.clone(), None))
            }
            _ => None,
        }
    }

    /// Refuses (E045) a return or reversal of a sale whose claim sits in a closed pool period.
    pub(super) fn check_claimed_undo(&self, op: &Op, v: &mut Violations) {
        let Some((sale, customer)) = self.undone_sale(op) else { return };
        for (pool, n, claim) in self.claims_on(&sale, customer.as_deref()) {
            if self.pools[&pool].periods[&n].closed.is_some() {
                v.push(
                    Code::ClaimedSaleUndone,
                    Some("sale"),
                    format!(
                        "`{}`: sale `{sale}` carries claim `{claim}` of pool `{pool}` period {n}, which is closed: the claim cannot go back",
                        op.id
                    ),
                );
            }
        }
    }

    /// After a return or reversal was posted: the sale's claims go back to their pool.
    pub(super) fn release_claims(&mut self, op: &Op) {
        let Some((sale, customer)) = self.undone_sale(op) else { return };
        for pool in self.pools.values_mut() {
            for x in pool.periods.values_mut() {
                let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut x.claims).into_iter().partition(|c| {
                    c.sale.as_ref().is_some_and(|(s, k)| *s == sale && customer.as_deref().is_none_or(|w| w == k))
                });
                x.claims = kept;
                x.released.extend(gone.into_iter().map(|c| (c, op.date)));
            }
        }
    }
}

impl Ledger {
    /// The claimed view of this ledger's sale `sale` to `customer`: the first emission-intensity
    /// pool whose period sales include it, with its claimed and residual parts, method,
    /// attribution, verifier and the certificates bundled with the sale. None when no pool's
    /// period holds the sale, or the pool has no factor to give (no input states an intensity).
    pub fn claim_view(&self, sale: &str, customer: &str) -> Option<crate::coc::ReceivedClaim> {
        use crate::coc::{ReceivedClaim, ReceivedLine};
        let tx = self.transaction(sale)?;
        for pool in self.pools.values() {
            let Some(period) = pool.policy.period_of(tx.date) else { continue };
            let (lines, _) = self.pool_sales(&pool.policy.id, period);
            let mine: Vec<_> = lines.into_iter().filter(|l| l.sale == sale && l.customer == customer).collect();
            if mine.is_empty() {
                continue;
            }
            // A pool without a factor to give (no emission intensity) gives no claimed view;
            // another pool of the same sale may.
            let parts: Option<Vec<ReceivedLine>> = mine
                .into_iter()
                .map(|l| {
                    Some(ReceivedLine {
                        kind: l.kind,
                        quantity: l.quantity,
                        factor: l.factor?,
                        co2e_g: l.co2e_g?,
                        claim: l.claim,
                    })
                })
                .collect();
            let Some(parts) = parts else { continue };
            let me = &self.entity.id;
            let certificates = self
                .certificates
                .certificates
                .values()
                .filter(|c| &c.issuer == me && c.bundled_with.as_deref() == Some(sale))
                // `ID` for a block this ledger named, `NAMER/ID` for a part a holder split and
                // sent back: never a bare id another block of the book also has.
                .map(|c| c.reference())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            return Some(ReceivedClaim {
                pool: pool.policy.id.clone(),
                period,
                method: pool.policy.method,
                attribution: pool.policy.attribution,
                closed: pool.periods.get(&period).is_some_and(|p| p.closed.is_some()),
                verifier: pool.policy.verified_by.clone(),
                site_level: matches!(
                    pool.policy.boundary,
                    Boundary::Site(_) | Boundary::Batch(_) | Boundary::Process(_)
                ),
                lowest_input: pool
                    .periods
                    .get(&period)
                    .and_then(|p| pool.statement_of(period, p).cleanest_input_factor),
                certificates,
                lines: parts,
            });
        }
        None
    }

    /// The claimed view of a receive as the statements show it: the final one once settled
    /// (`settle_received_claim`), else the one the receive recorded beside its physical booking
    /// (provisional while its `closed` is false). None when the receive carries no claim.
    pub fn received_claim(&self, receive: &str) -> Option<&crate::coc::ReceivedClaim> {
        self.settled_claims.get(receive).or_else(|| self.recorded_claim(receive))
    }

    /// The claimed view the receive recorded when it was booked, as stored.
    pub fn recorded_claim(&self, receive: &str) -> Option<&crate::coc::ReceivedClaim> {
        self.receive_claims.get(receive)
    }

    /// Receives whose recorded claimed view came from an open pool period (provisional: the
    /// residual changes with the seller's later claims) and is not settled yet: (receive, transfer).
    pub fn provisional_claims(&self) -> Vec<(String, String)> {
        self.txs
            .iter()
            .filter(|t| t.kind == TxKind::Receive && !self.settled_claims.contains_key(&t.id))
            .filter(|t| self.receive_claims.get(&t.id).is_some_and(|c| !c.closed))
            .filter_map(|t| match self.ops.get(&t.id).map(|o| o.unpack().body) {
                Some(Operation::Receive(r)) => Some((t.id.clone(), r.transfer)),
                _ => None,
            })
            .collect()
    }

    /// Replaces, for statements only, a provisional claimed view with the seller's final one,
    /// read from the seller's pool period once closed (docs/custody.md "Provisional until the
    /// period closes"). The final view must be of the same pool and period, closed, for the same
    /// quantity, with the same claimed parts (claim ids, quantities, factors): only the residual
    /// may differ. Nothing is stored or posted: the receive as booked stays the record, and
    /// `verify` replays it unchanged. Errors name what differs.
    pub fn settle_received_claim(&mut self, receive: &str, fin: crate::coc::ReceivedClaim) -> Result<(), String> {
        let Some(rec) = self.recorded_claim(receive) else {
            return Err(format!("`{receive}` is not a receive that recorded a claim"));
        };
        let claimed = |c: &crate::coc::ReceivedClaim| {
            c.lines
                .iter()
                .filter(|l| l.claim.is_some())
                .map(|l| (l.claim.clone(), l.quantity, l.factor))
                .collect::<Vec<_>>()
        };
        let total = |c: &crate::coc::ReceivedClaim| c.lines.iter().map(|l| l.quantity).sum::<i64>();
        let why = if rec.closed {
            Some("its claim came from a closed period: it is final as booked".to_string())
        } else if !fin.closed {
            Some(format!("pool `{}` period {} is still open", fin.pool, fin.period))
        } else if (rec.pool.as_str(), rec.period) != (fin.pool.as_str(), fin.period) {
            Some(format!(
                "booked from pool `{}` period {}, not `{}` period {}",
                rec.pool, rec.period, fin.pool, fin.period
            ))
        } else if total(rec) != total(&fin) || claimed(rec) != claimed(&fin) {
            Some("the final view changes the claimed parts or the quantity, not only the residual".to_string())
        } else {
            None
        };
        match why {
            Some(w) => Err(format!("receive `{receive}`: {w}")),
            None => {
                self.settled_claims.insert(receive.to_string(), fin);
                Ok(())
            }
        }
    }
}
