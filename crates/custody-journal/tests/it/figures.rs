//! Every physical figure is physical (issue 16; /tmp/breaker 21, 24, 26): never negative (E032 for
//! operations, a definition error naming line and field for items), never a nonzero figure that
//! silently rounds to zero (E021), never more carbon than material (E046). Each breaker case as a
//! test, and beside it a table (or a property) over the whole kind.

use super::rejections::check;
use custody_journal::{load, Source};
use proptest::prelude::*;

const HEAD: &str = "entity t \"Test\"\n  ratios efi\n  gwp ar6\ncounterparty sup \"Supplier\"\n\
    counterparty cust \"Customer\"\ncounterparty store \"Storage\"\ncounterparty broker \"Broker\"\n\
    period 2025-01 2025-01-01 2025-01-31\n\
    item gas \"Gas\"\n  category fuel\n  carbon-content 0.75\nitem steel \"Steel\"\n  category product\n\
    item power \"Power\"\n  category electricity\n  market-boundary DE\n\
    item heat \"Heat, held by energy\"\n  category fuel\n  energy-content 50 MJ/kg\n  measure energy\n\
    asset plant \"Plant\"\n  in-service 2025-01\n  life 10 years\n\
    2025-01-01 purchase buy-gas\n  supplier sup\n  item gas\n  quantity 100 t\n  factor 0.5 tCO2/t\n\
    2025-01-02 consume melt\n  use gas 100 t\n2025-01-02 emit burn\n  emission 200 tCO2\n\
    2025-01-02 produce make\n  output steel 100 t\n";

/// Loads HEAD + `body`: the ledger's transaction count, or every diagnostic as text.
fn load_all(body: &str) -> Result<usize, String> {
    load(&[Source { name: "t.journal".into(), text: format!("{HEAD}{body}") }])
        .map(|l| l.transactions().len())
        .map_err(|(_, d)| d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))
}

const BASE_TXS: usize = 4;

#[test]
fn the_head_is_valid() {
    assert_eq!(load_all(""), Ok(BASE_TXS));
}

#[test]
fn e032_negative_amount() {
    // Every physical figure of an operation: a factor, attributed, content, an emission, a
    // capture, transport (on the rejections table's base journal).
    let buy = "2025-01-05 purchase p9\n  supplier sup\n  item ore\n  quantity 1 t\n";
    check(&format!("{buy}  factor -5 tCO2/t\n"), &["negative_amount"]);
    check(&format!("{buy}  attributed -400 tCO2\n"), &["negative_amount"]);
    check(&format!("{buy}  attributed 1 tCO2\n  content -1 tC\n"), &["negative_amount"]);
    check("2025-01-05 emit e9\n  emission -1 tCO2\n", &["negative_amount"]);
    check("2025-01-05 capture k9\n  operator store\n  captured -1 tCO2\n", &["negative_amount"]);
    check(
        "2025-01-05 sell s9\n  item steel\n  quantity 1 t\n  customer cust share 100%\n  transport -50 kgCO2/t\n",
        &["negative_amount"],
    );
}

const EAC: &str = "2025-01-05 obtain rec-2\n  instrument eac\n  quantity 0.001 tCO2e\n  counterparty broker\n  \
    certificate GO-2025-1b\n  against power\n  covers 1 GWh\n  generated 2025-01-01 2025-01-31\n  boundary DE\n";

#[test]
fn breaker_21_a_certificate_never_carries_a_negative_rate() {
    let buy = "2025-01-04 purchase p1\n  supplier sup\n  item power\n  quantity 1 GWh\n  factor 400 gCO2/kWh\n";
    assert_eq!(load_all(&format!("{buy}{EAC}  rate 0 gCO2/kWh\n")), Ok(BASE_TXS + 1));
    let e = load_all(&format!("{buy}{EAC}  rate -100 gCO2/kWh\n")).unwrap_err();
    assert!(e.contains("E032 negative_amount") && e.contains("field `rate`"), "{e}");
}

