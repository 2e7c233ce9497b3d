//! Pools take no negative figure (E032): finding F14 of the second hostile test as its repro's
//! right value, a table over every figure a pool takes, and a property. Rule: docs/journal.md
//! "Signs".

use super::pools::{accepted, claim, refused, try_load, SITE};
use custody_core::exact::Q;
use proptest::prelude::*;

fn input(id: &str, item: &str, quantity: &str, intensity: Option<&str>) -> String {
    let i = intensity.map(|x| format!("  intensity {x} tCO2e/t\n")).unwrap_or_default();
    format!("2025-03-31 pool-input {id}\n  pool sa\n  item {item}\n  quantity {quantity}\n{i}  site s1\n")
}

/// F14: 100 t of DRI typed at -0.7 tCO2e/t, and a claim at -0.7, are refused E032 like every
/// other negative emission; the pool's emissions stay 100 x 0.7 + 300 x 2.2 = 730 t.
#[test]
fn negative_pool_figures_are_refused() {
    refused(&format!("{SITE}{}", input("neg", "dri-steel", "100 t", Some("-0.7"))), "negative_amount");
    refused(&format!("{SITE}{}", claim("k1", "100", "-0.7")), "negative_amount");
    let l = accepted(SITE);
    assert_eq!(l.pool("sa").unwrap().statements()[0].emissions, Some(730_000_000));
}

/// F14, the kind: every negative intensity or factor a pool takes, however small or large, is
/// refused E032 (and nothing else is reported for it); zero is not negative.
#[test]
fn every_negative_pool_figure_is_refused() {
    for x in ["-0.7", "-0.000001", "-1000", "-0"] {
        let figures = [
            format!("{SITE}{}", input("neg", "dri-steel", "100 t", Some(x))),
            format!("{SITE}{}", input("neg", "bof-steel", "10 t", Some(x))),
            format!("{SITE}{}", claim("k1", "100", x)),
            format!("{SITE}{}", claim("k1", "1", x)),
        ];
        for text in figures {
            match (x, try_load(&text)) {
                ("-0", Ok(_)) => {}
                ("-0", Err(codes)) => assert!(!codes.iter().any(|c| c == "negative_amount"), "{codes:?}\n{text}"),
                (_, Err(codes)) => assert_eq!(codes, vec!["negative_amount"], "{text}"),
                (_, Ok(_)) => panic!("accepted {x}:\n{text}"),
            }
        }
    }
    // A zero input is no negative amount; a zero claim is below the line (E027), not E032.
    accepted(&format!("{SITE}{}", input("zero", "bof-steel", "10 t", Some("0"))));
    refused(&format!("{SITE}{}", claim("k1", "1", "0")), "stacked_attribution");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// A non-eligible input of 100 t at x / 10,000 tCO2e/t: refused E032 exactly when x < 0;
    /// otherwise the pool's emissions are 730 t + 100 t x x / 10,000 (= 10,000 x g).
    #[test]
    fn an_input_intensity_is_taken_exactly_when_not_negative(x in -10_000_000i64..10_000_000) {
        let f = Q::new(x as i128, 10_000);
        let text = format!("{SITE}{}", input("extra", "bof-steel", "100 t", Some(&custody_core::exact::format_decimal(f, 4))));
        match try_load(&text) {
            Ok(l) => {
                prop_assert!(x >= 0);
                prop_assert_eq!(l.pool("sa").unwrap().statements()[0].emissions, Some(730_000_000 + 10_000 * x));
            }
            Err(codes) => {
                prop_assert!(x < 0);
                prop_assert_eq!(codes, vec!["negative_amount".to_string()]);
            }
        }
    }
}
