//! End to end: `custody check` refuses what a mass-balance pool cannot physically take (hostile2
//! F14, F8, F1), naming the line and code, and `report pool` shows the credit of what it takes.

use std::process::{Command, Output};

/// hostile2 work/pool-sold-input.journal without the sale of the DRI: 100 t of DRI made at s1
/// (0.7 tCO2/t) and 300 t of BOF (2.2) pooled, BOF melted into 300 t of coil, 100 t of it sold.
const BASE: &str = r#"
entity p "Pool operator"
  ratios efi
  gwp ar6

counterparty sup "Supplier"
counterparty buyer "Buyer"
counterparty other "Other"

item dri-steel "DRI steel"
  category product
item ore "Ore for DRI"
  category raw-material
item bof-steel "BOF steel"
  category raw-material
item power "Power"
  category electricity
item coil "Coil"
  category product

period 2025 2025-01-01 2025-12-31

pool sa "Site A pool"
  attribute emission-intensity
  method credit
  eligible dri-steel
  start 2025-01
  period 3 months
  boundary site s1
  group flat coil
  group-key mass
  attribution non-proportional
  output updated-factor
  claim "Scope 3 cat 1"
  conversion 1

2025-02-01 purchase buy-ore
  supplier sup
  item ore
  quantity 100 t
  site s1
  factor 0.7 tCO2/t
2025-02-01 consume feed-dri
  site s1
  use ore 100 t
2025-02-01 produce buy-dri
  site s1
  output dri-steel 100 t
2025-02-01 purchase buy-bof
  supplier sup
  item bof-steel
  quantity 300 t
  site s1
  factor 2.2 tCO2/t
2025-02-02 pool-input in-dri
  pool sa
  item dri-steel
  operation buy-dri
  site s1
2025-02-02 pool-input in-bof
  pool sa
  item bof-steel
  operation buy-bof
  site s1
2025-02-04 consume melt
  site s1
  use bof-steel 300 t
2025-02-04 produce roll
  site s1
  output coil 300 t
2025-02-05 pool-output out-coil
  pool sa
  item coil
  operation roll
  site s1
"#;

fn check(extra: &str, name: &str) -> (Output, String) {
    let dir = std::env::temp_dir().join(format!("custody-pool-physics-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pool.journal");
    std::fs::write(&path, format!("{BASE}{extra}")).unwrap();
    let p = path.to_str().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_custody")).args(["check", &p]).output().expect("runs");
    (out, p)
}

fn refused_with(extra: &str, name: &str, code: &str, line: usize) {
    let (out, path) = check(extra, name);
    let err = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    let _ = std::fs::remove_dir_all(std::path::Path::new(&path).parent().unwrap());
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("{path}:{line}:1:")) && err.contains(code), "want {code} at line {line}: {err}");
}

#[test]
fn check_refuses_what_a_pool_cannot_take() {
    // The first line of what follows BASE (its first line is empty).
    let lines = BASE.lines().count() + 1;
    // F1: the credited DRI sold on unchanged.
    refused_with(
        "2025-02-06 sell sell-dri\n  item dri-steel\n  site s1\n  customer other 100 t\n",
        "sold",
        "[E033 reversal_has_dependant]",
        lines,
    );
    // F14: an input typed at -0.7 tCO2e/t.
    refused_with(
        "2025-02-06 pool-input neg\n  pool sa\n  item dri-steel\n  quantity 1 t\n  intensity -0.7 tCO2e/t\n  site s1\n",
        "negative",
        "[E032 negative_amount]",
        lines,
    );
    // F8: 1000 MWh of power pooled as if tonnes.
    refused_with(
        "2025-02-06 purchase buy-power\n  supplier sup\n  item power\n  quantity 1000 MWh\n  site s1\n  factor 400 gCO2/kWh\n2025-02-06 pool-input in-power\n  pool sa\n  item power\n  operation buy-power\n  site s1\n",
        "energy",
        "[E009 unit_mismatch]",
        lines + 6,
    );
    // The journal without them: 400 t in, 100 t credited, 300 t of coil out.
    let (out, path) = check("", "base");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rep = Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(["report", "pool", &path, "--format", "json"])
        .output()
        .expect("runs");
    let j: serde_json::Value = serde_json::from_slice(&rep.stdout).expect("json");
    let _ = std::fs::remove_dir_all(std::path::Path::new(&path).parent().unwrap());
    let p = &j["pools"][0]["periods"][0];
    assert_eq!(
        (p["inputs_total"].as_f64(), p["credited"].as_f64(), p["outputs"].as_f64()),
        (Some(400.0), Some(100.0), Some(300.0)),
        "{p}"
    );
}

/// hostile2 F1, the other order, end to end: the DRI sold (or moved to s2) first and fed to the
/// pool afterwards is refused E039 at the pool input's line; fed while still at s1, it credits
/// the pool its 100 t.
#[test]
fn check_refuses_a_pool_input_of_goods_that_already_left() {
    let in_dri = "2025-02-02 pool-input in-dri\n  pool sa\n  item dri-steel\n  operation buy-dri\n  site s1\n";
    assert!(BASE.contains(in_dri));
    let late = in_dri.replace("2025-02-02", "2025-02-06");
    let without = BASE.replace(in_dri, "");
    let exits = [
        ("sold-first", "2025-02-06 sell sell-dri\n  item dri-steel\n  site s1\n  customer other 100 t\n"),
        ("moved-first", "2025-02-06 move mv-dri\n  item dri-steel\n  quantity 100 t\n  from s1\n  to s2\n"),
    ];
    for (name, exit) in exits {
        let dir = std::env::temp_dir().join(format!("custody-pool-physics-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("pool.journal");
        let text = format!("{without}{exit}{late}");
        std::fs::write(&path, &text).unwrap();
        let p = path.to_str().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_custody")).args(["check", p]).output().expect("runs");
        let err = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
        let _ = std::fs::remove_dir_all(&dir);
        let line = text.lines().count() - late.lines().count() + 1;
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!("{p}:{line}:1:")) && err.contains("[E039 pool_flow_not_in_ledger]"),
            "want E039 at line {line}: {err}"
        );
        assert!(err.contains("100 t of it left unprocessed"), "{err}");
    }
    // Still at s1 when fed (after the coil was made): credited 100 t.
    let dir = std::env::temp_dir().join(format!("custody-pool-physics-{}-fed-late", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pool.journal").to_str().unwrap().to_string();
    std::fs::write(&path, format!("{without}{late}")).unwrap();
    let rep = Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(["report", "pool", &path, "--format", "json"])
        .output()
        .expect("runs");
    let _ = std::fs::remove_dir_all(std::path::Path::new(&path).parent().unwrap());
    assert!(rep.status.success(), "{}", String::from_utf8_lossy(&rep.stderr));
    let j: serde_json::Value = serde_json::from_slice(&rep.stdout).expect("json");
    let p = &j["pools"][0]["periods"][0];
    assert_eq!((p["inputs_total"].as_f64(), p["credited"].as_f64()), (Some(400.0), Some(100.0)), "{p}");
}
