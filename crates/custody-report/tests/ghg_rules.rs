//! The GHG inventory's rules beyond the EFI figures (issue 20): stated gas read as stated on a
//! molar ledger, the CO/VOC rule per entity, the residual mix, categories 10 and 11 estimated,
//! the ETS share of Scope 1, restatements, and what `--year` sums. Every expected value is
//! computed here from the journal's inputs, not read back from the statement.

use custody_core::statements::{ghg_inventory, Scope, Status};
use custody_core::units::{CarbonRatios, Species};
use custody_report::{render, render_year, Format};
use serde_json::Value;

fn load(text: &str) -> custody_core::Ledger {
    custody_journal::load(&[custody_journal::Source { name: "t".into(), text: text.into() }])
        .unwrap_or_else(|(_, d)| panic!("{d:#?}"))
}

fn json(l: &custody_core::Ledger, kind: &str, period: &str) -> Value {
    serde_json::from_str(&render(l, kind, Some(period), Format::Json).unwrap()).unwrap()
}

fn esrs_row(v: &Value, name: &str) -> Value {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["datapoint"] == name)
        .unwrap_or_else(|| panic!("no row {name}"))
        .clone()
}

const ETS_ROW: &str = "Percentage of Scope 1 GHG emissions from regulated emission trading schemes";

/// 3 tCO2 stated four ways: a supplier's footprint for ore, one for power, a grid factor giving
/// 3 t for the power's 10 MWh (300 g/kWh), and a direct emission.
fn three_tonnes(ratios: &str) -> String {
    format!(
        "entity m \"M\"\n  ratios {ratios}\n  gwp ar6\ncounterparty s \"S\"\ncounterparty grid \"Grid\"\ncounterparty c \"C\"\n\
         item ore \"Ore\"\n  category raw-material\n  carbon-content 2%\n\
         item power \"Power\"\n  category electricity\n  grid-factor 300 gCO2/kWh \"test grid\"\n\
         item steel \"Steel\"\n  category product\n\
         period 2025 2025-01-01 2025-12-31\n\
         2025-01-10 purchase p1\n  supplier s\n  item ore\n  quantity 100 t\n  attributed 3 tCO2\n\
         2025-01-11 purchase e1\n  supplier grid\n  item power\n  quantity 10 MWh\n  attributed 3 tCO2\n\
         2025-01-12 consume c1\n  use ore 100 t\n  use power 10 MWh\n\
         2025-01-13 emit d\n  emission 3 tCO2\n\
         2025-01-14 produce pr\n  output steel 100 t\n\
         2025-01-15 sell s1\n  item steel\n  customer c share 100%\n"
    )
}

#[test]
fn a_stated_3_tco2_reads_exactly_3_on_a_molar_ledger_in_all_three_reports() {
    let l = load(&three_tonnes("molar"));
    let g = ghg_inventory(&l, &Scope::resolve(&l, Some("2025")).unwrap());
    // The carbon booked for 3 tCO2, converted back, is not 3 t: the reports must not do that.
    let gc = *g.scope1.generated.get(&Species::CO2).unwrap();
    let back = CarbonRatios::Molar.gas_grams(Species::CO2, gc);
    assert_ne!(back, custody_core::exact::q(3_000_000), "the test needs a ledger where conversion is lossy");
    let three = Some(3.0);
    let v = json(&l, "ghg-inventory", "2025");
    assert_eq!(v["scope1"]["by_gas"][0]["t"].as_f64(), three, "{}", v["scope1"]);
    assert_eq!(v["scope1"]["generated_tCO2"].as_f64(), three);
    assert_eq!(v["scope1"]["tCO2e"].as_f64(), three);
    assert_eq!(v["scope2"]["location_by_gas"][0]["t"].as_f64(), three);
    assert_eq!(v["scope2"]["market_by_gas"][0]["t"].as_f64(), three);
    assert_eq!(v["scope2"]["market_based_tCO2e"].as_f64(), three);
    assert_eq!(v["scope3"][0]["by_gas"][0]["t"].as_f64(), three);
    assert_eq!(v["totals"]["location_based_tCO2e"].as_f64(), Some(9.0));
    assert_eq!(v["reconciliation"]["difference_gC"], 0);
    let text = render(&l, "ghg-inventory", Some("2025"), Format::Text).unwrap();
    assert!(text.lines().any(|x| x.starts_with("CO2 generated") && x.trim_end().ends_with("3.00")), "{text}");
    let e = json(&l, "esrs-e1-6", "2025");
    assert_eq!(esrs_row(&e, "Gross Scope 1 GHG emissions")["value"].as_f64(), three);
    assert_eq!(esrs_row(&e, "Gross market-based Scope 2 GHG emissions")["value"].as_f64(), three);
    let el = json(&l, "eledger", "2025");
    assert_eq!(el["direct_gross_tCO2"].as_f64(), three, "{el}");
    for p in el["purchases"].as_array().unwrap() {
        assert_eq!(p["tCO2"].as_f64(), three, "{p}");
    }
    assert_eq!(el["purchases_subtotal_tCO2"].as_f64(), Some(6.0));
}

