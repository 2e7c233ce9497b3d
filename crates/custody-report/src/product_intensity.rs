//! The product carbon emissions intensity statement (Figure 8 / Table ES-2).

use crate::number::{co2e_of_gas, fmt_amount, gas_in, num, tonnes};
use crate::table::{base, header, table};
use custody_core::exact::{self, Q};
use custody_core::model::Origin;
use custody_core::statements::{self as st, GasBySpecies, Scope};
use custody_core::units::{Dimension, Species};
use custody_core::Ledger;
use serde_json::{json, Map, Value};
use std::fmt::Write;

fn origin_label(o: Origin) -> &'static str {
    match o {
        Origin::RawMaterials => "Emissions from raw material production and transport",
        Origin::Electricity => "Emissions from electricity use",
        Origin::Fuels => "Emissions from fuel production and transport",
        Origin::Direct => "Direct emissions (fuel combustion and process), gross",
        Origin::Ccs => "Emissions abated via CCS (net of capture process)",
        Origin::Ppe => "Emissions from production of equipment used",
        Origin::Transport => "Emissions from transport of products",
    }
}

pub(crate) fn product_intensity(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let s = st::product_intensity(ledger, scope);
    let mut text = header(ledger, scope, "Product carbon emissions intensity (Figure 8 / Table ES-2)");
    let mut products = Vec::new();
    let (mut all_co2, mut all_mass) = (exact::q(0), 0i64);
    let mut any_gap = false;
    for p in &s.products {
        let measure = ledger.item(&p.item).map(|i| i.measure).unwrap_or(Dimension::Mass);
        // Per kg for mass items, per kWh for energy items.
        let (per, per_base) = match measure {
            Dimension::Energy => ("kWh", 3_600i128),
            _ => ("kg", 1_000i128),
        };
        if p.sold <= 0 {
            continue;
        }
        let units = Q::new(p.sold as i128, per_base);
        let per_unit = |grams: Q| grams / units;
        let mut rows =
            vec![vec![p.name.clone(), format!("kgCO2/{per}"), format!("gCH4/{per}"), format!("kgCO2e/{per}")]];
        let mut lines = Vec::new();
        let mut total = GasBySpecies::new();
        for l in &p.lines {
            for (sp, g) in &l.gas {
                *total.entry(*sp).or_insert_with(|| exact::q(0)) += *g;
            }
            let co2 = per_unit(gas_in(&l.gas, Species::CO2)) / exact::q(1000);
            let ch4 = per_unit(gas_in(&l.gas, Species::CH4));
            let e = per_unit(co2e_of_gas(ledger, &l.gas)) / exact::q(1000);
            rows.push(vec![
                origin_label(l.origin).to_string(),
                fmt_amount(co2, 3),
                fmt_amount(ch4, 3),
                fmt_amount(e, 3),
            ]);
            let by: Map<String, Value> =
                l.by_species.iter().map(|(sp, a)| (sp.as_str().to_string(), json!(a))).collect();
            lines.push(json!({
                "category": l.origin.as_str(), "label": origin_label(l.origin),
                format!("kgCO2_per_{per}"): num(co2, 6), format!("gCH4_per_{per}"): num(ch4, 6),
                format!("kgCO2e_per_{per}"): num(e, 6), "by_species_gC": by,
            }));
        }
        let co2_g = gas_in(&total, Species::CO2);
        let tot_co2 = per_unit(co2_g) / exact::q(1000);
        let tot_ch4 = per_unit(gas_in(&total, Species::CH4));
        let tot_e = per_unit(co2e_of_gas(ledger, &total)) / exact::q(1000);
        let content = per_unit(Q::from_integer(p.content as i128)) / exact::q(1000);
        rows.push(vec![
            "Product carbon emissions intensity".into(),
            fmt_amount(tot_co2, 3),
            fmt_amount(tot_ch4, 3),
            fmt_amount(tot_e, 3),
        ]);
        if measure == Dimension::Mass {
            all_co2 += co2_g;
            all_mass += p.sold;
        }
        let _ = writeln!(text, "{} sold: {} t\n", p.name, fmt_amount(tonnes(p.sold), 3));
        text.push_str(&table(&rows));
        let _ = writeln!(
            text,
            "Carbon content carried in the product (not an emission): {} kgC/{per}",
            fmt_amount(content, 6)
        );
        for (c, q) in &p.customers {
            let _ = writeln!(text, "Sold to {c}: {} t", fmt_amount(tonnes(*q), 3));
        }
        let _ = writeln!(text, "Chain-of-custody model of the sales: {}", p.custody_models.join(", "));
        if !p.data_gaps.is_empty() {
            let _ = writeln!(
                text,
                "INCOMPLETE: no emission data for {}: the intensity above is a lower bound",
                p.data_gaps.join(", ")
            );
            any_gap = true;
        }
        text.push('\n');
        let mut entry = json!({
            "item": p.item, "name": p.name, "per": per, "sold_t": num(tonnes(p.sold), 6),
            "lines": lines,
            format!("total_kgCO2_per_{per}"): num(tot_co2, 6),
            format!("total_gCH4_per_{per}"): num(tot_ch4, 6),
            format!("total_kgCO2e_per_{per}"): num(tot_e, 6),
            format!("content_kgC_per_{per}"): num(content, 6),
            "customers": p.customers.iter().map(|(c, q)| json!({"customer": c, "sold_t": num(tonnes(*q), 6)})).collect::<Vec<_>>(),
            "custody_models": p.custody_models,
        });
        // Only where there is a gap (the fields of a complete product are unchanged).
        if !p.data_gaps.is_empty() {
            entry["complete"] = json!(false);
            entry["data_gaps"] = json!(p.data_gaps);
        }
        products.push(entry);
    }
    let _ = writeln!(
        text,
        "CO2e excludes CO and VOC, which have no GWP100 in the {} table.",
        ledger.entity().gwp.as_str().to_uppercase()
    );
    let mut m = base(ledger, scope, "product-intensity");
    m.insert("products".into(), Value::Array(products));
    let total = if all_mass > 0 { all_co2 / Q::from_integer(all_mass as i128) } else { exact::q(0) };
    m.insert("total_kgCO2_per_kg".into(), num(total, 6));
    if any_gap {
        m.insert("complete".into(), Value::Bool(false));
    }
    (text, Value::Object(m))
}
