//! The GHG inventory of the EFI case study (issue 20 acceptance): every figure recomputed here
//! from the journal's inputs with exact integer arithmetic, then compared with the statement to
//! the gram of carbon and with the JSON contract to the hundredth of a tonne.

use custody_core::statements::{ghg_inventory, ReconSide, Scope, Status};
use custody_core::units::Species;
use custody_report::{render, render_year, Format};
use serde_json::Value;

fn efi() -> custody_core::Ledger {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/efi-h2-dri-eaf/efi.journal");
    let text = std::fs::read_to_string(path).unwrap();
    custody_journal::load(&[custody_journal::Source { name: "efi.journal".into(), text }]).unwrap()
}

/// n / d rounded half to even (the ledger's one rounding rule, written again here).
fn round(n: i128, d: i128) -> i128 {
    let (q, r) = (n.div_euclid(d), n.rem_euclid(d));
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q & 1),
    }
}

/// Tonnes of CO2 for an exact gas mass in grams x 1000 (the EFI ratio 0.273 as 273/1000).
fn gc_of_co2_grams(grams_num: i128, grams_den: i128) -> i128 {
    round(grams_num * 273, grams_den * 1000)
}

fn co2(m: &custody_core::statements::BySpecies) -> i128 {
    *m.get(&Species::CO2).unwrap_or(&0) as i128
}