#[test]
fn co_and_voc_follow_the_entitys_rule_excluded_by_default_or_oxidised() {
    // EFI ratios: 1 tCO holds 429,000 gC, which oxidised is 429,000 / 0.273 g CO2.
    let base = three_tonnes("efi").replace("  emission 3 tCO2\n", "  emission 3 tCO2\n  emission 1 tCO\n");
    let excluded = load(&base);
    let oxidised = load(&base.replace("  gwp ar6\n", "  gwp ar6\n  co-voc oxidised\n"));
    let (a, b) = (json(&excluded, "ghg-inventory", "2025"), json(&oxidised, "ghg-inventory", "2025"));
    assert_eq!(a["scope1"]["co_voc_rule"], "excluded");
    assert_eq!(b["scope1"]["co_voc_rule"], "oxidised");
    assert_eq!(a["scope1"]["tCO2e"].as_f64(), Some(3.0));
    let co2_of_co = 429_000.0 / 0.273 / 1_000_000.0;
    let s1 = b["scope1"]["tCO2e"].as_f64().unwrap();
    assert!((s1 - (3.0 + co2_of_co)).abs() < 1e-6, "{s1}");
    assert_eq!(b["scope1"]["co_voc"][0]["tC"].as_f64(), Some(0.429));
    assert!((b["scope1"]["co_voc"][0]["tCO2e"].as_f64().unwrap() - co2_of_co).abs() < 1e-6);
    assert_eq!(a["scope1"]["co_voc"][0]["tCO2e"].as_f64(), Some(0.0));
    assert!(b["scope1"]["co_voc"][0]["rule"].as_str().unwrap().contains("IPCC 2006"));
    // Totals and ESRS follow the same rule; the carbon ledger is the same either way.
    let diff =
        b["totals"]["market_based_tCO2e"].as_f64().unwrap() - a["totals"]["market_based_tCO2e"].as_f64().unwrap();
    assert!((diff - co2_of_co).abs() < 1e-6, "{diff}");
    let e = json(&oxidised, "esrs-e1-6", "2025");
    assert_eq!(esrs_row(&e, "Gross Scope 1 GHG emissions")["value"], b["scope1"]["tCO2e"]);
    // The carbon reconciled is the same either way (only the lines' tCO2e views follow the rule).
    let gc = |v: &Value| -> Vec<Value> {
        v["reconciliation"]["lines"].as_array().unwrap().iter().map(|l| l["gC"].clone()).collect()
    };
    assert_eq!(gc(&a), gc(&b));
    assert_eq!(
        (a["reconciliation"]["difference_gC"].as_i64(), b["reconciliation"]["difference_gC"].as_i64()),
        (Some(0), Some(0))
    );
    // The rule survives export.
    let again = load(&custody_journal::export(&oxidised));
    assert_eq!(again.entity().co_voc, custody_core::model::CoVocRule::Oxidised);
    assert_eq!(load(&custody_journal::export(&excluded)).entity().co_voc, custody_core::model::CoVocRule::Excluded);
}

