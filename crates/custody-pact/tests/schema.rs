//! Footprints from a ledger: values by hand, the v3 schema (`../shared/ext/pact/v3/openapi.yaml`,
//! `components/schemas/ProductFootprint`) for every generated footprint and every example under
//! `../shared/ext/pact/v3/examples`, and the custody extension schema in this repository.
//! Schema checks skip, with a message, without `../shared`.

use custody_core::exact::parse_decimal;
use custody_pact::{footprints, Generated, Options};
use serde_json::{json, Value};
use std::path::PathBuf;

fn pact_dir() -> Option<PathBuf> {
    let d = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/ext/pact/v3"));
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!("SKIPPED: {} is absent: PACT v3 schema checks are not run", d.display());
        None
    }
}

/// A validator for `components/schemas/NAME` of the v3 OpenAPI document.
fn validator(dir: &std::path::Path, name: &str) -> jsonschema::Validator {
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("openapi.yaml")).unwrap()).unwrap();
    let doc: Value = serde_json::to_value(yaml).unwrap();
    let root = json!({"$ref": format!("#/components/schemas/{name}"), "components": doc["components"]});
    jsonschema::draft202012::new(&root).unwrap()
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path())).collect()
}

const JOURNAL: &str = "entity seller \"Seller\"\n  ratios efi\n  gwp ar5\n\
    period 2025-03 2025-03-01 2025-03-31\n\
    site works \"Works\"\n  country DE\n  default\n\
    counterparty ore-co \"Ore\"\ncounterparty buyer-2 \"B2\"\ncounterparty rail \"Rail\"\n\
    item ore \"Ore\"\n  category raw-material\nitem bar \"Bar\"\n  category product\n\
    2025-03-02 purchase p1\n  supplier ore-co\n  item ore\n  quantity 1000 t\n  factor 100 kgCO2/t\n  factor 1 kgCH4/t\n  content 20 tC\n\
    2025-03-03 consume c1\n  use ore 1000 t\n\
    2025-03-04 produce m1\n  output bar 500 t content 20 tC\n\
    2025-03-05 sell s1\n  item bar\n  customer buyer-2 share 100%\n  carrier rail\n  transport 10 kgCO2/t\n";

fn ledger(text: &str) -> custody_core::Ledger {
    custody_journal::load(&[custody_journal::Source { name: "pact.journal".into(), text: text.into() }])
        .unwrap_or_else(|(_, d)| panic!("{d:#?}"))
}

fn opts() -> Options {
    Options {
        issuer: "seller.example".into(),
        standards: vec!["GHGP-Product".into()],
        exempted_percent: parse_decimal("0"),
        base_url: "https://localhost:8443".into(),
    }
}

fn generated() -> Vec<Generated> {
    footprints(&ledger(&format!("{JOURNAL}close 2025-03\n")), &opts())
}

#[test]
fn an_open_period_gives_no_footprint() {
    assert!(footprints(&ledger(JOURNAL), &opts()).is_empty());
}

#[test]
fn a_product_sold_in_a_closed_period_has_its_cradle_to_gate_footprint() {
    let g = generated();
    assert_eq!(g.len(), 1, "one product sold");
    let (g, pf) = (&g[0], &g[0].footprint);
    assert!(g.complete(), "{:?}", g.missing);
    // By hand: (100 tCO2 + 1 tCH4 x 28 (AR5)) over 500,000 kg = 0.256 kgCO2e/kg, the seller's
    // transport to its customer excluded; 20 tC over 500,000 kg = 0.04 kgC/kg.
    assert_eq!(pf["pcf"]["pcfExcludingBiogenicUptake"], "0.256");
    assert_eq!(pf["pcf"]["pcfIncludingBiogenicUptake"], "0.256");
    assert_eq!(pf["pcf"]["fossilGhgEmissions"], "0.256");
    assert_eq!(pf["pcf"]["fossilCarbonContent"], "0.04");
    assert_eq!(pf["pcf"]["declaredUnitOfMeasurement"], "kilogram");
    assert_eq!(pf["pcf"]["referencePeriodStart"], "2025-03-01T00:00:00Z");
    assert_eq!(pf["pcf"]["referencePeriodEnd"], "2025-04-01T00:00:00Z", "the end is exclusive");
    assert_eq!(pf["pcf"]["geographyCountry"], "DE");
    assert_eq!(pf["pcf"]["ipccCharacterizationFactors"], json!(["AR5"]));
    assert_eq!(pf["productIds"], json!(["urn:pact:seller.example:product-id:bar"]));
    assert_eq!(pf["companyIds"], json!(["urn:pact:seller.example:company-id:seller"]));
    assert_eq!((pf["companyName"].as_str(), pf["productNameCompany"].as_str()), (Some("Seller"), Some("Bar")));
    let data = &pf["extensions"][0]["data"];
    assert_eq!((data["item"].as_str(), data["period"].as_str()), (Some("bar"), Some("2025-03")));
    assert_eq!(data["quantitySold"], "500000000");
    // The purchase's stated gas, unchanged: 100 t CO2 and 1 t CH4 in grams.
    let raw = data["byOrigin"].as_array().unwrap().iter().find(|o| o["origin"] == "raw-materials").unwrap();
    assert_eq!(raw["gasGrams"], json!({"CO2": "100000000", "CH4": "1000000"}));
}

