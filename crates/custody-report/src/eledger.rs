//! The E-ledger view: CO2 emissions liabilities (Table A1), single-entry.

use crate::number::{decimal, fmt_amount, grams_to_tonnes, num, tonnes};
use crate::table::{base, header, table};
use custody_core::exact::{self, Q};
use custody_core::statements::{self as st, Scope};
use custody_core::Ledger;
use serde_json::{json, Value};
use std::fmt::Write;

pub(crate) fn eledger(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let e = st::eledger(ledger, scope);
    // Tonnes of CO2 from the exact gas beside each amount (stated figures as stated).
    let tco2 = grams_to_tonnes;
    let g = &e.gas;
    let mut rows = vec![vec!["CO2 emissions liabilities".to_string(), "tCO2".into()]];
    let mut add = |label: String, a: Q| rows.push(vec![label, fmt_amount(a, 0)]);
    add("Beginning balance (A)".into(), tco2(g.beginning));
    let mut sub_b = exact::q(0);
    for ((item, _), a) in e.purchases.iter().zip(&g.purchases) {
        sub_b += *a;
        add(format!("Attributed CO2 emissions to {item} supply"), tco2(*a));
    }
    add("Subtotal, purchases (B)".into(), tco2(sub_b));
    add("Direct gross CO2 emissions".into(), tco2(g.direct_gross));
    add("CO2 abatement (CCS)".into(), tco2(g.ccs_abated));
    add("Depreciation (period share of emissions attributed to PPE)".into(), tco2(g.depreciation));
    add("Depreciation allocated to products".into(), tco2(-g.depreciation));
    for ((item, _), a) in e.allocated_to_products.iter().zip(&g.allocated_to_products) {
        add(format!("Net CO2 allocated to {item} inventory"), tco2(*a));
    }
    let mut customers = Vec::new();
    for c in &e.customers {
        add(format!("Share of product sold to {}: {}%", c.customer, decimal(c.share * exact::q(100), 2)), exact::q(0));
        add(format!("Net CO2 allocated to product sold to {}", c.customer), tco2(c.product_gas));
        add(format!("CO2 emissions transporting product to {}", c.customer), tco2(c.transport_gas));
        add(format!("Net CO2 transferred to {}", c.customer), -tco2(c.product_gas + c.transport_gas));
        customers.push(json!({
            "customer": c.customer, "share": num(c.share, 6), "product_tCO2": num(tco2(c.product_gas), 6),
            "transport_tCO2": num(tco2(c.transport_gas), 6), "transferred_tCO2": num(tco2(c.product_gas + c.transport_gas), 6),
        }));
    }
    add("CO2 emissions liabilities balance (ending)".into(), tco2(g.ending));
    let mut text = header(ledger, scope, "E-ledger view: CO2 emissions liabilities (Table A1), single-entry");
    text.push_str(&table(&rows));
    let _ = writeln!(
        text,
        "\nAssets (carbon removals obtained): {} tCO2",
        fmt_amount(
            tonnes(
                ledger
                    .instruments()
                    .iter()
                    .filter(|i| i.kind == custody_core::model::InstrumentKind::Removal
                        && i.date >= scope.start
                        && i.date <= scope.end)
                    .map(|i| i.co2e_g)
                    .sum()
            ),
            0
        )
    );
    let mut m = base(ledger, scope, "eledger");
    m.insert("beginning_tCO2".into(), num(tco2(g.beginning), 6));
    let listed = |l: &[(String, i64)], gas: &[Q]| -> Value {
        Value::Array(l.iter().zip(gas).map(|((i, _), a)| json!({"item": i, "tCO2": num(tco2(*a), 6)})).collect())
    };
    m.insert("purchases".into(), listed(&e.purchases, &g.purchases));
    m.insert("purchases_subtotal_tCO2".into(), num(tco2(sub_b), 6));
    m.insert("direct_gross_tCO2".into(), num(tco2(g.direct_gross), 6));
    m.insert("ccs_abated_tCO2".into(), num(tco2(g.ccs_abated), 6));
    m.insert("depreciation_tCO2".into(), num(tco2(g.depreciation), 6));
    m.insert("allocated".into(), listed(&e.allocated_to_products, &g.allocated_to_products));
    m.insert("customers".into(), Value::Array(customers));
    m.insert("ending_tCO2".into(), num(tco2(g.ending), 6));
    (text, Value::Object(m))
}