/// A JSON number as hundredths of a tonne (display figures are exact decimals).
fn hundredths(v: &Value) -> i64 {
    (v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")) * 100.0).round() as i64
}

#[test]
fn efi_scopes_and_reconciliation_to_the_gram() {
    let ledger = efi();
    let g = ghg_inventory(&ledger, &Scope::resolve(&ledger, Some("2025-01")).unwrap());
    // Scope 1 (metered inputs, tonnes of CO2 x 10^6 g x 0.273 gC/g, each rounded once).
    let generated = gc_of_co2_grams(82_682_280_000, 1);
    let captured = gc_of_co2_grams(57_315_400_000, 1);
    let process = gc_of_co2_grams(5_731_500_000, 1);
    assert_eq!(co2(&g.scope1.generated), generated);
    assert_eq!(co2(&g.scope1.captured), captured);
    assert_eq!(co2(&g.scope1.capture_process), process);
    assert_eq!(co2(&g.scope1.released), generated - captured + process);
    // Scope 2 location-based: 109.4 GWh x 675.28 gCO2/kWh (the grid factor).
    assert_eq!(co2(&g.scope2.location), gc_of_co2_grams(109_400_000 * 67_528, 100));
    // Scope 3 category 1: iron ore 137,000 t x 87.8 g/kg, limestone 24,100 t x 2.78, scrap 333,100 t x 3.24.
    let cat = |n: u8| g.scope3.iter().find(|c| c.category == n).unwrap();
    let cat1 = gc_of_co2_grams(137_000_000 * 878, 10)
        + gc_of_co2_grams(24_100_000 * 278, 100)
        + gc_of_co2_grams(333_100_000 * 324, 100);
    assert_eq!(co2(&cat(1).by_species), cat1);
    // Category 2: nothing capitalised in the month.
    assert!(cat(2).by_species.is_empty());
    assert_eq!(cat(2).status, Status::Ledger);
    // Category 3: coal's declared 401 tCO2, and natural gas 1,161 MMcf x 0.028316846592 m3/ft3
    // x 0.7517 kg/m3 x 47.14 MJ/kg x 4.53 gCO2/MJ.
    let gas =
        gc_of_co2_grams(1_161_000_000 * 28_316_846_592 * 7_517 * 4_714 * 453, 1_000_000_000_000 * 10_000 * 100 * 100);
    assert_eq!(co2(&cat(3).by_species), gc_of_co2_grams(401_000_000, 1) + gas);
    // Category 4: 4.957 kgCO2/t on each customer's tonnes (48.1% and 51.9% of 416,000 t).
    let transport = gc_of_co2_grams(200_096 * 4_957, 1) + gc_of_co2_grams(215_904 * 4_957, 1);
    assert_eq!(co2(&cat(4).by_species), transport);
    // Depreciation: 261,687 tCO2 capitalised, month 241 of 600 less the 240 taken before.
    let cap = gc_of_co2_grams(261_687_000_000, 1);
    let dep = round(cap * 241, 600) - round(cap * 240, 600);
    let line = |k: &str| g.reconciliation.iter().find(|l| l.key == k).unwrap_or_else(|| panic!("no line {k}"));
    assert_eq!(co2(&line("depreciated").by_species), -dep);
    assert_eq!(line("depreciated").side, ReconSide::Ledger);
    assert_eq!(co2(&line("transport_passed_on").by_species), transport);
    // Reconciliation: the inventory side equals the ledger side, species by species.
    assert_eq!(g.difference_gc(), 0);
    assert!(g.difference.is_empty(), "{:?}", g.difference);
    for n in 5..=15 {
        assert_eq!(cat(n).status, Status::NotCovered, "category {n}");
    }
}

#[test]
fn efi_json_contract_and_acceptance_figures() {
    let ledger = efi();
    let v: Value =
        serde_json::from_str(&render(&ledger, "ghg-inventory", Some("2025-01"), Format::Json).unwrap()).unwrap();
    for k in [
        "statement",
        "entity",
        "period",
        "gwp",
        "scope1",
        "scope2",
        "scope3",
        "totals",
        "reconciliation",
        "targets",
        "missing",
    ] {
        assert!(v.get(k).is_some(), "missing field {k}");
    }
    let s1 = &v["scope1"];
    for k in ["tCO2e", "by_gas", "generated_tCO2", "captured_tCO2", "biogenic_tCO2"] {
        assert!(s1.get(k).is_some(), "scope1.{k}");
    }
    assert_eq!(s1["by_gas"][0]["gas"], "CO2");
    assert_eq!(hundredths(&s1["by_gas"][0]["t"]), 3_109_838);
    assert_eq!(hundredths(&s1["generated_tCO2"]), 8_268_228);
    assert_eq!(hundredths(&s1["captured_tCO2"]), 5_158_390);
    let s2 = &v["scope2"];
    for k in ["location_based_tCO2e", "market_based_tCO2e", "location_by_gas", "instruments"] {
        assert!(s2.get(k).is_some(), "scope2.{k}");
    }
    assert_eq!(s2["location_by_gas"][0]["gas"], "CO2");
    assert_eq!(hundredths(&s2["location_by_gas"][0]["t"]), 7_387_563);
    let s3 = v["scope3"].as_array().unwrap();
    assert_eq!(s3.len(), 15);
    let cat_co2 = |n: usize| hundredths(&s3[n - 1]["by_gas"][0]["t"]);
    assert_eq!((cat_co2(1), cat_co2(2), cat_co2(3), cat_co2(4)), (1_317_484, 0, 567_827, 206_211));
    for c in s3 {
        for k in ["category", "name", "tCO2e", "by_gas", "status"] {
            assert!(c.get(k).is_some(), "scope3[].{k}");
        }
    }
    assert_eq!(s3[5]["status"], "not-covered");
    assert_eq!(s3[5]["tCO2e"], Value::Null);
    assert!(v["totals"].get("location_based_tCO2e").is_some() && v["totals"].get("market_based_tCO2e").is_some());
    assert_eq!(v["reconciliation"]["difference_gC"], 0);
    let dep = v["reconciliation"]["lines"].as_array().unwrap().iter().find(|l| l["key"] == "depreciated").unwrap();
    // 119,067,585 gC / 0.273 = 436.145 tCO2 exactly; shown as (436.14), half to even.
    assert_eq!(dep["tCO2"].as_f64(), Some(-436.145));
    let text = render(&ledger, "ghg-inventory", Some("2025-01"), Format::Text).unwrap();
    assert!(text.lines().any(|l| l.starts_with("Less depreciated") && l.ends_with("(436.14)")), "{text}");
    // A year sums its periods: the EFI ledger has one, so the figures are the same.
    let y: Value = serde_json::from_str(&render_year(&ledger, "ghg-inventory", 2025, Format::Json).unwrap()).unwrap();
    assert_eq!(y["year"], 2025);
    assert!(y.get("period").is_none());
    assert_eq!(y["scope1"], v["scope1"]);
    assert!(render_year(&ledger, "ghg-inventory", 2024, Format::Json).is_err());
}

#[test]
fn efi_csv_has_one_row_per_figure() {
    let csv = render(&efi(), "ghg-inventory", Some("2025-01"), Format::Csv).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("section,category,name,gas,t,tCO2e,status"));
    assert!(csv.lines().any(|l| l.starts_with("scope1,,released,CO2,31098.38")), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("scope2,,location-based,CO2,73875.63")), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("scope3,1,Purchased goods and services,CO2,13174.84")), "{csv}");
    assert!(csv.lines().any(|l| l == "scope3,6,Business travel,,,,not-covered"), "{csv}");
}