/// 10 MWh bought with the supplier's 3 tCO2, 20 MWh bought with no figure at all.
fn residual(declared: bool) -> String {
    let rm = if declared { "  residual-mix 600 gCO2/kWh \"AIB 2024 residual mix, DE\"\n" } else { "" };
    format!(
        "entity m \"M\"\n  ratios efi\n  gwp ar6\ncounterparty grid \"Grid\"\n\
         item power \"Power\"\n  category electricity\n  market-boundary DE\n  grid-factor 300 gCO2/kWh \"test grid\"\n{rm}\
         period 2025 2025-01-01 2025-12-31\n\
         2025-01-11 purchase e1\n  supplier grid\n  item power\n  quantity 10 MWh\n  attributed 3 tCO2\n\
         2025-02-11 purchase e2\n  supplier grid\n  item power\n  quantity 20 MWh\n"
    )
}

#[test]
fn market_based_scope2_uses_the_declared_residual_mix_for_energy_without_a_supplier_figure() {
    let v = json(&load(&residual(true)), "ghg-inventory", "2025");
    // 3 t supplier-specific + 20 MWh x 600 g/kWh = 12 t residual mix; location 30 MWh x 300 g/kWh.
    assert_eq!(v["scope2"]["market_based_tCO2e"].as_f64(), Some(15.0), "{}", v["scope2"]);
    assert_eq!(v["scope2"]["location_based_tCO2e"].as_f64(), Some(9.0));
    let item = &v["scope2"]["items"][0];
    assert_eq!(item["without_supplier_figure_kJ"], 72_000_000);
    assert_eq!(item["residual_mix_sources"][0], "AIB 2024 residual mix, DE");
    assert!(!v["missing"].as_array().unwrap().iter().any(|m| m.as_str().unwrap().contains("residual-mix")));
    // The reconciliation keeps what was booked: the residual mix is a reporting factor.
    assert_eq!(v["reconciliation"]["difference_gC"], 0);
    // Undeclared: nothing invented, the energy is listed as missing.
    let w = json(&load(&residual(false)), "ghg-inventory", "2025");
    assert_eq!(w["scope2"]["market_based_tCO2e"].as_f64(), Some(3.0));
    assert!(
        w["missing"].as_array().unwrap().iter().any(|m| m
            .as_str()
            .unwrap()
            .starts_with("residual-mix factor for Scope 2 item `power` (market boundary DE): 72000000 kJ")),
        "{}",
        w["missing"]
    );
    // A certificate covering 15 of the 30 MWh at 0 g/kWh: the uncovered half of each part stays,
    // 1.5 t supplier-specific + 10 MWh x 600 g/kWh = 6 t residual mix.
    let text = residual(true)
        + "2025-03-01 obtain c1\n  instrument eac\n  quantity 1 tCO2e\n  certificate GO-1\n  against power\n  covers 15 MWh\n  generated 2025-01-01 2025-01-31\n  boundary DE\n  rate 0 gCO2/kWh\n";
    let c = json(&load(&text), "ghg-inventory", "2025");
    assert_eq!(c["scope2"]["market_based_tCO2e"].as_f64(), Some(7.5), "{}", c["scope2"]);
    // The purchase without a figure reversed: its energy leaves the residual mix with it.
    let text = residual(true) + "2025-03-01 reverse r1\n  of e2\n";
    let r = json(&load(&text), "ghg-inventory", "2025");
    assert_eq!(r["scope2"]["items"][0]["without_supplier_figure_kJ"], 0);
    assert_eq!(r["scope2"]["market_based_tCO2e"].as_f64(), Some(3.0), "{}", r["scope2"]);
    assert_eq!(r["scope2"]["location_based_tCO2e"].as_f64(), Some(3.0));
    // 5 MWh of it returned to the supplier from its own lot (FIFO): 15 MWh are left for the
    // residual mix, 3 + 15 x 0.6 = 12 t; location 25 MWh x 0.3 = 7.5 t.
    let text = residual(true).replace("  market-boundary DE\n", "  costing fifo\n  market-boundary DE\n")
        + "2025-03-01 return r1\n  purchase e2\n  quantity 5 MWh\n";
    let r = json(&load(&text), "ghg-inventory", "2025");
    assert_eq!(r["scope2"]["items"][0]["without_supplier_figure_kJ"], 54_000_000);
    assert_eq!(r["scope2"]["market_based_tCO2e"].as_f64(), Some(12.0), "{}", r["scope2"]);
    assert_eq!(r["scope2"]["location_based_tCO2e"].as_f64(), Some(7.5));
    // The declaration round-trips through export.
    let l = load(&residual(true));
    assert_eq!(load(&custody_journal::export(&l)).item("power"), l.item("power"));
}

