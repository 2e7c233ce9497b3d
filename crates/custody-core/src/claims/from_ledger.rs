//! Footprints and claims read from a ledger: product intensity, pool claims, avoided certificates.

use super::footprint::{Claim, FerrousInputs, Footprint};
use super::framework::ClaimKind;
use crate::coc::CustodyModel;
use crate::exact::{self, Q};
use crate::ledger::Ledger;
use crate::model::*;
use crate::statements::{product_intensity, Scope};
use crate::units::Species;

/// The gases a ledger footprint covers, by the names frameworks use.
const LEDGER_GASES: [&str; 7] = ["CO2", "CH4", "N2O", "SF6", "PFCs", "CF4", "C2F6"];

/// A product's footprint from the ledger: CO2e per tonne sold in the period (GWP of the ledger;
/// the seller's transport to customers excluded, as cradle-to-gate frameworks do), and the ferrous
/// inputs consumed in the period for the scrap share.
pub fn footprint_from_ledger(ledger: &Ledger, scope: &Scope, item: &str, material: &str) -> Result<Footprint, String> {
    let statement = product_intensity(ledger, scope);
    let Some(p) = statement.products.iter().find(|p| p.item == item).filter(|p| p.sold > 0) else {
        let sold: Vec<&str> = statement.products.iter().filter(|p| p.sold > 0).map(|p| p.item.as_str()).collect();
        let known = ledger.items().any(|i| i.id == item);
        return Err(format!(
            "{} in period `{}`; products sold then: {}",
            if known { format!("`{item}` was not sold") } else { format!("`{item}` is not an item of this ledger") },
            scope.period,
            if sold.is_empty() { "none".to_string() } else { sold.join(", ") }
        ));
    };
    Ok(footprint_of(ledger, scope, p, material))
}

/// The footprint of one product of an already computed intensity statement (`sold > 0`).
pub fn footprint_of(
    ledger: &Ledger,
    scope: &Scope,
    p: &crate::statements::ProductIntensity,
    material: &str,
) -> Footprint {
    let (gwp, ratios) = (ledger.entity().gwp, ledger.entity().ratios);
    let mut co2e = exact::q(0);
    for line in p.lines.iter().filter(|l| l.origin != Origin::Transport) {
        for (sp, grams) in &line.gas {
            if let Some(f) = gwp.factor(*sp) {
                co2e += *grams * f;
            } else if matches!(sp, Species::CO | Species::VOC) {
                // CO and VOC have no GWP100; a footprint assessed against a threshold counts
                // their carbon as the CO2 it becomes once oxidised, so emissions stated as CO or
                // VOC never make a product look cleaner than its carbon (the conservative rule of
                // the IPCC 2006 Guidelines, vol. 1 ch. 7: indirect CO2 from CO and NMVOC).
                let carbon = line.by_species.get(sp).copied().unwrap_or(0);
                co2e += ratios.gas_grams(Species::CO2, carbon);
            }
        }
    }
    let mut ferrous = FerrousInputs::default();
    for tx in ledger
        .transactions()
        .iter()
        .filter(|t| t.kind == TxKind::Consume && t.date >= scope.start && t.date <= scope.end)
    {
        for m in &tx.movements {
            if let Some((kind, frac)) = ledger.item(&m.item).and_then(|i| i.ferrous) {
                let entry = (-m.quantity, frac);
                match kind {
                    crate::model::Ferrous::Scrap => ferrous.scrap.push(entry),
                    crate::model::Ferrous::Primary => ferrous.primary.push(entry),
                }
            }
        }
    }
    Footprint {
        product: p.item.clone(),
        material: material.to_string(),
        intensity: co2e / Q::from_integer(p.sold as i128),
        ferrous,
        scrap_share: None,
        gases: LEDGER_GASES.iter().map(|g| g.to_string()).collect(),
        quantity: Some(p.sold),
        data_gaps: p.data_gaps.clone(),
        boundary_note: format!(
            "cradle-to-gate of the ledger of {}, {} GWP100, CO and VOC counted as the CO2 they become once oxidised; transport to customers excluded; downstream processing on site not separated",
            ledger.entity().id,
            gwp.as_str().to_uppercase()
        ),
    }
}