#[test]
fn esrs_e1_6_table_reports_what_the_ledger_knows_and_lists_the_rest_as_missing() {
    let row = |v: &Value, name: &str| -> Value {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["datapoint"] == name)
            .unwrap_or_else(|| panic!("no row {name}"))
            .clone()
    };
    let ledger = efi();
    let inv: Value =
        serde_json::from_str(&render(&ledger, "ghg-inventory", Some("2025-01"), Format::Json).unwrap()).unwrap();
    let v: Value = serde_json::from_str(&render(&ledger, "esrs-e1-6", Some("2025-01"), Format::Json).unwrap()).unwrap();
    assert_eq!(row(&v, "Gross Scope 1 GHG emissions")["value"], inv["scope1"]["tCO2e"]);
    assert_eq!(row(&v, "Gross location-based Scope 2 GHG emissions")["value"], inv["scope2"]["location_based_tCO2e"]);
    assert_eq!(row(&v, "Gross market-based Scope 2 GHG emissions")["value"], inv["scope2"]["market_based_tCO2e"]);
    assert_eq!(row(&v, "Total GHG emissions (location-based)")["value"], inv["totals"]["location_based_tCO2e"]);
    assert_eq!(row(&v, "Total GHG emissions (market-based)")["value"], inv["totals"]["market_based_tCO2e"]);
    // Category 2 booked nothing: not a significant category row; 5-15 are listed as missing.
    assert!(v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| !r["datapoint"].as_str().unwrap().starts_with("Scope 3 category 2")));
    for name in [
        "Percentage of Scope 1 GHG emissions from regulated emission trading schemes",
        "Biogenic CO2 emissions (outside the scopes)",
        "GHG intensity per net revenue (location-based)",
    ] {
        assert_eq!((row(&v, name)["value"].clone(), row(&v, name)["status"].clone()), (Value::Null, "missing".into()));
    }
    assert!(v["missing"].as_array().unwrap().iter().any(|m| m.as_str().unwrap().starts_with("Scope 3 category 6")));
    // Declared revenue gives the intensity: total / revenue, exactly.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/efi-h2-dri-eaf/efi.journal");
    let text = std::fs::read_to_string(path).unwrap().replace(
        "period 2025-01 2025-01-01 2025-01-31\n",
        "period 2025-01 2025-01-01 2025-01-31\n  revenue 250000000 USD\n",
    );
    let l = custody_journal::load(&[custody_journal::Source { name: "r".into(), text }]).unwrap();
    let v: Value = serde_json::from_str(&render(&l, "esrs-e1-6", Some("2025-01"), Format::Json).unwrap()).unwrap();
    let r = row(&v, "GHG intensity per net revenue (location-based)");
    assert_eq!(r["status"], "reported");
    let total = row(&v, "Total GHG emissions (location-based)")["value"].as_f64().unwrap();
    assert!((r["value"].as_f64().unwrap() - total / 250_000_000.0).abs() < 1e-9, "{r}");
    let csv = render(&l, "esrs-e1-6", Some("2025-01"), Format::Csv).unwrap();
    assert_eq!(csv.lines().next(), Some("datapoint,value,unit,status,note"));
}