#[test]
fn breaker_21_item_factors_are_never_negative() {
    // (field line, what the message names): the field's line is the item's line + 1 in the table.
    let item_line = HEAD.lines().count() + 1;
    for (field, names, ok) in [
        ("grid-factor -400 gCO2/kWh \"x\"", "`grid-factor` is negative", "grid-factor 400 gCO2/kWh \"x\""),
        ("residual-mix -600 gCO2/kWh \"x\"", "`residual-mix` is negative", "residual-mix 0 gCO2/kWh \"x\""),
        ("grid-factor -0.001 kgCH4/MWh \"x\"", "`grid-factor` is negative", "grid-factor 0.001 kgCH4/MWh \"x\""),
        ("processing oxidised -60%", "oxidised share is between 0 and 1", "processing oxidised 60%"),
        ("use oxidised -40%", "oxidised share is between 0 and 1", "use oxidised 40%"),
        ("end-of-life oxidised -1%", "oxidised share is between 0 and 1", "end-of-life oxidised 1%"),
        ("carbon-content -0.01", "carbon content is a mass fraction", "carbon-content 0.01"),
    ] {
        let category = if field.contains("grid") || field.contains("residual") { "electricity" } else { "product" };
        let item = |f: &str| format!("item neg \"N\"\n  {f}\n  category {category}\n");
        let e = load_all(&item(field)).unwrap_err();
        assert!(e.starts_with(&format!("t.journal:{}:", item_line + 1)) && e.contains(names), "{field}: {e}");
        assert_eq!(load_all(&item(ok)), Ok(BASE_TXS), "{ok}");
    }
}

#[test]
fn the_ledger_refuses_negative_item_factors_from_any_source() {
    // Items may come from elsewhere than the parser (the server, imports): the ledger checks too.
    let l = load(&[Source { name: "t.journal".into(), text: HEAD.into() }]).unwrap();
    let power = l.item("power").unwrap().clone();
    let neg = |mut f: custody_core::units::Intensity| {
        f.value = -f.value - custody_core::exact::q(1);
        custody_core::model::GridFactor { factor: f, source: "x".into() }
    };
    let f = custody_core::units::Intensity::parse("400", "gCO2/kWh").unwrap();
    let half = custody_core::exact::Q::new(1, 2);
    type Bend<'a> = Box<dyn Fn(&mut custody_core::model::Item) + 'a>;
    let cases: [(&str, Bend); 5] = [
        ("grid-factor", Box::new(|i| i.grid_factors = vec![neg(f)])),
        ("residual-mix", Box::new(|i| i.residual_mix = vec![neg(f)])),
        ("processing", Box::new(|i| i.fate.processing = Some(-half))),
        ("use", Box::new(|i| i.fate.use_phase = Some(-half))),
        ("end-of-life", Box::new(|i| i.fate.end_of_life = Some(half + half + half))),
    ];
    for (name, bend) in cases {
        let mut l = l.clone();
        let mut item = power.clone();
        item.id = "bent".into();
        bend(&mut item);
        let e = l.add_item(item).unwrap_err();
        assert!(e.0.contains(name) && e.0.contains("bent"), "{name}: {}", e.0);
    }
}

#[test]
fn breaker_24_a_tiny_stated_figure_is_refused_not_zero() {
    let buy = "2025-01-05 purchase p9\n  supplier sup\n  item gas\n  quantity 1 t\n";
    for tail in ["attributed 0.5 gCO2", "attributed 0.4 gCF4", "attributed 0.4 gN2O", "factor 0.0000001 kgCO2/t"] {
        let e = load_all(&format!("{buy}  {tail}\n")).unwrap_err();
        assert!(e.contains("E021 overflow") && e.contains("rounds to 0"), "{tail}: {e}");
    }
    // 0.9 gCO2 is 0.2457 gC: refused too; 2 gCO2 is 0.546 gC, booked as 1 gC.
    assert!(load_all(&format!("{buy}  attributed 0.9 gCO2\n")).unwrap_err().contains("E021"));
    assert_eq!(load_all(&format!("{buy}  attributed 2 gCO2\n")), Ok(BASE_TXS + 1));
    assert_eq!(load_all(&format!("{buy}  attributed 0 gCO2\n")), Ok(BASE_TXS + 1), "a deliberate zero");
}

