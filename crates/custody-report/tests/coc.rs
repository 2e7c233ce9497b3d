//! Golden statements of the mass-balance example (seed 002's company), and what they must show.

use custody_report::{render, Format};
use serde_json::Value;

fn example() -> custody_core::Ledger {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/mass-balance-dri/1-transition-steel.journal");
    let text = std::fs::read_to_string(path).unwrap();
    custody_journal::load(&[custody_journal::Source { name: "mb".into(), text }]).unwrap()
}

#[test]
fn golden_chain_of_custody_statements() {
    let ledger = example();
    for kind in ["pool", "certificates", "market-instruments"] {
        let text = render(&ledger, kind, None, Format::Text).unwrap();
        expect_test::expect_file![format!("golden/mb-{kind}.txt")].assert_eq(&text);
        let json = render(&ledger, kind, None, Format::Json).unwrap();
        expect_test::expect_file![format!("golden/mb-{kind}.json")].assert_eq(&json);
    }
}

#[test]
fn the_residual_is_computed_and_conserves_the_pools_emissions() {
    let v: Value = serde_json::from_str(&render(&example(), "pool", None, Format::Json).unwrap()).unwrap();
    let q1 = &v["pools"][0]["periods"][0];
    let f = |k: &str| q1[k].as_f64().unwrap();
    // 100,000 t at 0.7 and 300,000 t at 2.2: 730,000 tCO2e. 95,000 t of coil claimed at 0.7369.
    assert_eq!(f("emissions_tCO2e"), 730_000.0);
    let residual = f("residual_tCO2e_per_t");
    let total = 95_000.0 * 0.7369 + (f("outputs") - 95_000.0) * residual;
    // The residual is shown to 6 decimals: over 285,000 t that is within 0.3 t (exact in the core).
    assert!((total - 730_000.0).abs() < 0.3, "claimed plus residual must carry the whole pool: {total}");
    assert!(residual > 2.2, "the rest of the output carries more than the legacy route: {residual}");
    // The claim travels with the automaker's sale; every other sale carries the residual, and
    // the sales' tCO2e add up to the pool's emissions (everything of Q1 is sold).
    let sales = q1["sales"].as_array().unwrap();
    assert_eq!(sales.len(), 4);
    for s in sales {
        let (kind, f) = (s["kind"].as_str().unwrap(), s["factor_tCO2e_per_t"].as_f64().unwrap());
        if s["customer"] == "automaker" {
            assert_eq!((kind, f), ("claimed", 0.7369));
        } else {
            assert_eq!(kind, "residual");
            assert!((f - (730_000.0 - 95_000.0 * 0.7369) / 285_000.0).abs() < 1e-6, "{f}");
        }
    }
    let carried: f64 = sales.iter().map(|s| s["tCO2e"].as_f64().unwrap()).sum();
    assert!((carried - 730_000.0).abs() < 1e-3, "{carried}");
    assert!(q1["inputs"].as_array().unwrap().iter().all(|i| i["source"] == "ledger"), "{}", q1["inputs"]);
    assert_eq!(
        v["pools"][0]["flags"][0],
        "non-proportional attribution: chosen outputs carry a lower factor, the rest a residual"
    );
}

#[test]
fn certificates_and_credits_leave_the_physical_ledger_alone() {
    let ledger = example();
    // The same journal without any pool, claim, certificate or avoided-emission entry: each block
    // starts at a line that is not indented; a chain-of-custody block is dropped whole.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/mass-balance-dri/1-transition-steel.journal");
    let text = std::fs::read_to_string(path).unwrap();
    let (mut plain, mut keep) = (String::new(), true);
    for line in text.lines() {
        if !line.starts_with([' ', '#']) && !line.is_empty() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let kind = if words[0].starts_with("2025-") { words[1] } else { words[0] };
            keep = !(kind.starts_with("pool") || kind.starts_with("certificate") || kind == "avoided");
        }
        if keep {
            plain.push_str(line);
            plain.push('\n');
        }
    }
    assert!(!plain.contains("pool-claim") && plain.contains("sell coil-automaker"), "{plain}");
    let physical = custody_journal::load(&[custody_journal::Source { name: "plain".into(), text: plain }]).unwrap();
    assert!(!ledger.transactions().is_empty());
    assert_eq!(
        format!("{:?}", ledger.transactions()),
        format!("{:?}", physical.transactions()),
        "no pool or certificate operation posts a transaction"
    );
    let m: Value = serde_json::from_str(&render(&ledger, "market-instruments", None, Format::Json).unwrap()).unwrap();
    assert_eq!(m["avoided_emission_certificates"][0]["avoided_tCO2e"].as_f64(), Some(150_000.0));
    let e: Value = serde_json::from_str(&render(&ledger, "entity-emissions", None, Format::Json).unwrap()).unwrap();
    // What the plant bought in: 150,000 t of DRI charge at 0.7 and 300,000 t of BF charge at 2.2
    // tCO2e/t; the 150,000 tCO2e avoided never net against it.
    let bought = 150_000.0 * 0.7 + 300_000.0 * 2.2;
    assert_eq!(e["total_tCO2e"].as_f64(), Some(bought), "avoided emissions never net into the entity statement");
}