/// Power bought: 100 MWh in 2024, 40 + 30 MWh in two quarters of 2025, all at 500 gCO2/kWh.
const POWER: &str = "entity p \"P\"\n  ratios efi\n  gwp ar5\ncounterparty grid \"Grid\"\n\
    item power \"Power\"\n  category electricity\n  grid-factor 400 gCO2/kWh \"test grid\"\n\
    period 2024 2024-01-01 2024-12-31\n  revenue 1000000 EUR\nperiod 2025-q1 2025-01-01 2025-03-31\n  revenue 300000 EUR\n\
    period 2025-q2 2025-04-01 2025-06-30\n  revenue 400000 EUR\n\
    2024-06-01 purchase b0\n  supplier grid\n  item power\n  quantity 100 MWh\n  factor 500 gCO2/kWh\n\
    2025-02-01 purchase b1\n  supplier grid\n  item power\n  quantity 40 MWh\n  factor 500 gCO2/kWh\n\
    2025-05-01 purchase b2\n  supplier grid\n  item power\n  quantity 30 MWh\n  factor 500 gCO2/kWh\n\
    target half \"Scope 2 halved by 2026\"\n  baseline-period 2024\n  baseline-year 2024\n  reduction 50%\n  year 2026\n  scope scope2-market\n\
    target stated \"Stated base year\"\n  baseline 60 tCO2e\n  baseline-period 2024\n  baseline-year 2024\n  reduction 50%\n  year 2026\n  scope scope1+2-location\n  recalculate-above 5%\n\
    target per-eur \"Intensity\"\n  baseline-period 2024\n  baseline-year 2024\n  reduction 10%\n  year 2026\n  scope total-market\n  basis intensity\n\
    target travel \"Business travel\"\n  baseline 5 tCO2e\n  baseline-year 2024\n  reduction 10%\n  year 2026\n  scope scope3-6\n";

#[test]
fn scope_targets_measure_progress_from_the_base_year_and_flag_recalculation() {
    let l = custody_journal::load(&[custody_journal::Source { name: "p".into(), text: POWER.into() }])
        .unwrap_or_else(|(_, d)| panic!("{d:#?}"));
    let v: Value = serde_json::from_str(&render_year(&l, "ghg-inventory", 2025, Format::Json).unwrap()).unwrap();
    let target = |id: &str| v["targets"].as_array().unwrap().iter().find(|t| t["target"] == id).unwrap().clone();
    // A year sums its periods: 70 MWh at 500 g/kWh market-based, 400 g/kWh location-based.
    assert_eq!(v["scope2"]["market_based_tCO2e"].as_f64(), Some(35.0));
    assert_eq!(v["scope2"]["location_based_tCO2e"].as_f64(), Some(28.0));
    // Base year 2024: 50 tCO2e market-based; 2025: 35 = 30% less; half by 2026 needs 25% by 2025.
    let half = target("half");
    assert_eq!((half["baseline_tCO2e"].as_f64(), half["period_tCO2e"].as_f64()), (Some(50.0), Some(35.0)));
    assert_eq!(half["reduction_achieved"].as_f64(), Some(0.3));
    assert_eq!(half["reduction_required_now"].as_f64(), Some(0.25));
    assert_eq!((half["on_track"].clone(), half["baseline_source"].clone()), (Value::Bool(true), "period 2024".into()));
    // Stated 60 t against the ledger's 40 t location-based base year: 33% apart, above 5%.
    let stated = target("stated");
    assert_eq!(stated["recalculation"]["ledger_baseline_tCO2e"].as_f64(), Some(40.0));
    assert_eq!(stated["recalculation"]["required"], true);
    assert_eq!(stated["reduction_achieved"].as_f64(), Some(0.533333)); // 1 - 28/60, six decimals
                                                                       // Intensity: 50 t / 1,000,000 EUR in 2024; 35 t / 700,000 EUR in 2025: no change.
    let per = target("per-eur");
    assert_eq!((per["unit"].as_str(), per["reduction_achieved"].as_f64()), (Some("tCO2e per EUR"), Some(0.0)));
    assert_eq!(per["on_track"], false);
    // A target on what the ledger cannot know is listed as missing, never computed as zero.
    assert!(target("travel")["missing"].as_str().unwrap().contains("not covered"));
    // Scope targets are the inventory's; `report purchased-goods` keeps to its own target kind.
    let pg: Value = serde_json::from_str(&render_year(&l, "purchased-goods", 2025, Format::Json).unwrap()).unwrap();
    assert_eq!(pg["targets"], serde_json::json!([]));
}