#[test]
fn categories_10_and_11_are_estimated_from_content_sold_and_a_declared_fate() {
    // Steel carries all the content left in production: 2% of 100 t ore less the 3 tCO2 emitted
    // (x 0.273 gC/g); 10% of it oxidised in processing, 20% in use, 30% at end of life.
    let base = three_tonnes("efi");
    let content: i64 = 2_000_000 - 819_000;
    let declared = base.replace(
        "  category product\n",
        "  category product\n  processing oxidised 10%\n  use oxidised 20%\n  end-of-life oxidised 30%\n",
    );
    let l = load(&declared);
    let g = ghg_inventory(&l, &Scope::resolve(&l, Some("2025")).unwrap());
    let v = json(&l, "ghg-inventory", "2025");
    for (n, gc) in [(10u8, content / 10), (11, content * 2 / 10), (12, content * 3 / 10)] {
        let c = &g.scope3[n as usize - 1];
        assert_eq!((c.status, c.by_species.get(&Species::CO2).copied()), (Status::Estimate, Some(gc)), "category {n}");
        let t = v["scope3"][n as usize - 1]["tCO2e"].as_f64().unwrap();
        assert!((t - gc as f64 / 0.273 / 1e6).abs() < 1e-6, "category {n}: {t}");
    }
    // Estimates are not ledger flows: the reconciliation is unchanged and still 0.
    assert_eq!(v["reconciliation"]["difference_gC"], 0);
    // Without declarations: not covered, tCO2e null, and each product sold listed as missing.
    let u = json(&load(&base), "ghg-inventory", "2025");
    for n in [10usize, 11, 12] {
        assert_eq!(
            (u["scope3"][n - 1]["status"].as_str(), u["scope3"][n - 1]["tCO2e"].clone()),
            (Some("not-covered"), Value::Null)
        );
    }
    let missing = u["missing"].to_string();
    assert!(missing.contains("processing fate of `steel`") && missing.contains("use fate of `steel`"), "{missing}");
    // Carbon cannot be burnt twice: shares above 100% in all are refused.
    let over =
        base.replace("  category product\n", "  category product\n  use oxidised 60%\n  end-of-life oxidised 50%\n");
    let (_, d) = custody_journal::load(&[custody_journal::Source { name: "t".into(), text: over }]).unwrap_err();
    assert!(format!("{d:?}").contains("sum to more than 100%"), "{d:?}");
    assert_eq!(load(&custody_journal::export(&l)).item("steel"), l.item("steel"));
}