#[test]
fn every_entry_path_of_a_stated_figure_refuses_one_below_resolution() {
    let buy = "2025-01-05 purchase p9\n  supplier sup\n  item gas\n  quantity 1 t\n";
    for (tail, field) in [
        (format!("{buy}  attributed 0.4 gSF6\n"), "attributed"),
        (format!("{buy}  attributed 0.4 gCO2e\n"), "attributed"),
        (format!("{buy}  factor 0.1 gCH4/t\n"), "factor"),
        (format!("{buy}  content 0.4 gC\n"), "content"),
        ("2025-01-05 opening o9\n  item gas\n  quantity 1 t\n  attributed 0.5 gCO2\n".into(), "attributed"),
        ("2025-01-05 emit e9\n  emission 0.5 gCO2\n".into(), "emission"),
        ("2025-01-05 capture k9\n  operator store\n  captured 0.5 gCO2\n".into(), "captured"),
        ("2025-01-05 capture k9\n  operator store\n  captured 1 tCO2\n  process 0.5 gCO2\n".into(), "process"),
        ("2025-01-05 capitalise c9\n  asset plant\n  amount 0.4 gN2O\n".into(), "amount"),
        ("2025-01-05 sell s9\n  item steel\n  customer cust 1 t\n  transport 0.0001 gCO2/t\n".into(), "transport"),
        (
            "2025-01-05 consume c9\n  use gas 1 t\n2025-01-05 produce m9\n  output steel 1 t content 0.4 gC\n".into(),
            "output",
        ),
    ] {
        let e = load_all(&tail).unwrap_err();
        assert!(e.contains("E021 overflow") && e.contains(&format!("field `{field}`")), "{tail}: {e}");
    }
}

proptest! {
    /// Reference model: `n` mg of gas is booked iff its ledger amount, rounded half to even,
    /// is not zero (CO2: 0.273 gC/g under `ratios efi`; N2O: grams of gas); else E021.
    #[test]
    fn a_stated_figure_is_booked_iff_it_reaches_the_resolution(n in 1u32..5000, n2o in any::<bool>()) {
        let (species, booked) = if n2o { ("N2O", n > 500) } else { ("CO2", u64::from(n) * 273 > 500_000) };
        let mg = format!("{}.{:03}", n / 1000, n % 1000);
        let r = load_all(&format!(
            "2025-01-05 purchase p9\n  supplier sup\n  item gas\n  quantity 1 t\n  attributed {mg} g{species}\n"
        ));
        if booked {
            prop_assert_eq!(r, Ok(BASE_TXS + 1));
        } else {
            prop_assert!(r.unwrap_err().contains("E021"));
        }
    }
}

#[test]
fn breaker_26_content_never_exceeds_the_mass_of_the_material() {
    let buy = "2025-01-05 purchase p9\n  supplier sup\n  item gas\n  quantity 1 t\n";
    let e = load_all(&format!("{buy}  content 1000 tC\n")).unwrap_err();
    assert!(e.contains("E046 content_exceeds_mass") && e.contains("field `content`"), "{e}");
    let e = load_all("2025-01-05 produce m9\n  output steel 0.1 t content 0.5 tC\n").unwrap_err();
    assert!(e.contains("E046 content_exceeds_mass") && e.contains("field `output`"), "{e}");
}

#[test]
fn content_is_refused_exactly_above_the_mass_on_every_path() {
    // (operation, content, refused?): at most the mass in grams, on purchase, opening, production,
    // and for an item held by energy through its energy content (50 MJ is 1 kg).
    let buy = |q: &str, c: &str| {
        format!("2025-01-05 purchase p9\n  supplier sup\n  item gas\n  quantity {q}\n  content {c}\n")
    };
    let open = |c: &str| format!("2025-01-05 opening o9\n  item gas\n  quantity 1 t\n  content {c}\n");
    let out = |c: &str| {
        format!(
            "2025-01-05 purchase g9\n  supplier sup\n  item gas\n  quantity 1 t\n  factor 0.5 tCO2/t\n\
             2025-01-05 consume c9\n  use gas 1 t\n2025-01-05 produce m9\n  output steel 1 t content {c}\n"
        )
    };
    let heat =
        |c: &str| format!("2025-01-05 purchase h9\n  supplier sup\n  item heat\n  quantity 50 MJ\n  content {c}\n");
    for (case, refused) in [
        (buy("1 t", "1 tC"), false),
        (buy("1 t", "1000001 gC"), true),
        (buy("1 kg", "1.5 kgC"), true),
        (open("1 tC"), false),
        (open("1.000001 tC"), true),
        (out("1 tC"), false),
        (out("2 tC"), true),
        (heat("1 kgC"), false),
        (heat("1001 gC"), true),
    ] {
        match load_all(&case) {
            Ok(_) => assert!(!refused, "booked but should be refused: {case}"),
            Err(e) => assert!(refused && e.contains("E046 content_exceeds_mass"), "{case}: {e}"),
        }
    }
}

