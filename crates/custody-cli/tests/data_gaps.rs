//! End-to-end: missing is not zero downstream (hostile test 2, F3 and F12). A product made from
//! purchases without emission data is incomplete in product-intensity, reaches no level in
//! `assess` (a failing `data gap` check naming the purchases), shows no footprint in the
//! disclosure, and its sale carries the gap to a buyer of the same registry, whose own product
//! made from it is incomplete too, whatever the buyer's costing method.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn custody(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custody")).args(args).output().expect("the binary runs")
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON output")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("custody-gaps-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Hostile test 2's `gap.journal`: dri-a 100 t at 550 gCO2/kg, dri-b 100 t with no data, dri-c
/// 100 t with content only; all melted into 300 t of steel sold to `buyer`.
const GAP: &str = "entity m \"Mill\"\n  ratios efi\n  gwp ar6\ncounterparty sup-a \"A\"\ncounterparty sup-b \"B\"\n\
counterparty sup-c \"C\"\ncounterparty buyer \"Buyer entity\"\nitem dri \"DRI\"\n  category raw-material\n  carbon-content 0.02\n\
item steel \"Steel\"\n  category product\nperiod 2025 2025-01-01 2025-12-31\n\
2025-03-01 purchase dri-a\n  supplier sup-a\n  item dri\n  quantity 100 t\n  factor 550 gCO2/kg\n\
2025-03-01 purchase dri-b\n  supplier sup-b\n  item dri\n  quantity 100 t\n\
2025-03-01 purchase dri-c\n  supplier sup-c\n  item dri\n  quantity 100 t\n  content 2 tC\n\
2025-03-02 consume melt\n  use dri 300 t\n2025-03-02 produce make\n  output steel 300 t\n\
2025-03-03 sell s1\n  item steel\n  customer buyer 300 t\n";

#[test]
fn a_product_of_gap_purchases_is_incomplete_and_reaches_no_level() {
    let dir = temp_dir("assess");
    let path = dir.join("gap.journal");
    std::fs::write(&path, GAP).unwrap();
    let path = path.to_str().unwrap();

    let pi = json(&custody(&["report", "product-intensity", path, "--format", "json"]));
    let steel = &pi["products"][0];
    assert_eq!(steel["item"], "steel");
    assert_eq!(steel["complete"], false);
    assert_eq!(steel["data_gaps"], serde_json::json!(["dri-b", "dri-c"]));
    assert_eq!(pi["complete"], false);
    // The figure itself is dri-a's alone: 55 tCO2 over 300 t (a lower bound).
    assert_eq!(steel["total_kgCO2e_per_kg"].as_f64().unwrap(), 0.183333);

    let o = custody(&["assess", path, "--product", "steel", "--format", "json"]);
    let v = json(&o);
    assert_eq!(v["complete"], false);
    assert_eq!(v["data_gaps"], serde_json::json!(["dri-b", "dri-c"]));
    for verdict in v["verdicts"].as_array().unwrap() {
        assert_eq!(verdict["reached"], Value::Null, "{}", verdict["framework"]);
        let gap = verdict["reasons"].as_array().unwrap().iter().find(|r| r["check"] == "data gap").unwrap();
        assert_eq!(gap["ok"], false);
        assert!(gap["detail"].as_str().unwrap().contains("dri-b, dri-c"), "{gap}");
    }
    let text = String::from_utf8_lossy(&custody(&["assess", path, "--product", "steel"]).stdout).into_owned();
    assert!(text.contains("IEA near-zero and low-emission steel (bands A to E) [Achieving Net Zero Heavy Industry Sectors in G7 Members (2022); restated 2024]: reaches no level"), "{text}");
    assert!(text.contains("[no] data gap: no emission data for dri-b, dri-c"), "{text}");

    let d = json(&custody(&["report", "disclosure", path, "--format", "json"]));
    let f = &d["products"][0]["fields"]["footprint_per_tonne"];
    assert_eq!(f["value"], Value::Null, "{f}");
    assert!(f["missing"].as_str().unwrap().starts_with("incomplete: no emission data for dri-b, dri-c"), "{f}");

    let pg = json(&custody(&["report", "purchased-goods", path, "--format", "json"]));
    let listed: Vec<&str> =
        pg["data_gaps"].as_array().unwrap().iter().map(|g| g["purchase"].as_str().unwrap()).collect();
    assert_eq!(listed, ["dri-b", "dri-c"]);
    assert_eq!(pg["complete"], false);
}

