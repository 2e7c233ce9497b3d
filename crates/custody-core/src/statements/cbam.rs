//! EU CBAM specific embedded emissions of the goods an installation produced in a period.
//!
//! The method is Implementing Regulation (EU) 2023/1773, Annex III (section F: a good's specific
//! embedded emissions are the production process's attributed emissions plus its precursors'
//! embedded emissions, over the activity level), with the greenhouse gases of Regulation (EU)
//! 2023/956, Annex I (CO2, N2O, perfluorocarbons). `docs/cbam.md` states every rule and choice.
//!
//! - The installation is a declared [`Site`]; its transactions are those whose postings or
//!   movements name it (a `default` site also takes those naming no site).
//! - Direct: the period's emissions at the site (`emit`) net of CO2 captured and sent to storage
//!   (`capture`: captured negative, the capture's own process emissions positive), in g CO2e of
//!   CO2, N2O, CF4 and C2F6 only; CH4, CO and VOC are not CBAM gases.
//! - Indirect: the electricity consumed at the site (`consume` of electricity items, kJ) times its
//!   emission factor, the CO2 that electricity carried in over its kJ (Annex III, D.4).
//! - Precursors: inputs consumed at the site whose item declares a CN code or goods category; their
//!   embedded emissions come from the item's declared values (actual or default) or are missing.
//! - A good's share of the period's totals is its share of the emissions the period's `produce`
//!   operations allocated (the ledger's allocation key and cut-offs); by quantity produced when
//!   the productions allocated no emissions at all.
//!
//! Amounts are exact rationals: grams of gas, kilojoules, and per-tonne figures as grams per gram
//! (t/t). Nothing is rounded here; renderers format.

use super::scope::{effective_kind, original, Scope};
use crate::chart::Role;
use crate::exact::{self, Q};
use crate::ledger::Ledger;
use crate::model::*;
use crate::units::Species;
use std::collections::{BTreeMap, BTreeSet};

/// Something CBAM asks for that the ledger does not hold: who or what (`installation`,
/// `item:ID`, `precursor:ID`), the field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub subject: String,
    pub field: &'static str,
    pub reason: String,
}

/// A precursor consumed for one good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CbamPrecursor {
    pub item: String,
    pub cn_code: Option<String>,
    pub category: Option<GoodsCategory>,
    /// Tonnes of precursor per tonne of good (g/g).
    pub quantity_per_t: Q,
    /// The counterparties the precursor was bought from (its origin as the ledger knows it).
    pub suppliers: Vec<String>,
    /// The item's declared specific embedded emissions (tCO2e/t), or `None`: missing.
    pub embedded: Option<Embedded>,
}

/// One good of the installation, per tonne produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CbamGoodLine {
    pub item: String,
    pub cn_code: Option<String>,
    pub category: Option<GoodsCategory>,
    /// Produced at the site in the period, grams.
    pub quantity_g: i64,
    /// The good's share of the period's totals.
    pub share: Q,
    /// Specific direct embedded emissions, tCO2e/t: own direct net of CCS plus precursors' direct.
    pub see_direct: Q,
    /// Specific indirect embedded emissions, tCO2e/t: electricity x factor plus precursors' indirect.
    pub see_indirect: Q,
    /// Electricity consumed per tonne, MWh/t.
    pub electricity_mwh_per_t: Q,
    /// tCO2/MWh of the electricity consumed; `None` when none was consumed.
    pub electricity_factor: Option<Q>,
    pub precursors: Vec<CbamPrecursor>,
    /// Share of the total embedded emissions that comes from default values (0 to 1).
    pub default_share: Q,
}

/// The installation's period totals the goods share.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CbamTotals {
    /// g CO2e of CBAM gases emitted (`emit`), before capture.
    pub direct_gross: Q,
    /// g CO2e captured less the capture's own emissions (negative when CO2 was stored).
    pub ccs: Q,
    /// kJ of electricity consumed.
    pub electricity_kj: i128,
    /// g CO2 the consumed electricity carried.
    pub electricity_co2: Q,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CbamStatement {
    pub scope: Scope,
    pub site: Site,
    pub totals: CbamTotals,
    pub goods: Vec<CbamGoodLine>,
    pub missing: Vec<Missing>,
}

/// Why a CBAM statement cannot be made at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CbamError {
    #[error("site `{0}` is not declared (declare it with `site ID \"Name\"`, docs/journal.md)")]
    SiteUnknown(String),
}

