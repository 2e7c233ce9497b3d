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

// ---- database commands ----------------------------------------------------------------------------

fn db_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}", dir.join("ledger.db").display())
}

#[test]
fn import_is_idempotent_and_reports_from_the_database_match_the_files() {
    let dir = temp_dir("import");
    let url = db_url(&dir);
    let first = custody(&["import", &example(), "--database-url", &url]);
    // 42: the EFI journal's definitions (with its one site), periods and operations.
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(stdout(&first).trim(), "imported: 42 entries written, 0 already present");
    let again = custody(&["import", &example(), "--database-url", &url]);
    assert_eq!(stdout(&again).trim(), "imported: 0 entries written, 42 already present");
    let verify = custody(&["verify", "--database-url", &url]);
    assert!(verify.status.success(), "{}", stdout(&verify));
    assert!(stdout(&verify).starts_with("steel-producer: ok, 42 entries, 17 transactions"), "{}", stdout(&verify));
    for kind in ["balances", "entity-emissions", "product-intensity", "eledger", "carbon-balance", "ledger"] {
        let from_db = custody(&["report", kind, "--database-url", &url, "--format", "json"]);
        let from_file = custody(&["report", kind, &example(), "--format", "json"]);
        assert!(from_db.status.success(), "{kind}: {}", stderr(&from_db));
        assert_eq!(stdout(&from_db), stdout(&from_file), "{kind}");
    }
}

#[test]
fn verify_exits_1_when_a_stored_amount_was_changed() {
    let dir = temp_dir("tamper");
    let url = db_url(&dir);
    assert!(custody(&["import", &example(), "--database-url", &url]).status.success());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = custody_store::SqlStore::connect(&url).await.unwrap();
        let n = store
            .execute_raw("UPDATE postings SET amount = amount * 10 WHERE seq = (SELECT seq FROM entries WHERE op_id = 'buy-scrap') AND idx = 1")
            .await
            .unwrap();
        assert_eq!(n, 1);
    });
    let verify = custody(&["verify", "--database-url", &url]);
    assert_eq!(verify.status.code(), Some(1));
    assert!(stdout(&verify).contains("(`buy-scrap`): stored posting 1 differs"), "{}", stdout(&verify));
}