/// Ore bought at two sites, 3 tCO2 emitted at `a` and 1 tCO2 at `b`.
fn two_sites(a: &str, b: &str) -> String {
    format!(
        "entity m \"M\"\n  ratios efi\n  gwp ar6\ncounterparty s \"S\"\n\
         site a \"A\"\n{a}site b \"B\"\n{b}\
         item ore \"Ore\"\n  category raw-material\n  carbon-content 2%\n\
         period 2025 2025-01-01 2025-12-31\n\
         2025-01-10 purchase pa\n  supplier s\n  item ore\n  quantity 100 t\n  site a\n  attributed 1 tCO2\n\
         2025-01-10 purchase pb\n  supplier s\n  item ore\n  quantity 100 t\n  site b\n  attributed 1 tCO2\n\
         2025-01-12 consume ca\n  site a\n  use ore 100 t\n\
         2025-01-12 consume cb\n  site b\n  use ore 100 t\n\
         2025-01-13 emit da\n  site a\n  emission 3 tCO2\n\
         2025-01-13 emit db\n  site b\n  emission 1 tCO2\n"
    )
}

#[test]
fn esrs_share_of_scope1_under_an_ets_comes_from_each_sites_declaration() {
    let covered = load(&two_sites("  ets \"EU ETS\"\n", "  ets none\n"));
    let row = esrs_row(&json(&covered, "esrs-e1-6", "2025"), ETS_ROW);
    // 3 of the 4 tCO2 released are at the EU ETS site.
    assert_eq!((row["value"].as_f64(), row["status"].as_str()), (Some(75.0), Some("reported")), "{row}");
    assert!(row["note"].as_str().unwrap().contains("EU ETS"));
    let none = load(&two_sites("  ets none\n", "  ets none\n"));
    assert_eq!(esrs_row(&json(&none, "esrs-e1-6", "2025"), ETS_ROW)["value"].as_f64(), Some(0.0));
    // One site undeclared: the share is unknown, not guessed.
    let half = load(&two_sites("  ets \"EU ETS\"\n", ""));
    let v = json(&half, "esrs-e1-6", "2025");
    let row = esrs_row(&v, ETS_ROW);
    assert_eq!((row["value"].clone(), row["status"].as_str()), (Value::Null, Some("missing")));
    assert!(row["note"].as_str().unwrap().contains("site `b`"), "{row}");
    assert!(v["missing"].to_string().contains("site `b` does not declare"));
    // The declaration round-trips through export.
    assert_eq!(load(&custody_journal::export(&covered)).site("a"), covered.site("a"));
}

#[test]
fn a_reversal_in_a_later_period_is_listed_as_a_restatement_of_the_earlier_one() {
    let text = "entity m \"M\"\n  ratios efi\n  gwp ar6\ncounterparty s \"S\"\n\
        item ore \"Ore\"\n  category raw-material\n\
        period q1 2025-01-01 2025-03-31\nperiod q2 2025-04-01 2025-06-30\n\
        2025-02-10 purchase p1\n  supplier s\n  item ore\n  quantity 100 t\n  attributed 3 tCO2\n\
        2025-04-10 purchase p2\n  supplier s\n  item ore\n  quantity 100 t\n  attributed 2 tCO2\n\
        2025-05-01 reverse r1\n  of p1\n";
    let l = load(text);
    let q2 = json(&l, "ghg-inventory", "q2");
    // Q2's category 1 is its own 2 t: the reversal corrects Q1 and is listed as its restatement,
    // not netted into Q2; the reconciliation names it and still holds to the gram.
    assert_eq!(q2["scope3"][0]["tCO2e"].as_f64(), Some(2.0));
    assert_eq!(q2["reconciliation"]["difference_gC"], 0, "{}", q2["reconciliation"]);
    assert!(q2["reconciliation"]["lines"].as_array().unwrap().iter().any(|l| l["key"] == "restatements"));
    let r = &q2["restatements"].as_array().unwrap()[..];
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!((r[0]["reversal"].as_str(), r[0]["reverses"].as_str()), (Some("r1"), Some("p1")));
    assert_eq!((r[0]["original_period"].as_str(), r[0]["reversed_date"].as_str()), (Some("q1"), Some("2025-02-10")));
    assert_eq!(r[0]["tCO2e"].as_f64(), Some(-3.0));
    assert!(render(&l, "ghg-inventory", Some("q2"), Format::Text).unwrap().contains("r1 on 2025-05-01 reverses `p1`"));
    let e = json(&l, "esrs-e1-6", "q2");
    let csv = render(&l, "esrs-e1-6", Some("q2"), Format::Csv).unwrap();
    assert_eq!(csv.lines().next(), Some("datapoint,value,unit,status,note"), "the CSV stays the rows");
    assert_eq!(
        (e["restatements"][0]["reverses"].as_str(), e["restatements"][0]["tCO2e"].as_f64()),
        (Some("p1"), Some(-3.0))
    );
    // Q1 as it stands and the year (which holds both) list none: nothing there is restated.
    assert_eq!(json(&l, "ghg-inventory", "q1")["restatements"], serde_json::json!([]));
    let y: Value = serde_json::from_str(&render_year(&l, "ghg-inventory", 2025, Format::Json).unwrap()).unwrap();
    assert_eq!((y["restatements"].clone(), y["scope3"][0]["tCO2e"].as_f64()), (serde_json::json!([]), Some(2.0)));
}