/// A mass-balance chain-of-custody claim from a pool claim of the ledger.
pub fn claim_from_pool(ledger: &Ledger, pool: &str, claim: &str) -> Result<Claim, String> {
    let pool = ledger.pool(pool).ok_or_else(|| format!("no pool `{pool}`"))?;
    let (period, c) = pool
        .periods
        .iter()
        .find_map(|(n, p)| p.claims.iter().find(|c| c.id == claim).map(|c| (*n, c)))
        .ok_or_else(|| format!("pool `{}` has no claim `{claim}`", pool.policy.id))?;
    let factor = c
        .factor
        .ok_or_else(|| format!("claim `{claim}` states no factor: it claims an attribute, not an intensity"))?;
    let p = &pool.periods[&period];
    // The claim is for its output's item (or, naming none, the items of the pool's groups), and
    // for the quantity it claims.
    let items: Vec<String> = match c.output.as_ref().and_then(|o| p.outputs.iter().find(|x| &x.id == o)) {
        Some(o) => vec![o.item.clone()],
        None => pool.policy.groups.iter().flat_map(|(_, items)| items.iter().cloned()).collect(),
    };
    // Per unit of the pool's output (intensity / conversion): the technology is the cleanest step
    // of the stacking line, the lowest input the cleanest of all inputs.
    let technology = pool.line_of(p).first().map(|s| s.factor);
    Ok(Claim {
        kind: ClaimKind::MassBalanceChainOfCustody,
        claimed_intensity: factor,
        site_level: matches!(
            pool.policy.boundary,
            crate::coc::Boundary::Site(_) | crate::coc::Boundary::Batch(_) | crate::coc::Boundary::Process(_)
        ),
        non_proportional: Some(pool.policy.attribution == crate::coc::Attribution::NonProportional),
        period_months: Some(pool.policy.period_months),
        lowest_input: pool.input_range(p).map(|r| r.0),
        technology,
        verified_by: pool.policy.verified_by.clone(),
        baseline_disclosed: false,
        model: Some(CustodyModel::MassBalance),
        items,
        quantity: Some(c.quantity),
        residual: pool.statements().into_iter().find(|s| s.period == period).and_then(|s| s.residual_factor),
        provisional: None,
        declared_inputs: p.inputs.iter().filter(|i| i.source() != "ledger").map(|i| i.id.clone()).collect(),
    })
}

/// A mass-balance credit claim from an avoided-emission certificate: the product claims the
/// certificate's actual intensity, pooled at company level.
pub fn claim_from_avoided(ledger: &Ledger, id: &str) -> Result<Claim, String> {
    let a = ledger
        .avoided()
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| format!("no avoided-emission certificate `{id}`"))?;
    Ok(Claim {
        kind: ClaimKind::MassBalanceCredit,
        claimed_intensity: a.actual,
        site_level: false,
        non_proportional: Some(true),
        period_months: Some(12),
        lowest_input: None,
        technology: Some(a.actual),
        verified_by: None,
        baseline_disclosed: true,
        model: Some(CustodyModel::BookAndClaim),
        // Bound to the product it names; a certificate naming no item of the ledger fits none.
        items: vec![a
            .allocated_to
            .clone()
            .filter(|i| ledger.item(i).is_some())
            .unwrap_or_else(|| "(no item named)".into())],
        quantity: Some(a.quantity),
        residual: None,
        declared_inputs: Vec::new(),
        provisional: None,
    })
}

/// Why a claim named for assessment could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimRefError {
    /// The request names two claims, or a malformed one.
    Usage(String),
    /// The pool, claim or certificate does not exist.
    Unknown(String),
}

/// The claim an assessment names: a pool claim `POOL/CLAIM-ID`, or an avoided-emission
/// certificate, or none.
pub fn claim_from_ledger(
    ledger: &Ledger,
    claim: Option<&str>,
    avoided: Option<&str>,
) -> Result<Option<Claim>, ClaimRefError> {
    match (claim, avoided) {
        (Some(_), Some(_)) => Err(ClaimRefError::Usage(
            "assess one claim at a time: a pool claim or an avoided-emission certificate".into(),
        )),
        (Some(c), None) => {
            let (pool, id) =
                c.split_once('/').ok_or_else(|| ClaimRefError::Usage("a pool claim is POOL/CLAIM-ID".into()))?;
            claim_from_pool(ledger, pool, id).map(Some).map_err(ClaimRefError::Unknown)
        }
        (None, Some(a)) => claim_from_avoided(ledger, a).map(Some).map_err(ClaimRefError::Unknown),
        (None, None) => Ok(None),
    }
}

