//! A [`Footprint`] read from a ledger: an item bought with a CO2e footprint (the latest such
//! purchase in the period, exactly as booked), or else a product sold in the period (its
//! cradle-to-gate intensity per kg from the product-intensity statement).

use crate::model::{CatenaxError, DeclaredUnit, Footprint};
use crate::paths::Version;
use custody_core::exact::{self, Q};
use custody_core::model::{format_date, Item, Origin};
use custody_core::ops::{Operation, Receipt};
use custody_core::statements::{product_intensity, Scope};
use custody_core::units::{Dimension, Intensity, Measure, Species, Unit};
use custody_core::Ledger;

fn unit(name: &str) -> Unit {
    Unit::parse(name).expect("a journal unit")
}

/// The declared unit for a ledger unit: volumes per L or m3, masses per kg, energy per kWh
/// (watt-hour units) or MJ (the others).
fn declared_for(per: Unit) -> (DeclaredUnit, Unit) {
    match (per.dimension, per.name) {
        (Dimension::Volume, "L") => (DeclaredUnit::Liter, unit("L")),
        (Dimension::Volume, _) => (DeclaredUnit::CubicMeter, unit("m3")),
        (Dimension::Mass, _) => (DeclaredUnit::Kilogram, unit("kg")),
        (Dimension::Energy, n) if n.ends_with("Wh") => (DeclaredUnit::KilowattHour, unit("kWh")),
        (Dimension::Energy, _) => (DeclaredUnit::Megajoule, unit("MJ")),
    }
}

/// kg of gas per one declared unit.
fn per_unit(i: &Intensity, declared: Unit) -> Result<Q, CatenaxError> {
    let g = i.grams_per_base().map_err(|_| CatenaxError::Invalid("an intensity out of range".into()))?;
    exact::mul(g, declared.base)
        .and_then(|x| exact::div(x, exact::q(1000)))
        .map_err(|_| CatenaxError::Invalid("an intensity out of range".into()))
}

/// How many declared units a quantity is (through the item's density across mass and volume).
fn in_units(m: &Measure, declared: Unit, item: &Item) -> Option<Q> {
    let base = m.base().ok()?;
    if m.unit.dimension == declared.dimension {
        return Some(base / declared.base);
    }
    let density = item.density?.per_base().ok()?; // g per m3
    match (m.unit.dimension, declared.dimension) {
        (Dimension::Mass, Dimension::Volume) => {
            exact::div(base, density).and_then(|x| exact::div(x, declared.base)).ok()
        }
        (Dimension::Volume, Dimension::Mass) => {
            exact::mul(base, density).and_then(|x| exact::div(x, declared.base)).ok()
        }
        _ => None,
    }
}

fn purchased(ledger: &Ledger, item: &Item, op_id: &str, r: &Receipt, scope: &Scope) -> Result<Footprint, CatenaxError> {
    let f = r.factors.iter().find(|f| f.species == Species::CO2e).expect("chosen for its CO2e factor");
    let (declared_unit, declared) = declared_for(f.per);
    let mass = match declared.dimension {
        Dimension::Mass => Some(declared.base / exact::q(1000)),
        Dimension::Energy => Some(exact::q(0)),
        Dimension::Volume => item
            .density
            .and_then(|d| d.per_base().ok())
            .and_then(|d| exact::mul(d, declared.base).and_then(|x| exact::div(x, exact::q(1000))).ok()),
    };
    let content = match (&r.content, &r.quantity) {
        (Some(c), Some(q)) => in_units(q, declared, item)
            .filter(|u| *u > exact::q(0))
            .and_then(|u| exact::div(c.grams, exact::q(1000)).and_then(|x| exact::div(x, u)).ok()),
        _ => None,
    };
    // `catenax:ID:vN` is the id the importer gives; another purchase keeps its own id.
    let (id, pcf_version) = match op_id.strip_prefix("catenax:").and_then(|rest| rest.rsplit_once(":v")) {
        Some((id, v)) => (id.to_string(), exact::parse_decimal(v).unwrap_or_else(|| exact::q(0))),
        None => (r.lot.clone().unwrap_or_else(|| op_id.to_string()), exact::q(0)),
    };
    let supplier = r.counterparty.clone().unwrap_or_default();
    let company_name = ledger.counterparties().find(|c| c.id == supplier).map(|c| c.name.clone()).unwrap_or_default();
    Ok(Footprint {
        version: Version::V9,
        id,
        pcf_version,
        company_name,
        company_ids: vec![supplier],
        product_name: item.name.clone(),
        product_ids: vec![item.id.clone()],
        declared_unit,
        declared_amount: exact::q(1),
        mass_per_declared_unit: mass,
        pcf_excluding: per_unit(f, declared)?,
        pcf_including: None,
        biogenic_uptake: r.biogenic_uptake.as_ref().map(|u| per_unit(u, declared)).transpose()?,
        carbon_content_total: content,
        gwp: Some(ledger.entity().gwp.as_str().to_uppercase()),
        reference_period: Some(period_times(scope)),
    })
}