fn csv_example(name: &str) -> String {
    format!("{}/../../examples/csv-import/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn csv_files_import_in_order_and_bad_rows_name_their_line() {
    let dir = temp_dir("csv");
    let url = db_url(&dir);
    let files: Vec<String> =
        ["1-mill.journal", "2-purchases.csv", "3-operations.journal", "4-production.csv", "5-sales.csv"]
            .iter()
            .map(|f| csv_example(f))
            .collect();
    let mut args = vec!["import", "--entity", "mini-mill", "--database-url", &url];
    args.extend(files.iter().map(String::as_str));
    let o = custody(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = custody(&["report", "product-intensity", "--database-url", &url, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(v["products"][0]["sold_t"], serde_json::json!(9500));
    // Importing again changes nothing.
    let o = custody(&args);
    assert!(stdout(&o).contains(" 0 entries written"), "{}", stdout(&o));

    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "date,id,supplier,item,quantity,unit,per,CO2\n2025-02-04,p2,scrap-co,scrap,10,t,kg,1\n2025-02-04,p3,scrap-co,scrap,ten,t,kg,1\n").unwrap();
    let o = custody(&["import", "--entity", "mini-mill", "--database-url", &url, bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.csv:3: `ten` is not a number"), "{}", stderr(&o));
    // Nothing of the file was written: p2 is not in the ledger.
    let export = custody(&["export", "--database-url", &url]);
    assert!(!stdout(&export).contains("txn p2"), "a file with a bad row was partly imported");
}

#[test]
fn a_rejected_operation_names_its_line_and_its_batch_is_not_written() {
    let dir = temp_dir("reject");
    let url = db_url(&dir);
    let file = dir.join("j.journal");
    std::fs::write(
        &file,
        "entity e \"E\"\n  ratios efi\n  gwp ar5\ncounterparty s \"S\"\nitem ore \"Ore\"\n  category raw-material\n\
         period p 2025-01-01 2025-01-31\n2025-01-02 purchase p1\n  supplier s\n  item ore\n  quantity 5 t\n\
         \x20 attributed 1 tCO2\n2025-01-03 consume c1\n  use ore 50 t\n",
    )
    .unwrap();
    let o = custody(&["import", file.to_str().unwrap(), "--database-url", &url, "--batch", "10"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("j.journal:13:1: `c1` rejected: [E012 insufficient_quantity]"), "{}", stderr(&o));
    let export = custody(&["export", "--database-url", &url]);
    assert!(!stdout(&export).contains("purchase p1"), "the rejected batch was partly written:\n{}", stdout(&export));
}

#[test]
fn three_tier_chain_imports_and_reconciles() {
    let dir = temp_dir("three-tier");
    let url = db_url(&dir);
    for f in ["1-mine.journal", "2-mill.journal", "2-transition-steel.journal", "3-transformer-co.journal"] {
        let path = format!("{}/../../examples/three-tier/{f}", env!("CARGO_MANIFEST_DIR"));
        let o = custody(&["import", &path, "--database-url", &url]);
        assert!(o.status.success(), "{f}: {}", stderr(&o));
    }
    let o = custody(&["reconcile", "--database-url", &url, "--format", "json"]);
    assert!(o.status.success(), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["mismatches"], 0);
    assert_eq!(v["transfers"].as_array().unwrap().len(), 3);
    assert!(v["transfers"].as_array().unwrap().iter().all(|t| t["status"] == "received" && t["sent"] == t["booked"]));
    let o = custody(&["report", "balances", "--database-url", &url]);
    assert_eq!(o.status.code(), Some(2), "four entities: --entity is required");
    assert!(stderr(&o).contains("name one with --entity"));
}

// ---- claims, disclosure, buyer's side ----------------------------------------------------------------

#[test]
fn assess_the_efi_steel_and_the_aluminium_smelter() {
    let o = custody(&["assess", &example(), "--product", "steel", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let verdict = |id: &str| v["verdicts"].as_array().unwrap().iter().find(|x| x["framework"] == id).unwrap().clone();
    assert_eq!(verdict("responsiblesteel-dpl")["reached"], "DPL3");
    assert_eq!(verdict("steelzero")["reached"], "lower-emission-steel");
    assert_eq!(verdict("fmc-steel")["reached"], serde_json::Value::Null);

    let al = format!("{}/../../examples/aluminium", env!("CARGO_MANIFEST_DIR"));
    let o = custody(&["assess", &al, "--product", "aluminium", "--material", "aluminium", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let verdict = |id: &str| v["verdicts"].as_array().unwrap().iter().find(|x| x["framework"] == id).unwrap().clone();
    assert_eq!(verdict("fmc-aluminium")["reached"], serde_json::Value::Null, "9.4 tCO2e/t is not below 3");
    assert!(verdict("asi-low-carbon-aluminium")["not_found"][0].as_str().unwrap().contains("4 t CO2e/t"));
    // The PFCs count in CO2e: the footprint is above its CO2 alone.
    assert!(v["physical_intensity_tCO2e_per_t"].as_f64().unwrap() > 9.0);
}

#[test]
fn a_mass_balance_claim_and_a_credit_are_assessed_for_what_they_are() {
    let mb = format!("{}/../../examples/mass-balance-dri/1-transition-steel.journal", env!("CARGO_MANIFEST_DIR"));
    let dir = temp_dir("assess-import");
    // A footprint file as a supplier would send it, with the pool's claim.
    let fp = dir.join("coil.json");
    std::fs::write(
        &fp,
        r#"{"product": "coil", "material": "steel", "intensity_tCO2e_per_t": 2.3158, "scrap_share": 0,
            "gases": ["CO2", "CH4", "N2O"],
            "claim": {"kind": "mass-balance-chain-of-custody", "claimed_tCO2e_per_t": 0.7369, "site_level": true,
                      "non_proportional": true, "period_months": 3, "lowest_input_tCO2e_per_t": 0.7,
                      "technology_tCO2e_per_t": 0.7, "verified_by": "Verifier GmbH"}}"#,
    )
    .unwrap();
    // A claim for a negative quantity is refused, never recognised.
    let neg = dir.join("neg.json");
    let text = std::fs::read_to_string(&fp).unwrap().replace("\"verified_by\"", "\"quantity_t\": -5, \"verified_by\"");
    std::fs::write(&neg, text).unwrap();
    let o = custody(&["assess", "--footprint", neg.to_str().unwrap(), "--format", "json"]);
    assert!(!o.status.success() && stderr(&o).contains("not negative"), "{}", stderr(&o));
    let o = custody(&["assess", "--footprint", fp.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let verdict = |id: &str| v["verdicts"].as_array().unwrap().iter().find(|x| x["framework"] == id).unwrap().clone();
    assert_eq!(verdict("steelzero")["claim_recognised"], true);
    assert_eq!(verdict("sbti-carbon-bank")["claim_recognised"], false, "non-proportional is cross-product averaging");
    // The avoided-emission certificate of the example is a credit: refused by SteelZero and FMC.
    let o = custody(&["assess", &mb, "--product", "coil", "--avoided", "rep-2025", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for f in ["steelzero", "fmc-steel"] {
        let x = v["verdicts"].as_array().unwrap().iter().find(|x| x["framework"] == f).unwrap();
        assert_eq!(x["claim_recognised"], false, "{f}: an avoided-emission certificate is a credit");
    }
    // The coil's physical footprint: the pool's 730,000 tCO2e over its 380,000 t.
    let phys = v["physical_intensity_tCO2e_per_t"].as_f64().unwrap();
    assert!((phys - 730_000.0 / 380_000.0).abs() < 1e-4, "{phys}");
    // A product the example never sold is named as such.
    let o = custody(&["assess", &mb, "--product", "dri-steel", "--avoided", "rep-2025"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("was not sold"), "{}", stderr(&o));
}

#[test]
fn buyers_see_purchased_goods_by_claim_type_and_their_target() {
    let dir = temp_dir("buyer");
    let url = db_url(&dir);
    for f in ["1-mine.journal", "2-mill.journal", "2-transition-steel.journal", "3-transformer-co.journal"] {
        let path = format!("{}/../../examples/three-tier/{f}", env!("CARGO_MANIFEST_DIR"));
        assert!(custody(&["import", &path, "--database-url", &url]).status.success());
    }
    let o = custody(&[
        "report",
        "purchased-goods",
        "--entity",
        "transformer-co",
        "--database-url",
        &url,
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // The structural steel: 20,000 of the pool's 380,000 t, whose 730,000 tCO2e it carries by mass.
    let plate = v["by_claim_type"]["mass-balance-chain-of-custody"].as_f64().unwrap();
    assert!((plate - 730_000.0 * 20_000.0 / 380_000.0).abs() < 1e-6, "{plate}");
    let pl = v["lines"].as_array().unwrap().iter().find(|l| l["supplier"] == "transition-steel").unwrap();
    assert_eq!(pl["claim"]["kind"], "residual");
    let claimed = (730_000.0 - 95_000.0 * 0.7369) / 285_000.0 * 20_000.0;
    assert!((pl["claimed_tCO2e"].as_f64().unwrap() - claimed).abs() < 1e-5, "{pl}");
    assert!(v["lines"].as_array().unwrap().iter().any(|l| l["supplier"] == "mill" && l["claim_type"] == "physical"));
    assert_eq!(v["targets"][0]["on_track"], true);
    // Disclosure: what the ledger lacks is listed as missing, never filled in.
    let o = custody(&["report", "disclosure", &example(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let fields = &v["products"][0]["fields"];
    assert!(fields["third_party_verification"]["missing"].is_string());
    assert!(fields["technology_or_low_carbon_input"]["missing"].is_string());
    assert!(fields["scrap_share"]["value"].as_str().unwrap().starts_with("78.57%"));
}

#[test]
fn report_cbam_writes_json_and_an_xlsx_file_and_needs_site_and_period() {
    let o =
        custody(&["report", "cbam", &example(), "--site", "steel-plant", "--period", "2025-01", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["goods"][0]["item"], "steel");
    assert_eq!(v["goods"][0]["see_direct_tCO2e_per_t"].to_string(), "0.074756"); // 31,098.38 t / 416,000 t
    let dir = temp_dir("cbam");
    let file = dir.join("cbam.xlsx");
    let args = ["report", "cbam", &example(), "--site", "steel-plant", "--period", "2025-01", "--format", "xlsx"];
    let o = custody(&[&args[..], &["-o", file.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(&std::fs::read(&file).unwrap()[..2], b"PK", "an xlsx is a zip file");
    let o = custody(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("give --output FILE"), "{}", stderr(&o));
    let o = custody(&["report", "cbam", &example(), "--period", "2025-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("needs --site SITE and --period PERIOD"), "{}", stderr(&o));
    let o = custody(&["report", "cbam", &example(), "--site", "mars", "--period", "2025-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("site `mars` is not declared"), "{}", stderr(&o));
    let o = custody(&["report", "balances", &example(), "--format", "xlsx", "-o", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("for `report cbam` only"), "{}", stderr(&o));
}

#[test]
fn import_catenax_writes_a_purchase_and_export_catenax_gives_it_back() {
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/ext/catenax/io.catenax.pcf/9.0.0/gen/Pcf.json");
    if !std::path::Path::new(shared).is_file() {
        eprintln!("SKIPPED: {shared} is absent: the Catena-X CLI round trip is not checked");
        return;
    }
    let dir = temp_dir("catenax");
    // The published sample declares 0.52 kgC in 0.456 kg per liter, which the ledger refuses
    // (E046): booked here with 3 kg per liter.
    let sample = std::fs::read_to_string(shared).unwrap();
    assert!(sample.contains("\"productMassPerDeclaredUnit\" : 0.456"), "the 9.0.0 sample changed");
    let physical = temp_dir("catenax-src").join("pcf-physical.json");
    std::fs::write(
        &physical,
        sample.replace("\"productMassPerDeclaredUnit\" : 0.456", "\"productMassPerDeclaredUnit\" : 3"),
    )
    .unwrap();
    let physical = physical.to_str().unwrap();
    let journal = dir.join("2-pcf.journal");
    let o = custody(&[
        "import",
        "catenax",
        physical,
        "--quantity",
        "1000 L",
        "--date",
        "2025-03-10",
        "-o",
        journal.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(text.contains("  factor 2.9 kgCO2e/L\n"), "{text}");
    std::fs::write(
        dir.join("1-head.journal"),
        "entity buyer \"Buyer\"\n  ratios efi\n  gwp ar5\nperiod 2025-03 2025-03-01 2025-03-31\n",
    )
    .unwrap();
    let args = ["export", "catenax", dir.to_str().unwrap(), "--product", "urn:mycompany.com:product-id:401765"];
    let o = custody(&[&args[..], &["--template", shared, "--created", "2025-04-01T00:00:00Z"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let stage = &v["productLifeCycleStagesAndEmissions"][0]["productionStage"][0];
    assert_eq!(stage["pcfExcludingBiogenicUptake"].to_string(), "2.9");
    assert_eq!(stage["biogenicCO2Uptake"].to_string(), "-1");
    let o = custody(&["export", "catenax", dir.to_str().unwrap(), "--product", "nothing", "--template", shared]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("item `nothing` is not defined"), "{}", stderr(&o));
}

#[test]
fn ghg_inventory_by_year_in_every_format() {
    let o = custody(&["report", "ghg-inventory", &example(), "--year", "2025", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["year"].as_i64(), v["reconciliation"]["difference_gC"].as_i64()), (Some(2025), Some(0)));
    let o = custody(&["report", "ghg-inventory", &example(), "--year", "2025", "--format", "csv"]);
    assert!(
        stdout(&o).starts_with("section,category,name,gas,t,tCO2e,status\nscope1,,released,CO2,31098.38"),
        "{}",
        stdout(&o)
    );
    let o = custody(&["report", "ghg-inventory", &example(), "--year", "2025"]);
    assert!(stdout(&o).contains("Difference (inventory less ledger)"), "{}", stdout(&o));
    // A year without periods, and a period with a year, are usage errors.
    let o = custody(&["report", "ghg-inventory", &example(), "--year", "1999"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no period of the ledger lies in 1999"), "{}", stderr(&o));
    let o = custody(&["report", "ghg-inventory", &example(), "--year", "2025", "--period", "2025-01"]);
    assert!(!o.status.success());
    // A fiscal year from July to June lies in no calendar year: --year is refused, naming it.
    let dir = temp_dir("fiscal");
    let path = dir.join("fy.journal");
    let text = std::fs::read_to_string(example() + "/efi.journal").unwrap().replace(
        "period 2025-01 2025-01-01 2025-01-31",
        "period 2025-01 2025-01-01 2025-01-31\nperiod fy 2025-07-01 2026-06-30",
    );
    std::fs::write(&path, text).unwrap();
    let o = custody(&["report", "ghg-inventory", path.to_str().unwrap(), "--year", "2025"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("period `fy` (2025-07-01 to 2026-06-30) spans two calendar years"), "{}", stderr(&o));
}

/// `check DIR` on a folder of several entities reports the syntax errors of every file, in check
/// wording, not only the first bad file's with "nothing imported" (found by a hostile test).
#[test]
fn check_of_a_several_entity_folder_lists_every_files_syntax_errors() {
    let dir = temp_dir("check-several");
    for f in ["1-mine.journal", "2-mill.journal", "2-transition-steel.journal", "3-transformer-co.journal"] {
        let text =
            std::fs::read_to_string(format!("{}/../../examples/three-tier/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        std::fs::write(dir.join(f), text).unwrap();
    }
    let o = custody(&["check", dir.to_str().unwrap()]);
    assert!(o.status.success(), "the folder checks: {}", stderr(&o));
    assert_eq!(stdout(&o).lines().filter(|l| l.contains(": ok: ")).count(), 4, "{}", stdout(&o));
    for f in ["2-mill.journal", "3-transformer-co.journal"] {
        let mut text = std::fs::read_to_string(dir.join(f)).unwrap();
        text.push_str("  zap\n");
        std::fs::write(dir.join(f), text).unwrap();
    }
    let o = custody(&["check", dir.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("2-mill.journal:") && err.contains("3-transformer-co.journal:"), "both files' errors: {err}");
    assert!(err.contains("2 errors") && !err.contains("imported"), "{err}");
}
