//! Parse errors name file, line and column; malformed input never panics.

use custody_journal::{load, Source};
use proptest::prelude::*;

fn errors(text: &str) -> Vec<String> {
    match load(&[Source { name: "j.journal".into(), text: text.into() }]) {
        Ok(_) => vec![],
        Err((_, d)) => d.iter().map(|d| d.to_string()).collect(),
    }
}

const HEAD: &str = "entity e \"E\"\n  ratios efi\n  gwp ar5\nperiod p 2025-01-01 2025-01-31\n";

#[test]
fn errors_name_file_line_and_column() {
    let text = format!("{HEAD}item ore \"Ore\"\n  category rock\n");
    assert_eq!(
        errors(&text),
        ["j.journal:6:12: `rock` is not a category (one of: raw-material, fuel, electricity, product, byproduct, waste)"]
    );
    let text = format!("{HEAD}2025-01-02 purchase p1\n  item ore\n  quantity 10 tonnes\n");
    assert_eq!(errors(&text)[0], "j.journal:7:15: unknown unit `tonnes` (one of: g, kg, t, kt, Mt, kJ, MJ, GJ, TJ, Wh, kWh, MWh, GWh, TWh, Btu, MMBtu, therm, Dth, L, m3, cf, scf, Mcf, MMcf, Bcf)");
    let text = format!("{HEAD}2025-13-02 purchase p1\n  item ore\n");
    assert_eq!(errors(&text), ["j.journal:5:1: `2025-13-02` is not a date YYYY-MM-DD"]);
    let text = format!("{HEAD}item ore \"Ore\n");
    assert_eq!(errors(&text), ["j.journal:5:10: unterminated string: add the closing `\"`"]);
    let text = format!("{HEAD}2025-01-02 purchase p1\n  item ore\n  colour blue\n");
    assert!(errors(&text)[0].starts_with("j.journal:7:3: unknown field `colour`"), "{:?}", errors(&text));
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let text = format!("{HEAD}item a \"A\"\n  category rock\nitem b \"B\"\n  category stone\n  indented\n");
    let e = errors(&text);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].starts_with("j.journal:6:12"));
    assert!(e[1].starts_with("j.journal:8:12"));
}

#[test]
fn a_rejection_points_at_its_operation() {
    let text = format!("{HEAD}\n\n2025-01-02 consume c1\n  use nothing 1 t\n");
    assert_eq!(
        errors(&text),
        ["j.journal:7:1: `c1` rejected: [E005 item_unknown] item `nothing` is not defined (field `use`)"]
    );
}

fn efi() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/efi-h2-dri-eaf/efi.journal")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random garbage never panics the parser or the loader.
    #[test]
    fn garbage_never_panics(text in "\\PC{0,400}") {
        let _ = load(&[Source { name: "g".into(), text }]);
    }

    /// Mutating the EFI journal (a character replaced, a line dropped or doubled) never panics.
    #[test]
    fn mutated_journal_never_panics(pos in 0usize..20_000, ch in proptest::char::any(), line in 0usize..400, op in 0u8..3) {
        let text = efi();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mutated = match op {
            0 => {
                let mut chars: Vec<char> = text.chars().collect();
                let i = pos % chars.len();
                chars[i] = ch;
                chars.into_iter().collect()
            }
            1 => { let i = line % lines.len(); lines.remove(i); lines.join("\n") }
            _ => { let i = line % lines.len(); let l = lines[i].clone(); lines.insert(i, l); lines.join("\n") }
        };
        let _ = load(&[Source { name: "m".into(), text: mutated }]);
    }
}

#[test]
fn a_gas_metered_by_volume_converts_by_its_energy_content() {
    let text = format!(
        "{HEAD}counterparty s \"S\"\nitem gas \"Gas\"\n  category fuel\n  measure energy\n  energy-content 38 MJ/m3\n\
         2025-01-02 purchase p1\n  supplier s\n  item gas\n  quantity 100 m3\n  factor 50 gCO2/MJ\n"
    );
    let l = load(&[Source { name: "j".into(), text }]).unwrap();
    let tx = &l.transactions()[0];
    // 100 m3 x 38 MJ/m3 = 3,800 MJ = 3,800,000 kJ held; x 50 gCO2/MJ = 190,000 gCO2; x 0.273 = 51,870 gC.
    assert_eq!(tx.movements[0].quantity, 3_800_000);
    assert!(tx.postings.iter().any(|p| p.account == "fuel.attributed" && p.amount == 51_870));
}

/// Found by fuzzing (fuzz/corpus/journal/regress-missing-arg-column): a missing argument was
/// reported two columns past the end of its line, and a quoted last argument was measured without
/// its quotes. It is reported just past the line's last token, as written.
#[test]
fn a_missing_argument_is_placed_just_after_the_line() {
    let text = format!("{HEAD}2025-01-03 c\n");
    assert_eq!(errors(&text), ["j.journal:5:13: `2025-01-03` needs an id"]);
    let text = format!("{HEAD}2025-01-02 purchase p1\n  supplier\n");
    assert!(errors(&text)[0].starts_with("j.journal:6:11: `supplier` needs"), "{:?}", errors(&text));
    let text = format!("{HEAD}2025-01-02 purchase p1\n  quantity \"10\"\n");
    assert!(errors(&text)[0].starts_with("j.journal:6:16: `quantity` needs"), "{:?}", errors(&text));
}