#[test]
fn the_id_is_stable_and_changes_with_the_content() {
    let (a, b) = (generated(), generated());
    assert_eq!(a[0].id(), b[0].id());
    assert!(custody_pact::events::is_uuid(a[0].id()), "{}", a[0].id());
    let other =
        footprints(&ledger(&format!("{}close 2025-03\n", JOURNAL.replace("100 kgCO2/t", "101 kgCO2/t"))), &opts());
    assert_ne!(a[0].id(), other[0].id());
    let mut moved = opts();
    moved.base_url = "https://elsewhere:1".into();
    let c = footprints(&ledger(&format!("{JOURNAL}close 2025-03\n")), &moved);
    assert_eq!(a[0].id(), c[0].id(), "the server's URL is not part of the footprint's identity");
}

#[test]
fn what_the_owner_does_not_declare_is_missing_never_invented() {
    let l = ledger(&format!("{JOURNAL}close 2025-03\n"));
    let g = footprints(&l, &Options { issuer: "x.example".into(), ..Options::default() });
    let required: Vec<&str> = g[0].missing.iter().filter(|m| m.required).map(|m| m.field).collect();
    assert_eq!(required, ["pcf.crossSectoralStandards", "pcf.exemptedEmissionsPercent"]);
    assert!(!g[0].complete());
    assert!(g[0].footprint["pcf"].get("crossSectoralStandards").is_none());
    assert!(g[0].footprint["pcf"].get("exemptedEmissionsPercent").is_none());
    // The missing list is in the extension too.
    assert_eq!(g[0].footprint["extensions"][0]["data"]["missing"].as_array().unwrap().len(), g[0].missing.len());
}

#[test]
fn generated_footprints_validate_against_the_v3_schema_and_the_extension_schema() {
    let mut all = generated();
    let efi =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/efi-h2-dri-eaf/efi.journal"))
            .unwrap();
    all.extend(footprints(&ledger(&efi), &opts()));
    assert_eq!(all.len(), 2, "the EFI example's steel, January 2025");
    let ext: Value = serde_json::from_str(custody_pact::EXTENSION_SCHEMA).unwrap();
    let ext = jsonschema::draft202012::new(&ext).unwrap();
    for g in &all {
        assert!(errors(&ext, &g.footprint["extensions"][0]["data"]).is_empty());
    }
    let Some(dir) = pact_dir() else { return };
    let v = validator(&dir, "ProductFootprint");
    for g in &all {
        assert_eq!(
            errors(&v, &g.footprint),
            Vec::<String>::new(),
            "{}",
            serde_json::to_string_pretty(&g.footprint).unwrap()
        );
    }
    // The validator is not vacuous: a footprint without its pcf fails.
    let mut bad = all[0].footprint.clone();
    bad.as_object_mut().unwrap().remove("pcf");
    assert!(!errors(&v, &bad).is_empty());
}