/// E047: a production needs something in work in process at its site. After the head's run
/// (`make` emptied work in process), outputs from nothing would be steel at zero that dilutes
/// `make`'s 100 t (the hostile test: 900 t more took the year's steel from 2.9 to 0.29 t/t and
/// to IEA near-zero). Work in process holding anything, or a consumption there since the last
/// production (inputs stated at zero), makes a run.
#[test]
fn e047_a_production_needs_work_in_process_at_its_site() {
    let site = "site s2 \"Second works\"\n";
    for (case, body, refused) in [
        ("nothing since the last run", "2025-01-05 produce m9\n  output steel 900 t\n".to_string(), true),
        (
            "two outputs of one run in two produces",
            "2025-01-05 purchase g2\n  supplier sup\n  item gas\n  quantity 1 t\n  factor 0.5 tCO2/t\n\
             2025-01-05 consume c2\n  use gas 1 t\n2025-01-05 produce m9\n  output steel 1 t\n\
             2025-01-05 produce m10\n  output steel 900 t\n"
                .to_string(),
            true,
        ),
        (
            "inputs at another site",
            format!(
                "{site}2025-01-05 purchase g2\n  supplier sup\n  item gas\n  quantity 1 t\n  factor 0.5 tCO2/t\n\
                 2025-01-05 consume c2\n  use gas 1 t\n2025-01-05 produce m9\n  site s2\n  output steel 1 t\n"
            ),
            true,
        ),
        (
            "after a consumption since reversed",
            "2025-01-05 purchase g2\n  supplier sup\n  item gas\n  quantity 1 t\n  factor 0.5 tCO2/t\n\
             2025-01-05 consume c2\n  use gas 1 t\n2025-01-05 reverse r2\n  of c2\n\
             2025-01-05 produce m9\n  output steel 1 t\n"
                .to_string(),
            true,
        ),
        (
            "after consuming an input stated at zero, holding no carbon (a run at zero, stated)",
            "item slag \"Slag sand\"\n  category raw-material\n  carbon-content 0\n\
             2025-01-05 purchase s2\n  supplier sup\n  item slag\n  quantity 1 t\n  attributed 0 tCO2\n\
             2025-01-05 consume c2\n  use slag 1 t\n2025-01-05 produce m9\n  output steel 1 t\n"
                .to_string(),
            false,
        ),
        (
            "after a consumption and its emission",
            "2025-01-05 purchase g2\n  supplier sup\n  item gas\n  quantity 1 t\n  factor 0.5 tCO2/t\n\
             2025-01-05 consume c2\n  use gas 1 t\n2025-01-05 emit e9\n  emission 1 tCO2\n\
             2025-01-05 produce m9\n  output steel 1 t\n"
                .to_string(),
            false,
        ),
        (
            "after a consumption",
            "2025-01-05 purchase g2\n  supplier sup\n  item gas\n  quantity 1 t\n  factor 0.5 tCO2/t\n\
             2025-01-05 consume c2\n  use gas 1 t\n2025-01-05 produce m9\n  output steel 1 t\n"
                .to_string(),
            false,
        ),
    ] {
        match load_all(&body) {
            Ok(n) => assert!(!refused, "{case}: booked ({n} transactions) but should be refused"),
            Err(e) => assert!(refused && e.contains("E047 production_without_inputs"), "{case}: {e}"),
        }
    }
}
