//! The footprint of a delivered sale (`custody_pact::delivery`): figures by hand, and the v3
//! schema (`../shared/ext/pact/v3/openapi.yaml`, skipped with a message without `../shared`).

use custody_core::exact::parse_decimal;
use custody_core::units::Species;
use custody_pact::delivery::{footprint, Line};
use custody_pact::Options;
use serde_json::{json, Value};
use std::path::PathBuf;

const JOURNAL: &str = "entity seller \"Seller\"\n  ratios efi\n  gwp ar5\nperiod 2025-03 2025-03-01 2025-03-31\n\
    item bar \"Bar\"\n  category product\n";

fn opts() -> Options {
    Options {
        issuer: "seller.example".into(),
        standards: vec!["GHGP-Product".into()],
        exempted_percent: parse_decimal("0"),
        base_url: "https://localhost:8443".into(),
    }
}

fn delivered() -> Value {
    let l = custody_journal::load(&[custody_journal::Source { name: "d.journal".into(), text: JOURNAL.into() }])
        .unwrap_or_else(|(_, d)| panic!("{d:#?}"));
    // 500 t of bar carrying 100 t CO2 and 1 t CH4 (as stated) and 20 tC of content.
    let lines: Vec<Line> = vec![
        ("content".into(), Species::C, 20_000_000, None),
        ("emissions".into(), Species::CO2, 27_272_727, Some(100_000_000)),
        ("emissions".into(), Species::CH4, 750_000, Some(1_000_000)),
    ];
    let date = custody_core::model::parse_date("2025-03-05").unwrap();
    footprint(l.entity(), l.item("bar").unwrap(), date, 500_000_000, &lines, json!({"id": "seller/s1/buyer"}), &opts())
        .unwrap()
}

#[test]
fn a_delivered_sale_states_its_amounts_per_kg() {
    let pf = delivered();
    // AR5: (100 t CO2 + 28 x 1 t CH4) / 500 t = 0.256 kgCO2e/kg; 20 tC / 500 t = 0.04 kgC/kg.
    assert_eq!(pf["pcf"]["pcfExcludingBiogenicUptake"], "0.256");
    assert_eq!(pf["pcf"]["fossilGhgEmissions"], "0.256");
    assert_eq!(pf["pcf"]["fossilCarbonContent"], "0.04");
    assert_eq!(pf["pcf"]["referencePeriodStart"], "2025-03-05T00:00:00Z");
    assert_eq!(pf["pcf"]["referencePeriodEnd"], "2025-03-06T00:00:00Z");
    assert_eq!(pf["extensions"][0]["data"]["transfer"]["id"], "seller/s1/buyer");
    assert_eq!(pf["productIds"], json!(["urn:pact:seller.example:product-id:bar"]));
}

#[test]
fn a_delivered_sale_validates_against_the_v3_schema() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/ext/pact/v3"));
    if !dir.is_dir() {
        eprintln!("SKIPPED: {} is absent: the v3 schema check is not run", dir.display());
        return;
    }
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("openapi.yaml")).unwrap()).unwrap();
    let doc: Value = serde_json::to_value(yaml).unwrap();
    let root = json!({"$ref": "#/components/schemas/ProductFootprint", "components": doc["components"]});
    let v = jsonschema::draft202012::new(&root).unwrap();
    let pf = delivered();
    let errors: Vec<String> = v.iter_errors(&pf).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert_eq!(errors, Vec::<String>::new(), "{pf:#}");
}
