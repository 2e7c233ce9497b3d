//! The sales of a pool period and the factors they carry (issue 8, "Claims go on sales").
//!
//! A sale of a pool group's item carries the claimed factor for the quantity a claim names on it
//! and the pool's computed **residual** factor for the rest (never typed). With the residual
//! `r = (E - sum(claimed factor x claimed quantity)) / (outputs - claimed quantity)`, the sum over
//! a period's sales of factor x quantity is exactly the pool's emissions `E` once the period's
//! whole output is sold and every factor claim travels with a sale (exact rationals, no rounding).
//! In grams, each claimed line carries its factor x quantity rounded once (half to even) and the
//! rest of `E` is split over the residual lines and the unsold output by largest remainder, so the
//! lines and the unsold part add up to `E` exactly (`exact::allocate`).

use super::pool::{PoolClaim, PoolStatement};
use crate::exact::{self, Q};

named_enum!(SaleKind { Claimed => "claimed", Residual => "residual" });

/// One line of a pool period's sales: a sale to one customer, or the claimed part of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PoolSale {
    pub sale: String,
    pub customer: String,
    pub item: String,
    /// Base units of the item.
    pub quantity: i64,
    /// g CO2e per base unit (the claim's factor, or the residual); None when the pool has no
    /// emissions figure (not an emission-intensity pool, or no input states an intensity).
    pub factor: Option<Q>,
    pub kind: SaleKind,
    /// The claim this line carries (claimed lines).
    pub claim: Option<String>,
    /// g CO2e the line carries (see the module docs), when the factor is known.
    pub co2e_g: Option<i64>,
}

/// A sale to one customer of the period, before pricing: (sale, customer, item, quantity).
pub type SaleLine = (String, String, String, i64);

/// Prices a period's sales: `claims` are the period's active claims, `sold` its sales to each
/// customer (returned ones left out). Returns the lines and the g CO2e left on unsold output.
pub fn price_sales(st: &PoolStatement, claims: &[PoolClaim], sold: &[SaleLine]) -> (Vec<PoolSale>, Option<i64>) {
    let residual = st.residual_factor;
    let mut lines = Vec::new();
    for (sale, customer, item, q) in sold {
        let mut rest = *q;
        for c in claims.iter().filter(|c| c.sale.as_ref().is_some_and(|(s, k)| s == sale && k == customer)) {
            let take = c.quantity.min(rest);
            rest -= take;
            lines.push(PoolSale {
                sale: sale.clone(),
                customer: customer.clone(),
                item: item.clone(),
                quantity: take,
                factor: c.factor,
                kind: SaleKind::Claimed,
                claim: Some(c.id.clone()),
                co2e_g: c.factor.map(|f| exact::round_half_even(f * Q::from_integer(take as i128)) as i64),
            });
        }
        if rest > 0 {
            lines.push(PoolSale {
                sale: sale.clone(),
                customer: customer.clone(),
                item: item.clone(),
                quantity: rest,
                factor: residual,
                kind: SaleKind::Residual,
                claim: None,
                co2e_g: None,
            });
        }
    }
    let (Some(e), Some(r)) = (st.emissions, residual) else { return (lines, None) };
    // Every factor claim of the period counts against E, on a sale or not.
    let claimed_q: i64 = claims.iter().filter(|c| c.factor.is_some()).map(|c| c.quantity).sum();
    let claimed_g: i64 = claims
        .iter()
        .filter_map(|c| c.factor.map(|f| exact::round_half_even(f * Q::from_integer(c.quantity as i128)) as i64))
        .sum();
    let idx: Vec<usize> = (0..lines.len()).filter(|i| lines[*i].kind == SaleKind::Residual).collect();
    let sold_rest: i64 = idx.iter().map(|i| lines[*i].quantity).sum();
    let unsold = st.outputs - claimed_q - sold_rest;
    let mut weights: Vec<i128> = idx.iter().map(|i| lines[*i].quantity as i128).collect();
    let (total, unsold_part) = if unsold >= 0 {
        weights.push(unsold as i128);
        (e - claimed_g, true)
    } else {
        // Sold beyond the period's output (stock of earlier periods): the residual at its factor.
        (exact::round_half_even(r * Q::from_integer(sold_rest as i128)) as i64, false)
    };
    let parts = exact::allocate(total, &weights).unwrap_or_else(|| vec![0; weights.len()]);
    for (k, i) in idx.iter().enumerate() {
        lines[*i].co2e_g = Some(parts[k]);
    }
    (lines, unsold_part.then(|| parts.last().copied().unwrap_or(0)))
}

/// The claimed view a receive records beside its physical booking (issue 8, "The buyer's
/// books"): the seller's pool claim as the registry read it from the seller's pool statement when
/// the buyer received the transfer. Never posted: the physical balances are the transfer's amounts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReceivedClaim {
    pub pool: String,
    /// The seller's pool period (0 is the first).
    pub period: u32,
    pub method: super::model::Method,
    pub attribution: super::model::Attribution,
    /// Whether the pool period was closed when received; an open period's residual is provisional.
    pub closed: bool,
    pub verifier: Option<String>,
    /// The pool's transfer boundary is one site (or a batch or process), not several or the company.
    pub site_level: bool,
    /// The pool period's cleanest input per unit of output (g CO2e per base unit), for the stacking check.
    pub lowest_input: Option<Q>,
    /// Certificates bundled with the sale.
    pub certificates: Vec<String>,
    /// The claimed and residual parts; their quantities add up to the receive's quantity.
    pub lines: Vec<ReceivedLine>,
}

/// One part of a received claim: the seller's sale line, in the seller's base units.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReceivedLine {
    pub kind: SaleKind,
    pub quantity: i64,
    /// g CO2e per base unit.
    pub factor: Q,
    /// g CO2e the part carries.
    pub co2e_g: i64,
    /// The seller's claim id (claimed parts).
    pub claim: Option<String>,
}

impl ReceivedClaim {
    /// g CO2e of the claimed view: the parts' grams.
    pub fn co2e_g(&self) -> i64 {
        self.lines.iter().map(|l| l.co2e_g).sum()
    }
}
