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
    /// Purchases that stated no emission figure: (supplier, purchase id). A gap, never a zero.
    pub data_gaps: Vec<(String, String)>,
    /// Certificates received in the period: (certificate, from, units, pool). Instruments, not emissions.
    pub certificates: Vec<(String, String, i64, String)>,
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
    for tx in
        ledger.transactions().iter().filter(|t| scope.is_activity(t) && effective_kind(ledger, t) == TxKind::Purchase)
    {
        let kind = claim_type(original(ledger, tx).0);
        if tx.meta.contains_key(crate::ledger::DATA_GAP_META) {
            let supplier = tx.postings.iter().find_map(|p| p.dims.counterparty.clone()).or_else(|| {
                match ledger.op(&tx.id).map(|o| &o.body) {
                    Some(crate::ops::Operation::Purchase(r)) => r.counterparty.clone(),
                    _ => None,
                }
            });
            data_gaps.push((supplier.unwrap_or_else(|| "(no supplier named)".into()), tx.id.clone()));
        }
        for p in tx.postings.iter().filter(|p| p.account == *in_attr) {
            let supplier = p.dims.counterparty.clone().unwrap_or_else(|| "(no supplier named)".into());
            *lines.entry((supplier, kind)).or_default().entry(p.species).or_insert_with(|| crate::exact::q(0)) +=
                p.gas_grams(ratios);
        }
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
    }
}