/// The footprint and claim of a transfer this ledger received (issue 8: `custody assess` on the
/// buyer's side reads the claim from the received transfer). The footprint is the receive's
/// physical one: its attributed CO2e (the ledger's GWP) per tonne received. The claim is the
/// seller's pool claim the receive recorded: its claimed part's factor and quantity, the residual
/// for the rest, method, attribution and verifier; what the transfer does not carry (period
/// length, the technology, the scrap share) is
/// unknown and fails the checks that need it. A receive without a claimed part has no claim.
pub fn received_from_ledger(
    ledger: &Ledger,
    receive: &str,
    material: &str,
) -> Result<(Footprint, Option<Claim>), String> {
    let tx = ledger
        .transaction(receive)
        .filter(|t| t.kind == TxKind::Receive)
        .ok_or_else(|| format!("`{receive}` is not a receive of this ledger"))?;
    let in_attr = &ledger.chart().by_role(crate::chart::Role::InAttributed).code;
    let (gwp, ratios) = (ledger.entity().gwp, ledger.entity().ratios);
    let co2e: Q = tx
        .postings
        .iter()
        .filter(|p| p.account == *in_attr)
        .filter_map(|p| gwp.factor(p.species).map(|f| p.gas_grams(ratios) * f))
        .sum();
    let item = tx.movements.first().map(|m| m.item.to_string()).unwrap_or_default();
    let quantity: i64 = tx.movements.iter().map(|m| m.quantity).sum();
    if quantity <= 0 {
        return Err(format!("receive `{receive}` brought in no quantity"));
    }
    let fp = Footprint {
        product: item.clone(),
        material: material.to_string(),
        intensity: co2e / Q::from_integer(quantity as i128),
        ferrous: FerrousInputs::default(),
        scrap_share: None,
        gases: LEDGER_GASES.iter().map(|g| g.to_string()).collect(),
        boundary_note: format!(
            "the supplier's footprint as received (transfer {}), {} GWP100",
            tx.meta.get(crate::ledger::TRANSFER_META).cloned().unwrap_or_default(),
            gwp.as_str().to_uppercase()
        ),
        quantity: Some(quantity),
        data_gaps: crate::ledger::gaps_named(tx).map(String::from).collect(),
    };
    let Some(rc) = ledger.received_claim(receive) else { return Ok((fp, None)) };
    let claimed: Vec<_> = rc.lines.iter().filter(|l| l.kind == crate::coc::SaleKind::Claimed).collect();
    if claimed.is_empty() {
        return Ok((fp, None));
    }
    let q: i64 = claimed.iter().map(|l| l.quantity).sum();
    let g: Q = claimed.iter().map(|l| l.factor * Q::from_integer(l.quantity as i128)).sum();
    let claim = Claim {
        kind: ClaimKind::MassBalanceChainOfCustody,
        claimed_intensity: g / Q::from_integer(q as i128),
        site_level: rc.site_level,
        non_proportional: Some(rc.attribution == crate::coc::Attribution::NonProportional),
        period_months: None,
        lowest_input: rc.lowest_input,
        technology: None,
        verified_by: rc.verifier.clone(),
        baseline_disclosed: false,
        model: Some(CustodyModel::MassBalance),
        items: vec![item],
        quantity: Some(q),
        residual: rc.lines.iter().find(|l| l.kind == crate::coc::SaleKind::Residual).map(|l| l.factor),
        declared_inputs: Vec::new(),
        provisional: (!rc.closed).then(|| {
            format!(
                "pool {} period {} of the supplier was open when received: the residual may change until it closes",
                rc.pool, rc.period
            )
        }),
    };
    Ok((fp, Some(claim)))
}