#[test]
fn market_based_scope2_applies_each_certificate_once_within_the_consumption() {
    // 70 MWh bought in 2025 at 500 g/kWh (market) and 400 g/kWh (grid). Certificates: 20 MWh at
    // 0 g/kWh and 60 MWh at 100 g/kWh, applied in date order: the second covers only the 50 MWh
    // left. Market-based = 0 x 20 + 100 x 50 = 5 tCO2 (nothing left at the supplier's rate).
    let text = POWER.replace("  grid-factor 400", "  market-boundary MISO\n  grid-factor 400")
        + "2025-05-02 obtain c1\n  instrument eac\n  quantity 1 tCO2e\n  certificate GO-1\n  against power\n  covers 20 MWh\n  generated 2025-01-01 2025-03-31\n  boundary MISO\n  rate 0 gCO2/kWh\n\
           2025-05-03 obtain c2\n  instrument eac\n  quantity 1 tCO2e\n  certificate GO-2\n  against power\n  covers 60 MWh\n  generated 2025-04-01 2025-04-30\n  boundary MISO\n  rate 100 gCO2/kWh\n\
           2025-05-04 obtain r1\n  instrument removal\n  quantity 3 tCO2e\n";
    let l = custody_journal::load(&[custody_journal::Source { name: "p".into(), text }])
        .unwrap_or_else(|(_, d)| panic!("{d:#?}"));
    let v: Value = serde_json::from_str(&render_year(&l, "ghg-inventory", 2025, Format::Json).unwrap()).unwrap();
    let s2 = &v["scope2"];
    assert_eq!(s2["market_based_tCO2e"].as_f64(), Some(5.0), "{s2}");
    assert_eq!(s2["location_based_tCO2e"].as_f64(), Some(28.0));
    let inst = s2["instruments"].as_array().unwrap();
    assert_eq!((inst[0]["applied"].clone(), inst[0]["covered_kJ"].clone()), (Value::Bool(true), 72_000_000.into()));
    assert_eq!((inst[1]["applied"].clone(), inst[1]["covered_kJ"].clone()), (Value::Bool(true), 180_000_000.into()));
    assert!(inst[1]["reason"].as_str().unwrap().contains("exceeds the consumption"));
    assert_eq!(inst[2]["applied"], false);
    // The reconciliation keeps the booked supplier figure: certificates never touch the ledger.
    assert_eq!(v["reconciliation"]["difference_gC"], 0);
    // The first quarter alone: only its 40 MWh, and neither certificate (dated in May).
    let q1: Value = serde_json::from_str(&render(&l, "ghg-inventory", Some("2025-q1"), Format::Json).unwrap()).unwrap();
    assert_eq!(q1["scope2"]["market_based_tCO2e"].as_f64(), Some(20.0));
    assert!(q1["scope2"]["instruments"].as_array().unwrap().is_empty());
    // The certificates round-trip through export.
    let again =
        custody_journal::load(&[custody_journal::Source { name: "x".into(), text: custody_journal::export(&l) }])
            .unwrap();
    assert_eq!(l.instruments(), again.instruments());
}

#[test]
fn a_split_purchase_places_its_parts_and_still_reconciles() {
    // 8% of the electricity's footprint (its upstream and grid losses) to category 3.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/efi-h2-dri-eaf/efi.journal");
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace("  measure energy\n", "  measure energy\n  ghg-split scope3-3 8%\n");
    let split = custody_journal::load(&[custody_journal::Source { name: "s".into(), text }]).unwrap();
    let whole = efi();
    let scope = |l: &custody_core::Ledger| Scope::resolve(l, Some("2025-01")).unwrap();
    let (a, b) = (ghg_inventory(&whole, &scope(&whole)), ghg_inventory(&split, &scope(&split)));
    let cat3 = |g: &custody_core::statements::GhgInventory| co2(&g.scope3[2].by_species);
    let booked = |g: &custody_core::statements::GhgInventory| co2(&g.scope2.items[0].booked);
    let e = booked(&a);
    // Largest remainder of e into 92% and 8%, written again here.
    let part = e * 8 / 100 + if (e * 8 % 100) * 2 > 100 { 1 } else { 0 };
    assert_eq!((booked(&b), cat3(&b)), (e - part, cat3(&a) + part));
    assert_eq!(b.difference_gc(), 0);
    // The location-based figure is the grid's generation factor: unchanged.
    assert_eq!(a.scope2.location, b.scope2.location);
}