/// A number past the exact range says so, instead of "not a number" (fuzz/corpus/journal/tricky-huge-numbers).
#[test]
fn a_number_with_too_many_digits_says_why() {
    let text = format!("{HEAD}2025-01-02 purchase p1\n  quantity 99999999999999999999999999999999999999 t\n");
    assert!(
        errors(&text)[0].starts_with(
            "j.journal:6:12: `99999999999999999999999999999999999999` has 38 digits: a number is an exact decimal of at most 30 digits"
        ),
        "{:?}",
        errors(&text)
    );
}

#[test]
fn ghg_item_fields_are_checked_where_written() {
    let item = |body: &str| format!("entity e \"E\"\n  ratios efi\n  gwp ar5\nitem x \"X\"\n{body}");
    let e = errors(&item("  category raw-material\n  ghg scope3-16\n"));
    assert!(e[0].starts_with("j.journal:6:7: `scope3-16` is not a GHG Protocol place"), "{e:?}");
    let e = errors(&item("  category raw-material\n  grid-factor 1 gCO2/kWh \"s\"\n"));
    assert_eq!(e, ["j.journal:4:1: item `x`: a grid factor, residual mix or market boundary is for Scope 2 items (electricity, or `ghg scope2`)"]);
    let e = errors(&item("  category electricity\n  grid-factor 1 gCO2/kWh source\n"));
    assert!(e[0].contains("a grid factor's source is a quoted, non-empty text"), "{e:?}");
    let e = errors(&item("  category electricity\n  grid-factor 1 gCO2/kWh \"a\"\n  grid-factor 2 gCO2/kWh \"b\"\n"));
    assert_eq!(e, ["j.journal:4:1: item `x` gives two grid factors for one species"]);
    let e = errors(&item("  category electricity\n  ghg-split scope2 5%\n"));
    assert_eq!(e, ["j.journal:4:1: item `x`: a split moves part of the footprint to another place"]);
    let e = errors(&item("  category electricity\n  ghg-split scope3-3 100%\n"));
    assert!(e[0].contains("a split share is above 0 and below 100%"), "{e:?}");
    let e = errors(&item("  category product\n  end-of-life oxidised 120%\n"));
    assert!(e[0].contains("an oxidised share is between 0 and 1"), "{e:?}");
    let e = errors(&item("  category product\n  processing burnt 10%\n"));
    assert!(e[0].contains("the processing fate is `oxidised F`"), "{e:?}");
    let e = errors(&item(
        "  category product\n  processing oxidised 40%\n  use oxidised 40%\n  end-of-life oxidised 30%\n",
    ));
    assert_eq!(e, ["j.journal:4:1: item `x`: the shares oxidised in processing, use and end of life sum to more than 100% of its carbon"]);
    let e = errors(&item("  category raw-material\n  residual-mix 600 gCO2/kWh \"AIB\"\n"));
    assert!(e[0].contains("a grid factor, residual mix or market boundary is for Scope 2 items"), "{e:?}");
    let e = errors(&item("  category electricity\n  residual-mix 600 gCO2/kWh AIB\n"));
    assert!(e[0].contains("a grid factor's source is a quoted, non-empty text"), "{e:?}");
    let e = errors(&item("  category electricity\n  residual-mix 1 gCO2/kWh \"a\"\n  residual-mix 2 gCO2/kWh \"b\"\n"));
    assert_eq!(e, ["j.journal:4:1: item `x` gives two residual-mix factors for one species"]);
    let e = errors("entity e \"E\"\n  ratios efi\n  gwp ar5\n  co-voc burnt\n");
    assert_eq!(e, ["j.journal:4:10: `burnt` is not a CO and VOC rule (one of: excluded, oxidised)"]);
    let e = errors("entity e \"E\"\n  ratios efi\n  gwp ar5\nsite s \"S\"\n  ets \"\"\n");
    assert!(e[0].starts_with("j.journal:5:7: an emission trading scheme's name must not be empty"), "{e:?}");
    let e = errors("entity e \"E\"\n  ratios efi\n  gwp ar5\nperiod p 2025-01-01 2025-01-31\n  revenue 10 euros\n");
    assert!(e[0].contains("three-letter ISO 4217 code"), "{e:?}");
    let target = |body: &str| {
        format!("entity e \"E\"\n  ratios efi\n  gwp ar5\ntarget t \"T\"\n  baseline-year 2024\n  reduction 10%\n  year 2030\n{body}")
    };
    let e = errors(&target("  baseline 5 tCO2e\n  scope scope2\n"));
    assert!(e[0].contains("`scope2` is not what the target measures"), "{e:?}");
    let e = errors(&target("  baseline 5 tCO2e\n  scope scope1\n  basis intensity\n"));
    assert!(e[0].contains("an intensity target needs `scope` and a `baseline-period`"), "{e:?}");
    let e = errors(&target("  baseline 5 tCO2e\n  baseline-period p\n  scope scope1\n"));
    assert!(e[0].contains("both only with `recalculate-above`"), "{e:?}");
    let e = errors(&item("  category product\n  end-of-life landfilled 1\n"));
    assert!(e[0].contains("`oxidised F`"), "{e:?}");
}