#[test]
fn every_v3_example_validates() {
    let Some(dir) = pact_dir() else { return };
    let pf = validator(&dir, "ProductFootprint");
    let err = validator(&dir, "Error");
    let mut checked = 0;
    let mut names: Vec<_> = std::fs::read_dir(dir.join("examples")).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    for p in names {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let (v, docs): (&jsonschema::Validator, Vec<&Value>) = if name.starts_with("example-") {
            (&pf, vec![&doc])
        } else if name == "get-footprint-response.json" {
            (&pf, vec![&doc["data"]])
        } else if name.starts_with("list-footprints") {
            (&pf, doc["data"].as_array().unwrap().iter().collect())
        } else if name.starts_with("error-") {
            (&err, vec![&doc])
        } else if name == "pf-response-event.json" {
            // The event schemas in the OpenAPI put a `$ref` under `properties`, which no JSON
            // Schema validator compiles: the envelope is read by custody's own parser instead.
            assert!(custody_pact::events::parse(&doc).is_ok(), "{name}");
            (&pf, doc["data"]["pfs"].as_array().unwrap().iter().collect())
        } else if name.starts_with("invalid-") {
            // The tolerance example (obsolete v2 fields such as `updated`, a malformed date in
            // one): the v3 schema forbids no unknown property, so it validates and must parse.
            (&pf, doc["data"].as_array().unwrap().iter().collect())
        } else {
            panic!("an example this test does not know: {name}");
        };
        for d in docs {
            assert_eq!(errors(v, d), Vec::<String>::new(), "{name}");
        }
        checked += 1;
    }
    assert_eq!(checked, 9);
}

/// A mass-balance pool at the works whose output is the bar; the claim gives 100 t of it the
/// clean input's factor, the rest carries the residual.
const POOL: &str = "item green \"Green input\"\n  category product\n\
    pool works-pool \"Works pool\"\n  attribute emission-intensity\n  method credit\n  eligible green\n  \
    start 2025-03\n  period 1 months\n  boundary site works\n  group flat bar\n  group-key mass\n  \
    attribution non-proportional\n  output updated-factor\n  claim \"Buyer's scope 3, mass-balance\"\n  conversion 1\n\
    2025-03-06 pool-input i1\n  pool works-pool\n  item green\n  quantity 100 t\n  intensity 0.1 tCO2e/t\n  site works\n\
    2025-03-06 pool-input i2\n  pool works-pool\n  item ore\n  quantity 400 t\n  site works\n\
    2025-03-06 pool-output o1\n  pool works-pool\n  item bar\n  quantity 500 t\n  site works\n\
    2025-03-06 pool-claim claim-1\n  pool works-pool\n  output o1\n  quantity 100 t\n  factor 0.1 tCO2e/t\n\
    2025-04-01 pool-close q1\n  pool works-pool\n";

#[test]
fn a_mass_balance_claim_is_in_the_extension_beside_the_physical_footprint() {
    let text = format!(
        "{}{POOL}close 2025-03\n",
        JOURNAL.replace("2025-03-31\n", "2025-03-31\nperiod 2025-04 2025-04-01 2025-04-30\n")
    );
    let g = footprints(&ledger(&text), &opts());
    assert_eq!(g.len(), 1);
    let data = &g[0].footprint["extensions"][0]["data"];
    // The physical footprint is unchanged by the claim.
    assert_eq!(g[0].footprint["pcf"]["pcfExcludingBiogenicUptake"], "0.256");
    assert_eq!(data["physicalFactor"], "0.256");
    let c = &data["claims"][0];
    assert_eq!((c["pool"].as_str(), c["claim"].as_str()), (Some("works-pool"), Some("claim-1")));
    assert_eq!((c["method"].as_str(), c["attribution"].as_str()), (Some("credit"), Some("non-proportional")));
    assert_eq!(c["claimedFactor"], "0.1");
    assert_eq!(c["quantityClaimed"], "100000000");
    // By hand: inputs 100 t x 0.1 + 400 t of ore at the ledger's 0.128 (100 kgCO2 + 1 kgCH4 x 28
    // per t) = 61.2 tCO2e over 500 t; 100 t claimed at 0.1 leave 51.2 tCO2e over 400 t: 0.128.
    assert_eq!(c["residualFactor"], "0.128");
    let ext: Value = serde_json::from_str(custody_pact::EXTENSION_SCHEMA).unwrap();
    assert!(errors(&jsonschema::draft202012::new(&ext).unwrap(), data).is_empty());
}