#[test]
fn a_year_sums_the_periods_inside_it_and_refuses_a_period_across_two_years() {
    let head =
        "entity m \"M\"\n  ratios efi\n  gwp ar6\ncounterparty s \"S\"\nitem ore \"Ore\"\n  category raw-material\n";
    let buy = |id: &str, date: &str, t: u32| {
        format!("{date} purchase {id}\n  supplier s\n  item ore\n  quantity 1 t\n  attributed {t} tCO2\n")
    };
    let inside = format!(
        "{head}period h1 2025-01-01 2025-06-30\nperiod h2 2025-07-01 2025-12-31\nperiod n1 2026-01-01 2026-06-30\n{}{}{}",
        buy("a", "2025-02-01", 1),
        buy("b", "2025-08-01", 2),
        buy("c", "2026-02-01", 4)
    );
    let l = load(&inside);
    let y: Value = serde_json::from_str(&render_year(&l, "ghg-inventory", 2025, Format::Json).unwrap()).unwrap();
    assert_eq!(y["periods"], serde_json::json!(["h1", "h2"]));
    assert_eq!(y["scope3"][0]["tCO2e"].as_f64(), Some(3.0));
    // A fiscal year from July to June lies in no calendar year: refused, naming the period.
    let fiscal = format!(
        "{head}period fy 2025-07-01 2026-06-30\nperiod n2 2026-07-01 2026-12-31\n{}{}",
        buy("a", "2025-08-01", 1),
        buy("b", "2026-02-01", 2)
    );
    let l = load(&fiscal);
    for year in [2025, 2026] {
        let e = render_year(&l, "ghg-inventory", year, Format::Json).unwrap_err();
        assert!(e.contains("period `fy` (2025-07-01 to 2026-06-30) spans two calendar years"), "{e}");
        assert!(e.contains("--period fy"), "{e}");
    }
    assert!(render_year(&l, "ghg-inventory", 2027, Format::Json)
        .unwrap_err()
        .contains("no period of the ledger lies in 2027"));
}

