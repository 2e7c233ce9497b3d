//! Purchased goods (the buyer's side), with the claim type each custody model allows.

use super::intensity::GasBySpecies;
use super::scope::{effective_kind, original, Scope};
use crate::chart::Role;
use crate::ledger::Ledger;
use crate::model::*;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchasedGoods {
    pub scope: Scope,
    /// Attributed emissions bought in, by (supplier, claim type), by species, in exact grams of
    /// gas (the suppliers' figures as stated; see `GasBySpecies`).
    pub lines: Vec<(String, &'static str, GasBySpecies)>,
    /// Purchases and openings that stated no emission figure, and receives of goods carrying a
    /// seller's gap: (supplier, or `(opening)`; operation id). A gap, never a zero.
    pub data_gaps: Vec<(String, String)>,
    /// Certificates received in the period: (certificate, from, units, pool). Instruments, not emissions.
    pub certificates: Vec<(String, String, i64, String)>,
    /// Received transfers that carry a seller's pool claim (issue 8), one line per supplier, claim
    /// type, pool, period and part (claimed or residual); they are not in `lines`.
    pub claimed: Vec<ClaimedPurchase>,
}

/// Purchased goods received with a seller's pool claim: the physical footprint booked (the
/// receive's share by quantity, exact) beside the claimed view (the pool's factor x quantity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedPurchase {
    pub supplier: String,
    pub claim_type: &'static str,
    pub pool: String,
    pub period: u32,
    pub method: crate::coc::Method,
    pub attribution: crate::coc::Attribution,
    pub kind: crate::coc::SaleKind,
    /// Whether the claimed view is final: the seller's pool period was closed when received, or
    /// the view was settled from the closed period since (`Ledger::settle_received_claim`). Else
    /// provisional: the residual changes with the seller's later claims until the period closes.
    pub closed: bool,
    /// Seller's base units.
    pub quantity: i64,
    /// The physical footprint of the part, exact grams of gas by species.
    pub physical: GasBySpecies,
    /// g CO2e of the claimed view.
    pub claimed_g: i64,
}

/// The claim type a purchase carries: what its custody model lets the buyer claim.
fn claim_type(tx: &Transaction) -> &'static str {
    match tx.meta.get(crate::ledger::CUSTODY_META).and_then(|m| crate::coc::CustodyModel::parse(m)) {
        Some(crate::coc::CustodyModel::MassBalance) => "mass-balance-chain-of-custody",
        Some(crate::coc::CustodyModel::BookAndClaim) => "book-and-claim",
        _ => "physical",
    }
}