/// The CBAM gases (Regulation (EU) 2023/956, Annex I) as g CO2e of a posting (its gas as
/// stated where it kept one); 0 for others.
fn cbam_co2e(ledger: &Ledger, p: &Posting) -> Q {
    match p.species {
        Species::CO2 | Species::N2O | Species::CF4 | Species::C2F6 => {
            let gwp = ledger.entity().gwp.factor(p.species).unwrap_or_else(|| exact::q(0));
            p.gas_grams(ledger.entity().ratios) * gwp
        }
        _ => exact::q(0),
    }
}

/// Computes the CBAM statement of `site` for `scope`.
pub fn cbam(ledger: &Ledger, scope: &Scope, site: &str) -> Result<CbamStatement, CbamError> {
    let s = ledger.site(site).ok_or_else(|| CbamError::SiteUnknown(site.into()))?;
    let here = |x: &Option<Name>| x.as_deref() == Some(site) || (x.is_none() && s.default);
    let code = |r: Role| ledger.chart().by_role(r).code.clone();
    let (wip_direct, wip_attr) = (code(Role::WipDirect), code(Role::WipAttributed));
    let (prod_direct, prod_attr) = (code(Role::ProductDirect), code(Role::ProductAttributed));
    let mut t = CbamTotals::default();
    // Per produced item: quantity and the emissions carbon allocated to it (absolute gC).
    let mut produced: BTreeMap<String, (i64, i128)> = BTreeMap::new();
    // Per precursor item: grams consumed.
    let mut consumed: BTreeMap<String, i128> = BTreeMap::new();
    for tx in ledger.transactions().iter().filter(|t| scope.is_activity(t)) {
        let sign = original(ledger, tx).1;
        match effective_kind(ledger, tx) {
            TxKind::Emit | TxKind::Capture => {
                for p in tx.postings.iter().filter(|p| p.account == wip_direct && here(&p.dims.site)) {
                    let e = cbam_co2e(ledger, p);
                    if p.dims.origin == Some(Origin::Ccs) {
                        t.ccs += e;
                    } else {
                        t.direct_gross += e;
                    }
                }
            }
            TxKind::Consume => {
                for m in tx.movements.iter().filter(|m| here(&m.site)) {
                    let Some(item) = ledger.item(&m.item) else { continue };
                    if item.category == Category::Electricity {
                        t.electricity_kj -= m.quantity as i128;
                    } else if item.cbam.cn_code.is_some() || item.cbam.category.is_some() {
                        *consumed.entry(m.item.to_string()).or_default() -= m.quantity as i128;
                    }
                }
                for p in tx.postings.iter().filter(|p| p.account == wip_attr && here(&p.dims.site)) {
                    if p.dims.origin == Some(Origin::Electricity) && p.species == Species::CO2 {
                        t.electricity_co2 += p.gas_grams(ledger.entity().ratios);
                    }
                }
            }
            TxKind::Produce => {
                for m in tx.movements.iter().filter(|m| here(&m.site)) {
                    produced.entry(m.item.to_string()).or_default().0 += m.quantity;
                }
                for p in tx.postings.iter().filter(|p| here(&p.dims.site)) {
                    let Some(item) = &p.dims.item else { continue };
                    if (p.account == prod_direct || p.account == prod_attr) && p.species != Species::C {
                        produced.entry(item.to_string()).or_default().1 += sign as i128 * (p.amount as i128).abs();
                    }
                }
            }
            _ => {}
        }
    }
    let mut missing = installation_missing(s);
    let alloc_total: i128 = produced.values().map(|(_, a)| *a).sum();
    let qty_total: i128 = produced.values().map(|(q, _)| *q as i128).sum();
    let factor = (t.electricity_kj > 0)
        .then(|| t.electricity_co2 / Q::from_integer(t.electricity_kj) * exact::q(3600) / exact::q(1000));
    let direct_net = t.direct_gross + t.ccs;
    let mut goods = Vec::new();
    for (id, (qty, alloc)) in &produced {
        let Some(item) = ledger.item(id) else { continue };
        let declared = item.cbam.cn_code.is_some() || item.cbam.category.is_some();
        if *qty <= 0 || !(declared || item.category == Category::Product) {
            continue;
        }
        let share = if alloc_total > 0 { Q::new(*alloc, alloc_total) } else { Q::new(*qty as i128, qty_total) };
        let per_t = |total: Q| total * share / Q::from_integer(*qty as i128);
        let subject = format!("item:{id}");
        if item.cbam.cn_code.is_none() {
            missing.push(Missing {
                subject: subject.clone(),
                field: "cn_code",
                reason: "no `cn-code` declared on the item".into(),
            });
        }
        if item.cbam.category.is_none() {
            missing.push(Missing {
                subject,
                field: "category",
                reason: "no `goods-category` declared on the item".into(),
            });
        }
        let mut see_direct = per_t(direct_net);
        let mut see_indirect = per_t(t.electricity_co2);
        let mut from_defaults = exact::q(0);
        let mut precursors = Vec::new();
        for (p, grams) in &consumed {
            let pi = ledger.item(p).expect("consumed items are defined");
            let quantity_per_t = per_t(Q::from_integer(*grams));
            if let Some(e) = pi.cbam.embedded.as_deref() {
                see_direct += quantity_per_t * e.direct;
                see_indirect += quantity_per_t * e.indirect;
                if e.default_values {
                    from_defaults += quantity_per_t * (e.direct + e.indirect);
                }
            }
            precursors.push(CbamPrecursor {
                item: p.clone(),
                cn_code: pi.cbam.cn_code.clone(),
                category: pi.cbam.category,
                quantity_per_t,
                suppliers: suppliers(ledger, p),
                embedded: pi.cbam.embedded.as_deref().copied(),
            });
        }
        let total = see_direct + see_indirect;
        goods.push(CbamGoodLine {
            item: id.clone(),
            cn_code: item.cbam.cn_code.clone(),
            category: item.cbam.category,
            quantity_g: *qty,
            share,
            see_direct,
            see_indirect,
            electricity_mwh_per_t: per_t(Q::from_integer(t.electricity_kj)) * exact::q(1000) / exact::q(3600),
            electricity_factor: factor,
            precursors,
            default_share: if total > exact::q(0) { from_defaults / total } else { exact::q(0) },
        });
    }
    for p in consumed.keys() {
        let pi = ledger.item(p).expect("consumed items are defined");
        if pi.cbam.embedded.is_none() {
            missing.push(Missing {
                subject: format!("precursor:{p}"),
                field: "embedded",
                reason: "no `embedded` values declared (the producer's communication or default values): left out of the goods' figures".into(),
            });
        }
        missing.push(Missing {
            subject: format!("precursor:{p}"),
            field: "country_of_origin",
            reason: "the ledger names the suppliers, not the country where the precursor was produced".into(),
        });
    }
    if t.electricity_kj > 0 {
        missing.push(Missing {
            subject: "installation".into(),
            field: "electricity_factor_source",
            reason: "the factor is the supplier's (CO2 booked with the electricity); whether it is the default grid factor or an actual value under Annex III D.4.3 is not declared".into(),
        });
    }
    Ok(CbamStatement { scope: scope.clone(), site: s.clone(), totals: t, goods, missing })
}

