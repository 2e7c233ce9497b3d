//! End to end through the binary (issue 8): a seller's pool claim on a sale travels through the
//! registry to the buyer; `report pool` lists the period's sales with claimed and residual factors,
//! `report purchased-goods` shows physical beside claimed, and `--view claimed` gives the
//! market-based entity emissions and product intensity without touching the physical view.

use std::process::{Command, Output};

fn custody(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custody")).args(args).output().expect("the binary runs")
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

include!("../../custody-store/tests/fixtures/sale_claims.rs");

#[test]
fn a_claim_travels_from_the_sellers_pool_to_the_buyers_reports() {
    let dir = std::env::temp_dir().join(format!("custody-cli-{}-sale-claims", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("ledger.db").display());
    let seller = dir.join("1-seller.journal");
    let buyer = dir.join("2-buyer.journal");
    std::fs::write(&seller, format!("{SELLER}{CLAIM}{CLOSE}")).unwrap();
    std::fs::write(&buyer, format!("{BUYER}{RECEIVE}")).unwrap();
    for f in [&seller, &buyer] {
        let o = custody(&["import", f.to_str().unwrap(), "--database-url", &url]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let report = |args: &[&str]| {
        let mut a = vec!["report"];
        a.extend_from_slice(args);
        a.extend_from_slice(&["--database-url", &url, "--format", "json", "--period", "2025"]);
        json(&custody(&a))
    };
    // The pool's sales: the automaker's 100 t at the claimed 0.5, the other 300 t at the residual
    // (710 - 50) / 300 = 2.2 tCO2e/t.
    let pool = report(&["pool", "--entity", "s"]);
    let sales = pool["pools"][0]["periods"][0]["sales"].as_array().unwrap().clone();
    let pick = |c: &str| sales.iter().find(|s| s["customer"] == c).unwrap().clone();
    let auto = pick("auto");
    assert_eq!((auto["kind"].as_str(), auto["factor_tCO2e_per_t"].to_string().as_str()), (Some("claimed"), "0.5"));
    assert_eq!((auto["sale"].as_str(), auto["quantity"].to_string().as_str()), (Some("s1"), "100"));
    let other = pick("other");
    assert_eq!((other["kind"].as_str(), other["factor_tCO2e_per_t"].to_string().as_str()), (Some("residual"), "2.2"));
    // The buyer: physical 100 t x 710/400 = 177.5 tCO2e, claimed 50 tCO2e, with the claim named.
    let pg = report(&["purchased-goods", "--entity", "auto"]);
    let line = &pg["lines"][0];
    assert_eq!(line["physical_tCO2e"].to_string(), "177.5");
    assert_eq!(line["claimed_tCO2e"].to_string(), "50");
    assert_eq!(line["claim"]["supplier"], "s");
    assert_eq!(line["claim"]["pool"], "sa");
    assert_eq!(line["claim"]["period"], 0);
    assert_eq!(line["claim"]["method"], "credit");
    assert_eq!(line["claim"]["attribution"], "non-proportional");
    assert_eq!(line["claim"]["kind"], "claimed");
    // Two views, never mixed: the physical view is as posted, the claimed one adjusts by -127.5.
    let physical = report(&["entity-emissions", "--entity", "auto"]);
    assert_eq!(physical["total_tCO2e"].to_string(), "177.5");
    assert!(physical.get("view").is_none());
    let claimed = report(&["entity-emissions", "--entity", "auto", "--view", "claimed"]);
    assert_eq!(claimed["view"], "claimed");
    assert_eq!(claimed["total_tCO2e"].to_string(), "50");
    assert_eq!(claimed["physical_total_tCO2e"].to_string(), "177.5");
    // The seller's coil passes its pool's claims on: per sale 0.5 and 2.2 kgCO2e/kg, and over all
    // its sales the pool's emissions, 710 / 400 = 1.775.
    let pi = report(&["product-intensity", "--entity", "s", "--view", "claimed"]);
    let coil = &pi["products"][0];
    assert_eq!(coil["claimed_source"], "pool sa");
    assert_eq!(coil["claimed_kgCO2e_per_kg"].to_string(), "1.775");
    assert_eq!(coil["claimed_sales"].as_array().unwrap().len(), 2);
    // The buyer assesses what it received on the claim the transfer carries, not a typed one.
    let a =
        json(&custody(&["assess", "--received", "r1", "--entity", "auto", "--database-url", &url, "--format", "json"]));
    assert_eq!(a["physical_intensity_tCO2e_per_t"].to_string(), "1.775");
    assert_eq!(a["claim"]["kind"], "mass-balance-chain-of-custody");
    assert_eq!(a["claim"]["claimed_tCO2e_per_t"].to_string(), "0.5");
    // Only those two statements have a claimed view.
    let o = custody(&["report", "ledger", "--entity", "s", "--database-url", &url, "--view", "claimed"]);
    assert!(!o.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_claims_chain_example_carries_seed_002s_factors() {
    let ex = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/claims-chain");
    let dir = std::env::temp_dir().join(format!("custody-cli-{}-claims-chain", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("chain.db").display());
    for f in ["1-dri-plant.journal", "2-automaker.journal"] {
        let o = custody(&["import", &format!("{ex}/{f}"), "--database-url", &url]);
        assert!(o.status.success(), "{f}: {}", String::from_utf8_lossy(&o.stderr));
    }
    let report = |args: &[&str]| {
        let mut a = vec!["report"];
        a.extend_from_slice(args);
        a.extend_from_slice(&["--database-url", &url, "--format", "json", "--period", "2025"]);
        json(&custody(&a))
    };
    let pool = report(&["pool", "--entity", "dri-plant"]);
    let period = &pool["pools"][0]["periods"][0];
    // E = 100,000 x 0.7 + 300,000 x 2.2 = 730,000 t; residual (730,000 - 70,005.5) / 285,000.
    assert_eq!(period["emissions_tCO2e"].to_string(), "730000");
    let sales = period["sales"].as_array().unwrap();
    assert_eq!(sales.len(), 2);
    assert_eq!(sales[0]["factor_tCO2e_per_t"].to_string(), "0.7369");
    assert_eq!(sales[0]["tCO2e"].to_string(), "70005.5");
    assert_eq!(sales[1]["kind"], "residual");
    assert_eq!(sales[1]["factor_tCO2e_per_t"].to_string(), "2.31577"); // 659,994.5 / 285,000, 6 places
    assert_eq!(sales[1]["tCO2e"].to_string(), "659994.5");
    // The automaker: physical 95,000 t x 730,000 / 380,000 = 182,500 t beside claimed 70,005.5 t.
    let pg = report(&["purchased-goods", "--entity", "automaker"]);
    assert_eq!(pg["lines"][0]["physical_tCO2e"].to_string(), "182500");
    assert_eq!(pg["lines"][0]["claimed_tCO2e"].to_string(), "70005.5");
    assert_eq!(pg["lines"][0]["claim"]["pool"], "site-a");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_claim_from_an_open_period_is_provisional_until_the_seller_closes_it() {
    let dir = std::env::temp_dir().join(format!("custody-cli-{}-provisional", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("ledger.db").display());
    let write = |name: &str, text: String| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    // Half of the automaker's 100 t claimed at 0.5; the period stays open when it receives.
    let k1 = "2025-02-02 pool-claim k1\n  pool sa\n  sale s1\n  quantity 50 t\n  factor 0.5 tCO2e/t\n";
    let seller = write("1-seller.journal", format!("{SELLER}{k1}"));
    let buyer = write("2-buyer.journal", format!("{BUYER}{RECEIVE}"));
    for f in [&seller, &buyer] {
        let o = custody(&["import", f, "--database-url", &url]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let view = || {
        let pg = json(&custody(&[
            "report",
            "purchased-goods",
            "--entity",
            "auto",
            "--database-url",
            &url,
            "--format",
            "json",
        ]));
        let lines = pg["lines"].as_array().unwrap().clone();
        let residual = lines.iter().find(|l| l["claim"]["kind"] == "residual").unwrap()["claimed_tCO2e"].to_string();
        let flags: Vec<bool> = lines.iter().map(|l| l["claim"]["provisional"].as_bool().unwrap()).collect();
        let a = json(&custody(&[
            "assess",
            "--received",
            "r1",
            "--entity",
            "auto",
            "--database-url",
            &url,
            "--format",
            "json",
        ]));
        // The market-based entity emissions flag the same parts.
        let ee = json(&custody(&[
            "report",
            "entity-emissions",
            "--entity",
            "auto",
            "--view",
            "claimed",
            "--database-url",
            &url,
            "--format",
            "json",
        ]));
        let ee_flags: Vec<bool> =
            ee["claims"].as_array().unwrap().iter().map(|c| c["provisional"].as_bool().unwrap()).collect();
        assert_eq!(ee_flags, flags);
        (residual, flags, a["claim"]["provisional"].as_bool().unwrap())
    };
    // E = 710 t; the residual as booked: 50 t of (710 - 25) t over 350 t = 97.857143 t.
    assert_eq!(view(), ("97.857143".to_string(), vec![true, true], true));
    let text = custody(&["assess", "--received", "r1", "--entity", "auto", "--database-url", &url]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("PROVISIONAL: pool sa period 0"));
    // The seller claims 30 t of the other sale at 0.6 and closes the period: the final residual,
    // 50 t of (710 - 25 - 18) t over 320 t = 104.21875 t, is what the statements show.
    let k2 = "2025-02-03 pool-claim k2\n  pool sa\n  sale s2\n  quantity 30 t\n  factor 0.6 tCO2e/t\n";
    let more = write("3-close.journal", format!("{k2}{CLOSE}"));
    let o = custody(&["import", &more, "--entity", "s", "--database-url", &url]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(view(), ("104.21875".to_string(), vec![false, false], false));
    // The receive as booked is unchanged: the database verifies.
    let o = custody(&["verify", "--database-url", &url]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_mass_balance_example_delivers_the_claim_to_the_automaker() {
    let ex = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/mass-balance-dri");
    let dir = std::env::temp_dir().join(format!("custody-cli-{}-mass-balance", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("mb.db").display());
    let o = custody(&["import", ex, "--database-url", &url]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pg = json(&custody(&[
        "report",
        "purchased-goods",
        "--entity",
        "automaker",
        "--database-url",
        &url,
        "--format",
        "json",
    ]));
    // 95,000 of the 380,000 t rolled from 730,000 tCO2e: 182,500 t physical; claimed at 0.7369.
    let line = &pg["lines"][0];
    assert_eq!(pg["lines"].as_array().unwrap().len(), 1);
    assert_eq!(line["physical_tCO2e"].to_string(), "182500");
    assert_eq!(line["claimed_tCO2e"].to_string(), "70005.5");
    assert_eq!(
        (line["claim"]["kind"].as_str(), line["claim"]["provisional"].as_bool()),
        (Some("claimed"), Some(false))
    );
    let a = json(&custody(&[
        "assess",
        "--received",
        "coil-in",
        "--entity",
        "automaker",
        "--database-url",
        &url,
        "--format",
        "json",
    ]));
    assert_eq!(a["claim"]["claimed_tCO2e_per_t"].to_string(), "0.7369");
    let o = custody(&["verify", "--database-url", &url]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}