pub fn purchased_goods(ledger: &Ledger, scope: &Scope) -> PurchasedGoods {
    let in_attr = &ledger.chart().by_role(Role::InAttributed).code;
    let mut lines: BTreeMap<(String, &'static str), GasBySpecies> = BTreeMap::new();
    let ratios = ledger.entity().ratios;
    let mut data_gaps = Vec::new();
    let mut claimed: BTreeMap<ClaimKey, ClaimedPurchase> = BTreeMap::new();
    for tx in
        ledger.transactions().iter().filter(|t| scope.is_activity(t) && effective_kind(ledger, t) == TxKind::Purchase)
    {
        let kind = claim_type(original(ledger, tx).0);
        // A receive of goods that carry a seller's data gap is a gap of its own (`gaps`).
        let received_gap = tx.kind == TxKind::Receive && tx.meta.contains_key(crate::ledger::DATA_GAP_FROM_META);
        if tx.meta.contains_key(crate::ledger::DATA_GAP_META) || received_gap {
            let supplier = tx.postings.iter().find_map(|p| crate::name::text(&p.dims.counterparty)).or_else(|| {
                match ledger.op(&tx.id).map(|o| o.body) {
                    Some(crate::ops::Operation::Purchase(r)) => r.counterparty.clone(),
                    _ => None,
                }
            });
            data_gaps.push((supplier.unwrap_or_else(|| "(no supplier named)".into()), tx.id.clone()));
        }
        if let Some(c) = ledger.received_claim(&original(ledger, tx).0.id) {
            claimed_lines(ledger, tx, kind, c, &mut claimed);
            continue;
        }
        for p in tx.postings.iter().filter(|p| p.account == *in_attr) {
            let supplier = p.dims.counterparty.map(String::from).unwrap_or_else(|| "(no supplier named)".into());
            *lines.entry((supplier, kind)).or_default().entry(p.species).or_insert_with(|| crate::exact::q(0)) +=
                p.gas_grams(ratios);
        }
    }
    // An opening without emission data is a gap like a purchase (docs/journal.md).
    for tx in ledger.transactions().iter().filter(|t| {
        t.kind == TxKind::Opening
            && t.date >= scope.start
            && t.date <= scope.end
            && t.meta.contains_key(crate::ledger::DATA_GAP_META)
            && !ledger.is_reversed(&t.id)
    }) {
        data_gaps.push(("(opening)".into(), tx.id.clone()));
    }
    let certificates = ledger
        .recorded()
        .iter()
        .filter(|op| op.date >= scope.start && op.date <= scope.end)
        .filter_map(|op| match &op.body {
            crate::ops::Operation::Custody(crate::ops::CustodyOp::CertificateReceive {
                certificate,
                from,
                block: Some(b),
            }) => Some((
                certificate.clone(),
                from.clone(),
                i64::try_from(b.last.saturating_sub(b.first).saturating_add(1)).unwrap_or(i64::MAX),
                b.pool.clone(),
            )),
            _ => None,
        })
        .collect();
    PurchasedGoods {
        scope: scope.clone(),
        lines: lines.into_iter().map(|((s, k), m)| (s, k, m)).collect(),
        data_gaps,
        certificates,
        claimed: claimed.into_values().collect(),
    }
}

type ClaimKey = (String, &'static str, String, u32, crate::coc::SaleKind);

/// A received transfer's parts: its attributed postings split by each part's quantity (exact), beside
/// the part's claimed grams; a reversal's with the opposite sign.
fn claimed_lines(
    ledger: &Ledger,
    tx: &Transaction,
    claim_type: &'static str,
    c: &crate::coc::ReceivedClaim,
    out: &mut BTreeMap<ClaimKey, ClaimedPurchase>,
) {
    let in_attr = &ledger.chart().by_role(Role::InAttributed).code;
    let ratios = ledger.entity().ratios;
    let sign: i64 = if tx.kind == TxKind::Reversal { -1 } else { 1 };
    let total: i64 = c.lines.iter().map(|l| l.quantity).sum();
    let postings: Vec<&Posting> = tx.postings.iter().filter(|p| p.account == *in_attr).collect();
    let supplier = postings
        .iter()
        .find_map(|p| crate::name::text(&p.dims.counterparty))
        .or_else(|| match ledger.op(&original(ledger, tx).0.id).map(|o| o.body) {
            Some(crate::ops::Operation::Receive(r)) => r.supplier.clone(),
            _ => None,
        })
        .unwrap_or_else(|| "(no supplier named)".into());
    for l in &c.lines {
        let share = crate::exact::Q::new(l.quantity as i128, total.max(1) as i128);
        let e = out.entry((supplier.clone(), claim_type, c.pool.clone(), c.period, l.kind)).or_insert_with(|| {
            ClaimedPurchase {
                supplier: supplier.clone(),
                claim_type,
                pool: c.pool.clone(),
                period: c.period,
                method: c.method,
                attribution: c.attribution,
                kind: l.kind,
                closed: c.closed,
                quantity: 0,
                physical: GasBySpecies::new(),
                claimed_g: 0,
            }
        });
        e.quantity += sign * l.quantity;
        e.claimed_g += sign * l.co2e_g;
        e.closed &= c.closed;
        for p in &postings {
            *e.physical.entry(p.species).or_insert_with(|| crate::exact::q(0)) += p.gas_grams(ratios) * share;
        }
    }
}