fn installation_missing(s: &Site) -> Vec<Missing> {
    let mut m = Vec::new();
    let mut need = |present: bool, field: &'static str| {
        if !present {
            m.push(Missing {
                subject: "installation".into(),
                field,
                reason: format!("site `{}` declares no `{field}`", s.id),
            });
        }
    };
    need(s.city.is_some(), "city");
    need(s.country.is_some(), "country");
    need(s.unlocode.is_some(), "unlocode");
    need(s.coordinates.is_some(), "coordinates");
    m
}

/// Counterparties of the purchases (and receives) of an item, in id order.
fn suppliers(ledger: &Ledger, item: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    for tx in ledger.transactions() {
        let kind = effective_kind(ledger, tx);
        if !matches!(kind, TxKind::Purchase | TxKind::Receive) || !tx.movements.iter().any(|m| m.item == item) {
            continue;
        }
        // The operation names its supplier even when it posted nothing (a stated zero).
        let named = match ledger.op(&tx.id).map(|o| o.body) {
            Some(crate::ops::Operation::Purchase(r)) => r.counterparty.clone(),
            Some(crate::ops::Operation::Receive(r)) => r.supplier.clone(),
            _ => None,
        };
        out.extend(named);
        out.extend(tx.postings.iter().filter_map(|p| crate::name::text(&p.dims.counterparty)));
    }
    out.into_iter().collect()
}
