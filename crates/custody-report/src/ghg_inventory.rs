//! The corporate GHG inventory (`report ghg-inventory`): text, JSON (the contract of issue 20,
//! `docs/reports.md`) and CSV (one row per figure). Rules and sources: `docs/ghg-inventory.md`.

use crate::number::{co2e_of_gas, fmt_amount, gas_in, grams_to_tonnes, inventory_co2e, num};
use crate::purchased_goods::{purchased_total, target_progress};
use crate::table::{base, header, table};
use custody_core::exact::{self, Q};
use custody_core::model::CoVocRule;
use custody_core::statements::{self as st, BySpecies, GasBySpecies, Scope};
use custody_core::units::Species;
use custody_core::Ledger;
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// The gases Scope 1 is reported by (Corporate Standard ch. 4 lists the Kyoto gases; the ledger
/// holds no HFC or NF3): CO2, CH4, N2O, SF6 and the PFCs CF4 and C2F6 summed, and `CO2e` for
/// footprints known only in CO2e.
const GAS_ROWS: [(&str, &[Species]); 6] = [
    ("CO2", &[Species::CO2]),
    ("CH4", &[Species::CH4]),
    ("N2O", &[Species::N2O]),
    ("SF6", &[Species::SF6]),
    ("PFCs", &[Species::CF4, Species::C2F6]),
    ("CO2e", &[Species::CO2e]),
];

fn t(g: Q) -> Value {
    num(grams_to_tonnes(g), 6)
}

/// Grams of gas of the species summed (exact, stated figures as stated).
fn gas_t(m: &GasBySpecies, species: &[Species]) -> Q {
    species.iter().map(|s| gas_in(m, *s)).sum()
}

fn co2e_of(ledger: &Ledger, m: &GasBySpecies, species: &[Species]) -> Q {
    let sub: GasBySpecies = m.iter().filter(|(s, _)| species.contains(s)).map(|(s, a)| (*s, *a)).collect();
    co2e_of_gas(ledger, &sub)
}

/// `[{gas, t, tCO2e}]` for the gases with a GWP (every row, zeros included).
fn by_gas(ledger: &Ledger, m: &GasBySpecies) -> Value {
    Value::Array(
        GAS_ROWS
            .iter()
            .filter(|(g, sp)| *g != "CO2e" || sp.iter().any(|s| m.contains_key(s)))
            .map(|(g, sp)| json!({"gas": g, "t": t(gas_t(m, sp)), "tCO2e": t(co2e_of(ledger, m, sp))}))
            .collect(),
    )
}

/// The rule CO and VOC follow in this inventory, in words.
fn co_voc_rule(ledger: &Ledger) -> &'static str {
    match ledger.entity().co_voc {
        CoVocRule::Excluded => "excluded from tCO2e: no GWP100 in the ledger's table; shown in carbon mass",
        CoVocRule::Oxidised => {
            "counted in tCO2e as the CO2 its carbon becomes once oxidised (IPCC 2006 vol. 1 ch. 7); shown in carbon mass"
        }
    }
}

/// CO and VOC: carbon mass and gas mass, and the entity's rule with the tCO2e it counts.
fn co_voc(ledger: &Ledger, m: &BySpecies, g: &GasBySpecies) -> Value {
    Value::Array(
        [Species::CO, Species::VOC]
            .iter()
            .map(|s| {
                let a = m.get(s).copied().unwrap_or(0);
                let counted = match ledger.entity().co_voc {
                    CoVocRule::Excluded => exact::q(0),
                    CoVocRule::Oxidised => ledger.entity().ratios.gas_grams(Species::CO2, a),
                };
                json!({"gas": s.as_str(), "tC": t(Q::from_integer(a as i128)), "t": t(gas_in(g, *s)),
                       "tCO2e": t(counted), "rule": co_voc_rule(ledger)})
            })
            .collect(),
    )
}

