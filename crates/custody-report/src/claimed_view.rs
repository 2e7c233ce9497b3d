//! The claimed (market-based) view of entity emissions and product intensity (issue 8, "Two
//! views, never mixed"; docs/reports.md). The physical (inventory) view is the statement as the
//! ledger posts it and is the default; the claimed view is derived from it and never changes it:
//! - entity emissions: the attributed emissions of transfers received with a seller's pool claim
//!   are taken at the claimed view (claimed and residual parts) instead of the physical footprint,
//!   shown as one adjustment line;
//! - product intensity: a product of one of this ledger's pool groups passes its pool's claims on:
//!   its claimed intensity is the period's sales of it at their claimed and residual factors; any
//!   other product carries its physical footprint only.
//!
//! Avoided-emission certificates and other market instruments appear in neither view (only in the
//! market-instruments statement).

use crate::number::{co2e_of_gas, decimal, num};
use custody_core::exact::{self, Q};
use custody_core::statements::{self as st, Scope};
use custody_core::units::Dimension;
use custody_core::Ledger;
use serde_json::{json, Value};
use std::fmt::Write;

/// Which view a statement is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Physical,
    Claimed,
}

impl View {
    pub fn parse(s: &str) -> Option<View> {
        match s {
            "physical" => Some(View::Physical),
            "claimed" => Some(View::Claimed),
            _ => None,
        }
    }
}

/// Turns a physical statement into its claimed view (entity-emissions and product-intensity only).
pub(crate) fn claimed(
    ledger: &Ledger,
    kind: &str,
    scope: &Scope,
    (mut text, mut value): (String, Value),
) -> Result<(String, Value), String> {
    let m = value.as_object_mut().expect("statements are JSON objects");
    m.insert("view".into(), json!("claimed"));
    match kind {
        "entity-emissions" => {
            let pg = st::purchased_goods(ledger, scope);
            let physical: Q = pg.claimed.iter().map(|c| co2e_of_gas(ledger, &c.physical)).sum();
            let claimed: Q = pg.claimed.iter().map(|c| Q::from_integer(c.claimed_g as i128)).sum();
            let adj = (claimed - physical) / exact::q(1_000_000);
            let total = m
                .get("total_tCO2e")
                .and_then(|v| v.as_str().map(str::to_string).or_else(|| Some(v.to_string())))
                .and_then(|s| exact::parse_decimal(&s))
                .unwrap_or_else(|| exact::q(0));
            m.insert("physical_total_tCO2e".into(), num(total, 6));
            m.insert("claimed_adjustment_tCO2e".into(), num(adj, 6));
            m.insert("total_tCO2e".into(), num(total + adj, 6));
            m.insert(
                "claims".into(),
                Value::Array(
                    pg.claimed
                        .iter()
                        .map(|c| {
                            json!({"supplier": c.supplier, "pool": c.pool, "period": c.period, "kind": c.kind.as_str(),
                            "physical_tCO2e": num(co2e_of_gas(ledger, &c.physical) / exact::q(1_000_000), 6),
                            "claimed_tCO2e": num(Q::new(c.claimed_g as i128, 1_000_000), 6), "provisional": !c.closed})
                        })
                        .collect(),
                ),
            );
            let _ = writeln!(
                text,
                "\nClaimed (market-based) view: suppliers' pool claims on transfers received change the attributed emissions by {} tCO2e; total {} tCO2e (physical {} tCO2e).",
                decimal(adj, 3),
                decimal(total + adj, 3),
                decimal(total, 3)
            );
            if pg.claimed.iter().any(|c| !c.closed) {
                let _ = writeln!(
                    text,
                    "PROVISIONAL: part of it comes from a supplier's pool period still open; its residual changes until the period closes."
                );
            }
        }
        "product-intensity" => {
            let products = m.get_mut("products").and_then(|p| p.as_array_mut()).ok_or("no products")?;
            for p in products.iter_mut() {
                let item = p["item"].as_str().unwrap_or_default().to_string();
                let per = p["per"].as_str().unwrap_or("kg").to_string();
                let key = format!("total_kgCO2e_per_{per}");
                let (source, value) = match pool_intensity(ledger, scope, &item) {
                    Some((pool, g_per_base)) => {
                        let per_unit = match ledger.item(&item).map(|i| i.measure) {
                            Some(Dimension::Energy) => g_per_base * exact::q(3_600) / exact::q(1_000),
                            _ => g_per_base,
                        };
                        (format!("pool {pool}"), num(per_unit, 6))
                    }
                    None => ("physical".to_string(), p[&key].clone()),
                };
                let _ = writeln!(
                    text,
                    "Claimed (market-based) view of {item}: {value} kgCO2e/{per} ({})",
                    if source == "physical" { "no claim passed on: the physical footprint" } else { &source }
                );
                let o = p.as_object_mut().expect("a product is an object");
                o.insert(format!("claimed_kgCO2e_per_{per}"), value);
                o.insert("claimed_sales".into(), Value::Array(sale_lines(ledger, scope, &item, &per)));
                o.insert("claimed_source".into(), json!(source));
            }
        }
        other => {
            return Err(format!(
                "report `{other}` has one view: --view claimed is for entity-emissions and product-intensity"
            ))
        }
    }
    Ok((text, value))
}

/// g CO2e per base unit of `item` sold in the scope at its pool's claimed and residual factors.
fn pool_intensity(ledger: &Ledger, scope: &Scope, item: &str) -> Option<(String, Q)> {
    for pool in ledger.pools() {
        if pool.policy.group_of(item).is_none() {
            continue;
        }
        let (mut g, mut q) = (0i128, 0i128);
        for period in pool.periods.keys() {
            for l in ledger.pool_sales(&pool.policy.id, *period).0.into_iter().filter(|l| l.item == item) {
                let in_scope =
                    ledger.transaction(&l.sale).is_some_and(|t| t.date >= scope.start && t.date <= scope.end);
                if let (true, Some(e)) = (in_scope, l.co2e_g) {
                    g += e as i128;
                    q += l.quantity as i128;
                }
            }
        }
        if q > 0 {
            return Some((pool.policy.id.clone(), Q::new(g, q)));
        }
    }
    None
}

/// Each sale line of `item` in the scope with the factor it carries (claimed or residual).
fn sale_lines(ledger: &Ledger, scope: &Scope, item: &str, per: &str) -> Vec<Value> {
    let scale = if per == "kWh" { exact::q(3_600) / exact::q(1_000) } else { exact::q(1) };
    let mut out = Vec::new();
    for pool in ledger.pools().filter(|p| p.policy.group_of(item).is_some()) {
        for period in pool.periods.keys() {
            for l in ledger.pool_sales(&pool.policy.id, *period).0.into_iter().filter(|l| l.item == item) {
                if !ledger.transaction(&l.sale).is_some_and(|t| t.date >= scope.start && t.date <= scope.end) {
                    continue;
                }
                out.push(
                    json!({"sale": l.sale, "customer": l.customer, "pool": pool.policy.id, "kind": l.kind.as_str(),
                    "quantity_t": num(Q::new(l.quantity as i128, 1_000_000), 6),
                    format!("kgCO2e_per_{per}"): l.factor.map(|f| num(f * scale, 6)), "claim": l.claim}),
                );
            }
        }
    }
    out
}