fn period_times(scope: &Scope) -> (String, String) {
    (format!("{}T00:00:00Z", format_date(scope.start)), format!("{}T23:59:59Z", format_date(scope.end)))
}

/// The footprint of `item` in `scope`. Errors: an unknown item, or one neither bought with a CO2e
/// footprint nor sold in the period.
pub fn from_ledger(ledger: &Ledger, item_id: &str, scope: &Scope) -> Result<Footprint, CatenaxError> {
    let item = ledger.item(item_id).ok_or_else(|| CatenaxError::Invalid(format!("item `{item_id}` is not defined")))?;
    let bought =
        ledger.transactions().iter().rev().filter(|t| t.date >= scope.start && t.date <= scope.end).find_map(|t| {
            match ledger.op(&t.id).map(|o| o.body) {
                Some(Operation::Purchase(r))
                    if r.item == item_id && r.factors.iter().any(|f| f.species == Species::CO2e) =>
                {
                    Some((t.id.clone(), r.clone()))
                }
                _ => None,
            }
        });
    if let Some((op_id, r)) = bought {
        return purchased(ledger, item, &op_id, &r, scope);
    }
    let st = product_intensity(ledger, scope);
    let p = st.products.iter().find(|p| p.item == item_id && p.sold > 0).ok_or_else(|| {
        CatenaxError::Invalid(format!(
            "item `{item_id}` was neither bought with a CO2e footprint nor sold in period {}",
            scope.period
        ))
    })?;
    if item.measure != Dimension::Mass {
        return Err(CatenaxError::Invalid(format!(
            "item `{item_id}` is held by energy: a product footprint is per kg"
        )));
    }
    let gwp = ledger.entity().gwp;
    // Cradle to gate: every origin but the seller's transport to the customer.
    let co2e: Q = p
        .lines
        .iter()
        .filter(|l| l.origin != Origin::Transport)
        .flat_map(|l| l.gas.iter())
        .filter_map(|(sp, g)| gwp.factor(*sp).map(|f| *g * f))
        .sum();
    let kg_sold = Q::new(p.sold as i128, 1000);
    Ok(Footprint {
        version: Version::V9,
        id: String::new(),
        pcf_version: exact::q(0),
        company_name: ledger.entity().name.clone(),
        company_ids: vec![ledger.entity().id.clone()],
        product_name: item.name.clone(),
        product_ids: vec![item.id.clone()],
        declared_unit: DeclaredUnit::Kilogram,
        declared_amount: exact::q(1),
        mass_per_declared_unit: Some(exact::q(1)),
        pcf_excluding: co2e / exact::q(1000) / kg_sold,
        pcf_including: None,
        biogenic_uptake: None,
        carbon_content_total: Some(Q::new(p.content as i128, 1000) / kg_sold),
        gwp: Some(gwp.as_str().to_uppercase()),
        reference_period: Some(period_times(scope)),
    })
}