fn species_map(m: &BySpecies) -> Value {
    Value::Object(m.iter().map(|(s, a)| (s.as_str().to_string(), json!(a))).collect::<Map<_, _>>())
}

/// The statement of `scope` as text and JSON.
pub(crate) fn ghg_inventory(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let g = st::ghg_inventory(ledger, scope);
    let tt = |x: Q| fmt_amount(grams_to_tonnes(x), 2);
    let co2 = |m: &GasBySpecies| gas_in(m, Species::CO2);
    let e = |c: &BySpecies, gas: &GasBySpecies| inventory_co2e(ledger, c, gas);
    let mut text = header(ledger, scope, "Corporate GHG inventory (GHG Protocol scopes), from the ledger");
    let s1 = &g.scope1;
    let abated = s1.abated_gas();
    let s1_e = e(&s1.released, &s1.released_gas);
    let mut rows = vec![vec!["Scope 1".to_string(), "t gas".into(), "tCO2e".into()]];
    rows.push(vec!["CO2 generated".into(), tt(co2(&s1.generated_gas)), String::new()]);
    rows.push(vec!["CO2 captured and sent to storage, gross".into(), tt(co2(&s1.captured_gas)), String::new()]);
    rows.push(vec!["CO2 of the capture process (in Scope 1)".into(), tt(co2(&s1.capture_process_gas)), String::new()]);
    rows.push(vec!["CO2 abated by capture (captured less process)".into(), tt(co2(&abated)), String::new()]);
    for (name, sp) in GAS_ROWS.iter().filter(|(n, sp)| *n != "CO2e" || sp.iter().any(|s| s1.released.contains_key(s))) {
        let label = format!("{name} released");
        rows.push(vec![label, tt(gas_t(&s1.released_gas, sp)), tt(co2e_of(ledger, &s1.released_gas, sp))]);
    }
    rows.push(vec!["Scope 1 total".into(), String::new(), tt(s1_e)]);
    text.push_str(&table(&rows));
    let _ = writeln!(
        text,
        "CO and VOC released ({}): {} tC CO, {} tC VOC",
        co_voc_rule(ledger),
        fmt_amount(grams_to_tonnes(Q::from_integer(*s1.released.get(&Species::CO).unwrap_or(&0) as i128)), 2),
        fmt_amount(grams_to_tonnes(Q::from_integer(*s1.released.get(&Species::VOC).unwrap_or(&0) as i128)), 2)
    );
    let (loc_e, mkt_e) = (e(&g.scope2.location, &g.scope2.location_gas), e(&g.scope2.market, &g.scope2.market_gas));
    let mut rows = vec![vec!["Scope 2".to_string(), "tCO2".into(), "tCO2e".into()]];
    rows.push(vec!["Location-based".into(), tt(co2(&g.scope2.location_gas)), tt(loc_e)]);
    rows.push(vec!["Market-based".into(), tt(co2(&g.scope2.market_gas)), tt(mkt_e)]);
    text.push('\n');
    text.push_str(&table(&rows));
    for i in &g.scope2.instruments {
        let status = if i.applied { "applied" } else { "not applied" };
        let _ = writeln!(text, "  instrument {} ({}): {status}: {}", i.id, i.kind, i.reason);
    }
    let mut rows = vec![vec!["Scope 3".to_string(), "status".into(), "tCO2".into(), "tCO2e".into()]];
    let mut s3_json = Vec::new();
    let mut s3_total = exact::q(0);
    for c in &g.scope3 {
        let covered = c.status != st::Status::NotCovered;
        let ce = e(&c.by_species, &c.gas);
        if covered {
            s3_total += ce;
        }
        rows.push(vec![
            format!("{:>2} {}", c.category, c.name),
            c.status.as_str().into(),
            if covered { tt(co2(&c.gas)) } else { "n/a".into() },
            if covered { tt(ce) } else { "n/a".into() },
        ]);
        s3_json.push(json!({
            "category": c.category, "name": c.name, "status": c.status.as_str(),
            "tCO2e": if covered { t(ce) } else { Value::Null },
            "by_gas": if covered { by_gas(ledger, &c.gas) } else { json!([]) },
        }));
    }
    text.push('\n');
    text.push_str(&table(&rows));
    let (tot_loc, tot_mkt) = (s1_e + loc_e + s3_total, s1_e + mkt_e + s3_total);
    let _ = writeln!(text, "\nTotal, location-based: {} tCO2e; market-based: {} tCO2e", tt(tot_loc), tt(tot_mkt));
    let mut rows = vec![vec!["Reconciliation".to_string(), "side".into(), "gC".into(), "tCO2".into()]];
    let mut lines = Vec::new();
    for l in &g.reconciliation {
        let gc: i64 = l.by_species.iter().filter(|(s, _)| s.is_carbon()).map(|(_, a)| *a).sum();
        rows.push(vec![l.label.clone(), l.side.as_str().into(), gc.to_string(), tt(co2(&l.gas))]);
        lines.push(json!({"key": l.key, "label": l.label, "side": l.side.as_str(), "gC": gc,
                          "tCO2": t(co2(&l.gas)), "tCO2e": t(e(&l.by_species, &l.gas)), "by_species": species_map(&l.by_species)}));
    }
    rows.push(vec![
        "Difference (inventory less ledger)".into(),
        String::new(),
        g.difference_gc().to_string(),
        String::new(),
    ]);
    text.push('\n');
    text.push_str(&table(&rows));
    let (targets_text, mut targets) = target_progress(ledger, scope, purchased_total(ledger, scope));
    text.push_str(&targets_text);
    let (scope_text, scope_targets) = crate::ghg_targets::scope_targets(ledger, scope);
    text.push_str(&scope_text);
    targets.extend(scope_targets);
    let mut missing: Vec<String> = g.missing.clone();
    missing.push("biogenic CO2 emissions: the ledger books no biogenic species (uptake of materials bought is shown as biogenic_uptake_tCO2)".into());
    let _ = writeln!(text, "\nMissing (unknown, never zero):");
    for m in &missing {
        let _ = writeln!(text, "  {m}");
    }
    let mut m = base(ledger, scope, "ghg-inventory");
    m.insert(
        "scope1".into(),
        json!({
            "tCO2e": t(s1_e), "by_gas": by_gas(ledger, &s1.released_gas),
            "generated_tCO2": t(co2(&s1.generated_gas)), "captured_tCO2": t(co2(&abated)),
            "captured_gross_tCO2": t(co2(&s1.captured_gas)), "capture_process_tCO2": t(co2(&s1.capture_process_gas)),
            "released_tCO2": t(co2(&s1.released_gas)), "co_voc": co_voc(ledger, &s1.released, &s1.released_gas),
            "co_voc_rule": ledger.entity().co_voc.as_str(),
            "biogenic_tCO2": Value::Null, "biogenic_uptake_tCO2": t(Q::from_integer(g.biogenic_uptake_gco2 as i128)),
        }),
    );
    let items: Vec<Value> = g
        .scope2
        .items
        .iter()
        .map(|i| {
            json!({"item": i.item, "quantity": i.quantity, "location_tCO2e": t(e(&i.location, &i.location_gas)),
                   "booked_tCO2e": t(e(&i.booked, &i.booked_gas)), "market_tCO2e": t(e(&i.market, &i.market_gas)),
                   "covered_by_certificates_kJ": i.covered_kj, "grid_sources": i.grid_sources,
                   "without_supplier_figure_kJ": i.gap_quantity, "residual_mix_sources": i.residual_sources})
        })
        .collect();
    let instruments: Vec<Value> = g
        .scope2
        .instruments
        .iter()
        .map(|i| {
            json!({"id": i.id, "kind": i.kind, "serial": i.serial, "tCO2e": t(Q::from_integer(i.co2e_g as i128)),
                   "covered_kJ": i.covered_kj, "applied": i.applied, "reason": i.reason})
        })
        .collect();
    m.insert(
        "scope2".into(),
        json!({
            "location_based_tCO2e": t(loc_e), "market_based_tCO2e": t(mkt_e),
            "location_by_gas": by_gas(ledger, &g.scope2.location_gas), "market_by_gas": by_gas(ledger, &g.scope2.market_gas),
            "items": items, "instruments": instruments,
        }),
    );
    m.insert("scope3".into(), Value::Array(s3_json));
    m.insert("totals".into(), json!({"location_based_tCO2e": t(tot_loc), "market_based_tCO2e": t(tot_mkt)}));
    m.insert(
        "reconciliation".into(),
        json!({"lines": lines, "difference_gC": g.difference_gc(), "difference_by_species": species_map(&g.difference)}),
    );
    m.insert("targets".into(), Value::Array(targets));
    let restatements: Vec<Value> = g
        .restatements
        .iter()
        .map(|r| {
            json!({"reversal": r.reversal, "date": custody_core::model::format_date(r.date), "reverses": r.reverses,
                   "reversed_date": custody_core::model::format_date(r.reversed_date), "original_period": r.original_period,
                   "tCO2e": t(e(&r.by_species, &r.gas)), "by_gas": by_gas(ledger, &r.gas)})
        })
        .collect();
    if !g.restatements.is_empty() {
        let _ = writeln!(
            text,
            "\nRestatements (reversals of operations of earlier periods: those periods' figures are restated):"
        );
        for r in &g.restatements {
            let _ = writeln!(
                text,
                "  {} on {} reverses `{}` of {} (period {}): {} tCO2e in this scope",
                r.reversal,
                custody_core::model::format_date(r.date),
                r.reverses,
                custody_core::model::format_date(r.reversed_date),
                r.original_period.as_deref().unwrap_or("none"),
                tt(e(&r.by_species, &r.gas))
            );
        }
    }
    m.insert("restatements".into(), Value::Array(restatements));
    m.insert("missing".into(), json!(missing));
    (text, Value::Object(m))
}

