//! End-to-end tests of the `custody` binary.

use std::path::PathBuf;
use std::process::{Command, Output};

fn custody(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custody")).args(args).output().expect("the binary runs")
}

fn example() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/efi-h2-dri-eaf").to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("custody-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn check_accepts_the_efi_example() {
    let o = custody(&["check", &example()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("ok: 17 transactions"), "{}", stdout(&o));
}

#[test]
fn check_names_file_line_and_column_and_exits_1() {
    let dir = temp_dir("bad");
    let file = dir.join("bad.journal");
    std::fs::write(
        &file,
        "entity e \"E\"\n  ratios efi\n  gwp ar5\nperiod p 2025-01-01 2025-01-31\n2025-01-02 consume c1\n  use ore ten t\n",
    )
    .unwrap();
    let o = custody(&["check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("bad.journal:6:11: `ten` is not a number"), "{err}");
    assert!(err.trim_end().ends_with("1 error"), "{err}");
}

#[test]
fn report_json_carries_the_documented_totals() {
    let o = custody(&["report", "balances", &example(), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["stocks_total_tC"], v["flows_total_tC"]);
    let o = custody(&["report", "product-intensity", &example(), "--format", "json", "--period", "2025-01"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["total_kgCO2_per_kg"].is_number());
    let o = custody(&["report", "entity-emissions", &example(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["total_tCO2"].is_number());
}

#[test]
fn every_report_kind_renders_as_text() {
    for kind in ["ledger", "balances", "product-intensity", "entity-emissions", "eledger", "carbon-balance"] {
        let o = custody(&["report", kind, &example()]);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
        assert!(stdout(&o).starts_with("Steel producer"), "{kind}");
    }
}

#[test]
fn unknown_period_is_a_usage_error() {
    let o = custody(&["report", "balances", &example(), "--period", "1999-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("period `1999-01` is not defined"));
}

#[test]
fn export_loads_back_with_the_same_statements() {
    let dir = temp_dir("export");
    let out = dir.join("export.journal");
    let o = custody(&["export", &example(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    for kind in ["balances", "entity-emissions", "product-intensity", "eledger"] {
        let a = custody(&["report", kind, &example(), "--format", "json"]);
        let b = custody(&["report", kind, out.to_str().unwrap(), "--format", "json"]);
        assert_eq!(stdout(&a), stdout(&b), "{kind} differs after export");
    }
}

#[test]
fn a_missing_file_is_reported_not_panicked() {
    let o = custody(&["check", "/nonexistent/x.journal"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read /nonexistent/x.journal"));
}