/// The breaker's case (a 2025 reversal of a 2024 power purchase without a supplier figure wiped
/// out 2025's Scope 2 and made gross figures negative) and its kind: a reversal of any earlier
/// period's purchase, emission or capture leaves this period's scopes as its own operations make
/// them, is listed as a restatement, and the reconciliation still holds to the gram.
#[test]
fn reversals_of_earlier_periods_are_restatements_not_this_periods_reductions() {
    let head = "entity m \"M\"\n  ratios efi\n  gwp ar6\ncounterparty grid \"G\"\ncounterparty sup \"S\"\n\
        item power \"P\"\n  category electricity\n  residual-mix 600 gCO2/kWh \"AIB\"\n  grid-factor 400 gCO2/kWh \"grid\"\n\
        item ore \"Ore\"\n  category raw-material\n  carbon-content 10%\n\
        period 2024 2024-01-01 2024-12-31\nperiod 2025 2025-01-01 2025-12-31\n\
        2024-05-01 purchase oc\n  supplier sup\n  item ore\n  quantity 100 t\n  factor 1 tCO2/t\n\
        2024-05-02 consume c1\n  use ore 100 t\n";
    let earlier = [
        ("p1", "purchase p1\n  supplier grid\n  item power\n  quantity 3 GWh\n"),
        ("o1", "purchase o1\n  supplier sup\n  item ore\n  quantity 100 t\n  factor 1 tCO2/t\n"),
        ("e1", "emit e1\n  emission 30 tCO2\n"),
    ];
    let this_year = "2025-03-01 purchase p2\n  supplier grid\n  item power\n  quantity 1 GWh\n\
        2025-03-02 purchase o2\n  supplier sup\n  item ore\n  quantity 10 t\n  factor 1 tCO2/t\n\
        2025-03-03 emit e2\n  emission 5 tCO2\n";
    let base: String = earlier.iter().map(|(_, op)| format!("2024-06-01 {op}")).collect();
    let without = json(&load(&format!("{head}{base}{this_year}")), "ghg-inventory", "2025");
    for n in 0..=earlier.len() {
        let reversals: String =
            earlier[..n].iter().map(|(id, _)| format!("2025-02-01 reverse rv-{id}\n  of {id}\n")).collect();
        let with = json(&load(&format!("{head}{base}{reversals}{this_year}")), "ghg-inventory", "2025");
        for path in [&["scope1", "tCO2e"][..], &["scope2", "location_based_tCO2e"], &["scope2", "market_based_tCO2e"]] {
            let get = |v: &Value| path.iter().fold(v.clone(), |v, k| v[*k].clone());
            assert_eq!(get(&with), get(&without), "{n} reversals: {path:?}");
        }
        assert_eq!(with["scope3"][0]["tCO2e"], without["scope3"][0]["tCO2e"], "{n} reversals: category 1");
        assert_eq!(with["restatements"].as_array().unwrap().len(), n);
        assert_eq!(with["reconciliation"]["difference_gC"], 0, "{n}: {}", with["reconciliation"]);
    }
    // This year's own figures: 1 GWh at 400 and 600 g/kWh, 10 t of ore, 5 t emitted.
    assert_eq!(without["scope2"]["location_based_tCO2e"].as_f64(), Some(400.0));
    assert_eq!(without["scope2"]["market_based_tCO2e"].as_f64(), Some(600.0));
}