/// One CSV row per figure: section, category, name, gas, t, tCO2e, status.
pub(crate) fn csv(v: &Value) -> String {
    let mut rows = Vec::new();
    let mut push = |section: &str, category: Value, name: &str, gas: &Value, status: &str| {
        rows.push(json!({"section": section, "category": category, "name": name, "gas": gas["gas"],
                         "t": gas["t"], "tCO2e": gas["tCO2e"], "status": status}));
    };
    for g in v["scope1"]["by_gas"].as_array().into_iter().flatten() {
        push("scope1", Value::Null, "released", g, "ledger");
    }
    for (k, name) in [
        ("generated_tCO2", "generated"),
        ("captured_tCO2", "abated by capture"),
        ("capture_process_tCO2", "capture process"),
    ] {
        push("scope1", Value::Null, name, &json!({"gas": "CO2", "t": v["scope1"][k]}), "ledger");
    }
    for g in v["scope2"]["location_by_gas"].as_array().into_iter().flatten() {
        push("scope2", Value::Null, "location-based", g, "ledger");
    }
    for g in v["scope2"]["market_by_gas"].as_array().into_iter().flatten() {
        push("scope2", Value::Null, "market-based", g, "ledger");
    }
    for c in v["scope3"].as_array().into_iter().flatten() {
        let (cat, name, status) =
            (c["category"].clone(), c["name"].as_str().unwrap_or(""), c["status"].as_str().unwrap_or(""));
        match c["by_gas"].as_array().filter(|a| !a.is_empty()) {
            Some(gases) => gases.iter().for_each(|g| push("scope3", cat.clone(), name, g, status)),
            None => push("scope3", cat, name, &json!({}), status),
        }
    }
    crate::output::to_csv(&Value::Array(rows))
}
