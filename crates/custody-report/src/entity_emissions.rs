//! The entity-level emissions statement (Figure 9 / Table ES-3).

use crate::number::{co2e_of_gas, fmt_amount, gas_in, grams_to_tonnes, num, tonnes};
use crate::table::{base, header, table};
use custody_core::exact::Q;
use custody_core::model::format_date;
use custody_core::statements::{self as st, GasBySpecies, Scope};
use custody_core::units::Species;
use custody_core::Ledger;
use serde_json::{json, Map, Value};
use std::fmt::Write;

pub(crate) fn entity_emissions(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let e = st::entity_emissions(ledger, scope);
    let mut text = header(ledger, scope, "Entity-level emissions statement (Figure 9 / Table ES-3)");
    let mut rows = vec![vec!["".to_string(), "tCO2".into(), "tCH4".into(), "tCO2e".into()]];
    let mut lines = Vec::new();
    let mut total = GasBySpecies::new();
    let mut direct_net = GasBySpecies::new();
    let t = grams_to_tonnes;
    let push = |rows: &mut Vec<Vec<String>>, label: &str, g: &GasBySpecies| {
        rows.push(vec![
            label.to_string(),
            fmt_amount(t(gas_in(g, Species::CO2)), 2),
            fmt_amount(t(gas_in(g, Species::CH4)), 2),
            fmt_amount(t(co2e_of_gas(ledger, g)), 2),
        ]);
    };
    let empty = GasBySpecies::new();
    for (k, m) in &e.lines {
        use st::EntityLineKind as K;
        let g = e.gas.get(k).unwrap_or(&empty);
        for (sp, x) in g {
            *total.entry(*sp).or_insert_with(|| Q::from_integer(0)) += *x;
            if matches!(k, K::DirectGross | K::CcsAbated) {
                *direct_net.entry(*sp).or_insert_with(|| Q::from_integer(0)) += *x;
            }
        }
        push(&mut rows, k.label(), g);
        if *k == K::CcsAbated {
            push(&mut rows, "Direct emissions, net", &direct_net);
        }
        lines.push(json!({
            "key": k.as_str(), "label": k.label(),
            "tCO2": num(t(gas_in(g, Species::CO2)), 6), "tCH4": num(t(gas_in(g, Species::CH4)), 6),
            "tCO2e": num(t(co2e_of_gas(ledger, g)), 6),
            "by_species_gC": m.iter().map(|(sp, a)| (sp.as_str().to_string(), json!(a))).collect::<Map<_, _>>(),
        }));
    }
    push(&mut rows, "Total entity-level emissions", &total);
    text.push_str(&table(&rows));
    let removals: i64 =
        e.instruments.iter().filter(|i| i.kind == custody_core::model::InstrumentKind::Removal).map(|i| i.co2e_g).sum();
    let eacs: i64 =
        e.instruments.iter().filter(|i| i.kind == custody_core::model::InstrumentKind::Eac).map(|i| i.co2e_g).sum();
    let _ = writeln!(text, "\nMarket instruments obtained (shown beside the ledger, never netted):");
    let _ = writeln!(text, "  Carbon removals                         {} tCO2e", fmt_amount(tonnes(removals), 2));
    let _ = writeln!(text, "  Environmental attribute certificates    {} tCO2e", fmt_amount(tonnes(eacs), 2));
    if e.biogenic_uptake_gco2 != 0 {
        let _ = writeln!(
            text,
            "Biogenic CO2 uptake of materials bought (beside the total, never netted): {} tCO2",
            fmt_amount(t(Q::from_integer(e.biogenic_uptake_gco2 as i128)), 3)
        );
    }
    if !e.capitalised.is_empty() {
        let _ = writeln!(
            text,
            "\nCapitalised in the period (enters through depreciation, not counted above): {} tCO2",
            fmt_amount(t(gas_in(&e.capitalised_gas, Species::CO2)), 2)
        );
    }
    let _ = writeln!(
        text,
        "CO2e excludes CO and VOC, which have no GWP100 in the {} table.",
        ledger.entity().gwp.as_str().to_uppercase()
    );
    let mut m = base(ledger, scope, "entity-emissions");
    m.insert("lines".into(), Value::Array(lines));
    m.insert("direct_net_tCO2".into(), num(t(gas_in(&direct_net, Species::CO2)), 6));
    m.insert("total_tCO2".into(), num(t(gas_in(&total, Species::CO2)), 6));
    m.insert("total_tCH4".into(), num(t(gas_in(&total, Species::CH4)), 6));
    m.insert("total_tCO2e".into(), num(t(co2e_of_gas(ledger, &total)), 6));
    m.insert("capitalised_tCO2".into(), num(t(gas_in(&e.capitalised_gas, Species::CO2)), 6));
    m.insert("biogenic_uptake_tCO2".into(), num(t(Q::from_integer(e.biogenic_uptake_gco2 as i128)), 6));
    m.insert("removals_obtained_tCO2e".into(), num(tonnes(removals), 6));
    m.insert("eacs_obtained_tCO2e".into(), num(tonnes(eacs), 6));
    m.insert(
        "instruments".into(),
        Value::Array(
            e.instruments
                .iter()
                .map(|i| json!({"id": i.id, "date": format_date(i.date), "kind": i.kind.as_str(), "tCO2e": num(tonnes(i.co2e_g), 6), "counterparty": i.counterparty}))
                .collect(),
        ),
    );
    (text, Value::Object(m))
}