/// The breaker's case (a year with only an H1 period reported as the whole year) and its kind:
/// every day of the year outside the periods is named in `missing`, at the start, in the middle
/// and at the end; a year fully covered names none.
#[test]
fn a_year_only_partly_covered_by_periods_lists_the_uncovered_days_as_missing() {
    let head =
        "entity m \"M\"\n  ratios efi\n  gwp ar6\ncounterparty s \"S\"\nitem ore \"Ore\"\n  category raw-material\n";
    let gaps = |periods: &str| -> Vec<String> {
        let l = load(&format!("{head}{periods}"));
        let y: Value = serde_json::from_str(&render_year(&l, "ghg-inventory", 2025, Format::Json).unwrap()).unwrap();
        y["missing"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m.as_str())
            .filter(|m| m.contains("no period of the ledger covers"))
            .map(|m| m.split(':').next().unwrap().to_string())
            .collect()
    };
    let cases: [(&str, &[&str]); 4] = [
        ("period h1 2025-01-01 2025-06-30\n", &["2025-07-01 to 2025-12-31"]),
        (
            "period q2 2025-04-01 2025-06-30\nperiod q4 2025-10-01 2025-12-31\n",
            &["2025-01-01 to 2025-03-31", "2025-07-01 to 2025-09-30"],
        ),
        ("period m2 2025-02-01 2025-02-28\n", &["2025-01-01 to 2025-01-31", "2025-03-01 to 2025-12-31"]),
        ("period h1 2025-01-01 2025-06-30\nperiod h2 2025-07-01 2025-12-31\n", &[]),
    ];
    for (periods, want) in cases {
        assert_eq!(gaps(periods), want.iter().map(|w| w.to_string()).collect::<Vec<_>>(), "{periods}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]
    /// Market-based Scope 2 against a small reference model: purchases with or without the
    /// supplier's figure, one certificate covering part (or more than all) of the consumption.
    /// Certificates cover the consumption pro rata; the uncovered share of the supplier figures
    /// stays, the uncovered share of the energy without a figure takes the 600 g/kWh residual
    /// mix, the covered energy the certificate's rate. Exact in grams of CO2.
    #[test]
    fn market_based_scope2_matches_the_reference_model(
        buys in proptest::collection::vec((1i64..50, proptest::option::of(0i64..20)), 1..6),
        cert in proptest::option::of((1i64..120, 0i64..500)),
    ) {
        let mut text = "entity m \"M\"\n  ratios molar\n  gwp ar6\ncounterparty grid \"Grid\"\n\
            item power \"Power\"\n  category electricity\n  market-boundary DE\n  grid-factor 300 gCO2/kWh \"test grid\"\n\
            residual-mix 600 gCO2/kWh \"AIB\"\nperiod 2025 2025-01-01 2025-12-31\n".replace("\nresidual-mix", "\n  residual-mix");
        for (i, (mwh, t)) in buys.iter().enumerate() {
            text += &format!("2025-02-{:02} purchase b{i}\n  supplier grid\n  item power\n  quantity {mwh} MWh\n", i + 1);
            if let Some(t) = t {
                text += &format!("  attributed {t} tCO2\n");
            }
        }
        if let Some((mwh, rate)) = cert {
            text += &format!("2025-03-01 obtain c1\n  instrument eac\n  quantity 1 tCO2e\n  certificate GO-1\n  against power\n  covers {mwh} MWh\n  generated 2025-01-01 2025-01-31\n  boundary DE\n  rate {rate} gCO2/kWh\n");
        }
        let l = load(&text);
        let v = json(&l, "ghg-inventory", "2025");
        // Reference, in grams of CO2 as exact fractions n / d with d = total MWh.
        let total: i64 = buys.iter().map(|b| b.0).sum();
        let covered = cert.map(|c| c.0.min(total)).unwrap_or(0);
        let supplier_g: i64 = buys.iter().filter_map(|b| b.1).sum::<i64>() * 1_000_000;
        let gap_mwh: i64 = buys.iter().filter(|b| b.1.is_none()).map(|b| b.0).sum();
        let uncovered = total - covered;
        // share x (supplier + gap x 600 kg/MWh) + covered x rate kg/MWh
        let n = uncovered as i128 * (supplier_g as i128 + gap_mwh as i128 * 600_000)
            + total as i128 * covered as i128 * cert.map(|c| c.1).unwrap_or(0) as i128 * 1_000;
        let expected_t = n as f64 / total as f64 / 1e6;
        let shown = v["scope2"]["market_based_tCO2e"].as_f64().unwrap();
        proptest::prop_assert!((shown - expected_t).abs() <= 6e-7, "shown {shown}, expected {expected_t}");
        let location = v["scope2"]["location_based_tCO2e"].as_f64().unwrap();
        proptest::prop_assert!((location - total as f64 * 0.3).abs() <= 6e-7, "{location}");
        proptest::prop_assert_eq!(v["reconciliation"]["difference_gC"].as_i64(), Some(0));
        proptest::prop_assert_eq!(
            v["missing"].to_string().contains("residual-mix factor"),
            false
        );
    }
}