/// The sale carries the gap to the buyer (an entity of the registry): its receive is a gap in
/// purchased-goods, and the slab it rolls from the steel is incomplete, named by the seller's
/// operations, with FIFO, moving-average and specific-lot costing alike.
#[test]
fn the_gap_travels_with_the_sale_to_the_buyer_and_its_products() {
    for costing in ["fifo", "mwa", "specific"] {
        let dir = temp_dir(&format!("transfer-{costing}"));
        let seller = dir.join("m.journal");
        std::fs::write(&seller, GAP).unwrap();
        let costing_line = if costing == "mwa" { String::new() } else { format!("  costing {costing}\n") };
        let lot = if costing == "specific" { "  lot r1\n" } else { "" };
        let use_lot = if costing == "specific" { " lot=r1" } else { "" };
        let buyer = dir.join("buyer.journal");
        std::fs::write(
            &buyer,
            format!(
                "entity buyer \"Buyer\"\n  ratios efi\n  gwp ar6\ncounterparty m \"Mill\"\ncounterparty c \"Customer\"\n\
                 item steel \"Steel\"\n  category raw-material\n{costing_line}item slab \"Slab\"\n  category product\n\
                 period 2025 2025-01-01 2025-12-31\n2025-03-04 receive r1\n  transfer m/s1/buyer\n  item steel\n{lot}\
                 2025-03-05 consume roll\n  use steel 300 t{use_lot}\n2025-03-05 produce make-slab\n  output slab 300 t\n\
                 2025-03-06 sell s2\n  item slab\n  customer c 300 t\n"
            ),
        )
        .unwrap();
        let url = format!("sqlite://{}", dir.join("x.db").display());
        let o = custody(&["import", seller.to_str().unwrap(), buyer.to_str().unwrap(), "--database-url", &url]);
        assert!(o.status.success(), "{costing}: {}", String::from_utf8_lossy(&o.stderr));
        let pg = json(&custody(&[
            "report",
            "purchased-goods",
            "--entity",
            "buyer",
            "--database-url",
            &url,
            "--format",
            "json",
        ]));
        assert_eq!(pg["complete"], false, "{costing}");
        assert_eq!(pg["data_gaps"][0]["purchase"], "r1", "{costing}");
        let pi = json(&custody(&[
            "report",
            "product-intensity",
            "--entity",
            "buyer",
            "--database-url",
            &url,
            "--format",
            "json",
        ]));
        assert_eq!(pi["products"][0]["data_gaps"], serde_json::json!(["m/dri-b", "m/dri-c"]), "{costing}");
        let v = json(&custody(&[
            "assess",
            "--entity",
            "buyer",
            "--product",
            "slab",
            "--database-url",
            &url,
            "--format",
            "json",
        ]));
        assert!(v["verdicts"].as_array().unwrap().iter().all(|x| x["reached"].is_null()), "{costing}");
        // The stored receive states the gaps it was given, and the books still verify.
        let verify = custody(&["verify", "--database-url", &url]);
        assert!(verify.status.success(), "{costing}: {}", String::from_utf8_lossy(&verify.stdout));
        let export = custody(&["export", "--entity", "buyer", "--database-url", &url]);
        let text = String::from_utf8_lossy(&export.stdout).into_owned();
        assert!(text.contains("  data-gap m/dri-b\n  data-gap m/dri-c\n"), "{costing}: {text}");
    }
}
