//! A non-zero amount never reads as zero in a text statement, and never further from the exact
//! grams than the statement's stated precision (`exact::shown_places`; docs/reports.md, "Numbers
//! in text"). A hostile tester's 500 g of N2O read `0.000 t N2O` in `report balances`.

use custody_core::exact::{abs_q, parse_decimal, Q};
use custody_report::{render, Format};
use proptest::prelude::*;
use serde_json::Value;

/// A plant that burns 10 t of coke and emits `co2_g` grams of CO2 and `n2o_g` grams of N2O.
fn plant(co2_g: i64, n2o_g: i64) -> custody_core::Ledger {
    let text = format!(
        "entity tiny \"Tiny plant\"\n  ratios molar\n  gwp ar6\n\ncounterparty sup \"Supplier\"\n\n\
         item coke \"Coke\"\n  category fuel\n  carbon-content 0.9\n\nperiod 2025-05 2025-05-01 2025-05-31\n\n\
         2025-05-05 purchase buy-coke\n  supplier sup\n  item coke\n  quantity 10 t\n  factor 0.4 tCO2/t\n\n\
         2025-05-06 consume burn\n  use coke 10 t\n\n\
         2025-05-07 emit stack\n  emission {co2_g} gCO2\n  emission {n2o_g} gN2O\n"
    );
    custody_journal::load(&[custody_journal::Source { name: "tiny.journal".into(), text }]).unwrap()
}

/// A text cell in the report's style (`1,234.5`, `(0.0005)`, `-` for zero) as an exact decimal.
fn cell(s: &str) -> Q {
    if s == "-" {
        return Q::from_integer(0);
    }
    let (neg, body) = match s.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
        Some(b) => (true, b),
        None => (false, s),
    };
    let x = parse_decimal(&body.replace(',', "")).unwrap_or_else(|| panic!("not an amount: {s:?}"));
    if neg {
        -x
    } else {
        x
    }
}

/// Every account row and gas line of the balances text, by account code, beside the JSON's grams.
fn rows(ledger: &custody_core::Ledger) -> Vec<(String, Q, i64, u32)> {
    let text = render(ledger, "balances", None, Format::Text).unwrap();
    let json: Value = serde_json::from_str(&render(ledger, "balances", None, Format::Json).unwrap()).unwrap();
    let mut out = Vec::new();
    for a in json["accounts"].as_array().unwrap() {
        let code = a["code"].as_str().unwrap();
        let line = text.lines().find(|l| l.contains(&format!("({code})")) && !l.contains(": ")).unwrap();
        let shown = cell(line.split_whitespace().last().unwrap());
        out.push((code.to_string(), shown, a["balance_gC"].as_i64().unwrap(), 0));
    }
    for g in json["non_carbon_gases"].as_array().unwrap() {
        let code = g["code"].as_str().unwrap();
        let line = text.lines().find(|l| l.contains(&format!("({code}): "))).unwrap();
        let amount = line.split(": ").nth(1).unwrap().split(" t ").next().unwrap();
        out.push((format!("{code} gas"), cell(amount), g["balance_g"].as_i64().unwrap(), 3));
    }
    out
}

#[test]
fn half_a_kilogram_of_n2o_reads_0_0005_t() {
    let text = render(&plant(1_000_000, 500), "balances", None, Format::Text).unwrap();
    assert!(
        text.contains("Non-carbon gases generated (in.generated): 0.0005 t N2O (non-carbon gas, own balance)"),
        "{text}"
    );
    assert!(text.contains("Direct emissions in WIP (wip.direct): 0.0005 t N2O"), "{text}");
    // 1 tCO2 is 272,921 gC (12.011/44.009, molar): in whole tonnes it read `0`.
    assert!(
        text.contains("Direct emissions in WIP (wip.direct)                             stock  0.272921"),
        "{text}"
    );
    let inv = render(&plant(1_000_000, 500), "ghg-inventory", None, Format::Text).unwrap();
    let n2o = inv.lines().find(|l| l.starts_with("N2O released")).unwrap();
    assert_eq!(n2o.split_whitespace().nth(2), Some("0.0005"), "{n2o}");
}

#[test]
fn amounts_the_precision_holds_read_as_before() {
    // 2 t N2O and 1 tCO2: the gas line keeps its three places, whole tonnes stay whole.
    let text = render(&plant(1_000_000, 2_000_000), "balances", None, Format::Text).unwrap();
    assert!(text.contains("(in.generated): 2.000 t N2O"), "{text}");
    let total = text.lines().find(|l| l.starts_with("Total carbon stock")).unwrap();
    assert_eq!(total.split_whitespace().last(), Some("10"), "{text}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Every row of the balances text against the JSON's grams: zero iff zero, the same sign, and
    /// within half a unit of the stated precision (whole tonnes of carbon, 0.001 t of gas).
    #[test]
    fn every_balance_reads_non_zero_iff_it_is_and_within_its_precision(
        co2_g in 1i64..20_000_000,
        n2o_g in 1i64..5_000_000,
    ) {
        for (code, shown, grams, places) in rows(&plant(co2_g, n2o_g)) {
            let exact = Q::new(grams as i128, 1_000_000);
            prop_assert_eq!(shown == Q::from_integer(0), grams == 0, "{}: {} for {} g", code, shown, grams);
            prop_assert_eq!(shown < Q::from_integer(0), grams < 0, "{}", code);
            prop_assert!(abs_q(shown - exact) * 2 <= Q::new(1, 10i128.pow(places)), "{}: {} for {} g", code, shown, grams);
        }
    }
}
