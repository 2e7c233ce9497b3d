//! Missing is not zero, downstream (hostile test 2, F3 and F12): a purchase or opening without
//! emission data carries its gap with the material: work in process, the products made, the sale,
//! the buyer's receive; product statements name it and assess reaches no level.

use super::instruments::journal;
use custody_core::claims::footprint_from_ledger;
use custody_core::statements::{product_intensity, purchased_goods, Scope};
use custody_core::Ledger;
use proptest::prelude::*;

fn gaps_of(l: &Ledger, item: &str) -> Vec<String> {
    let scope = Scope::resolve(l, None).unwrap();
    product_intensity(l, &scope).products.into_iter().find(|p| p.item == item).map(|p| p.data_gaps).unwrap_or_default()
}

/// The abuse/31 mill of hostile test 2: 100 t of steel at 2.9 kgCO2e/kg made in March and sold.
const MILL: &str = r#"entity m "Mill"
  ratios efi
  gwp ar6
counterparty gas-co "Gas"
counterparty grid "Grid"
counterparty ccs-co "CCS operator"
counterparty buyer "Buyer"
counterparty rail-co "Rail"
item gas "Natural gas"
  category fuel
  carbon-content 0.75
item power "Electricity"
  category electricity
item steel "Steel"
  category product
period 2025 2025-01-01 2025-12-31
2025-03-01 purchase buy-gas
  supplier gas-co
  item gas
  quantity 100 t
  factor 0.5 tCO2/t
2025-03-01 purchase buy-power
  supplier grid
  item power
  quantity 100 MWh
  factor 400 gCO2/kWh
2025-03-02 consume melt
  use gas 100 t
  use power 100 MWh
2025-03-02 emit burn
  emission 200 tCO2
2025-03-02 produce make
  output steel 100 t
2025-03-03 sell sale1
  item steel
  customer buyer 100 t
"#;

fn opening_gap_journal(extra: &str) -> String {
    format!(
        "{MILL}\nitem dri \"DRI\"\n  category raw-material\n{extra}2025-06-02 consume c2\n  use dri 900 t\n\
         2025-06-02 produce make2\n  output steel 900 t\n2025-06-03 sell sale2\n  item steel\n  customer buyer 900 t\n"
    )
}

/// F12: an opening without emission data, three months into the ledger: a gap on the steel made
/// from it (listed as an opening in purchased-goods) and flagged as an opening after `buy-gas`.
#[test]
fn an_opening_without_data_is_a_gap_that_reaches_the_product() {
    let l = journal(&opening_gap_journal("2025-06-01 opening o1\n  item dri\n  quantity 900 t\n"));
    assert_eq!(gaps_of(&l, "steel"), vec!["o1".to_string()]);
    let o1 = l.transaction("o1").unwrap();
    assert_eq!(o1.meta.get("opening_after").map(String::as_str), Some("buy-gas"));
    assert!(o1.meta.contains_key("data_gap"));
    for id in ["c2", "sale2"] {
        assert_eq!(l.transaction(id).unwrap().meta.get("data_gap_from").map(String::as_str), Some("o1"), "{id}");
    }
    // The March production and sale came before the gap: nothing names it.
    for id in ["melt", "make", "sale1"] {
        assert!(!l.transaction(id).unwrap().meta.contains_key("data_gap_from"), "{id}");
    }
    let scope = Scope::resolve(&l, None).unwrap();
    let pg = purchased_goods(&l, &scope);
    assert_eq!(pg.data_gaps, vec![("(opening)".to_string(), "o1".to_string())]);
    // The intensity itself is the ledger's (a lower bound): 100 t x 2.9 t/t over 1,000 t sold.
    let fp = footprint_from_ledger(&l, &scope, "steel", "steel").unwrap();
    assert_eq!(fp.data_gaps, vec!["o1".to_string()]);
    let co2e_g = 290_000_000i128; // 200 tCO2 burnt + 50 tCO2 gas + 40 tCO2 power
    assert_eq!(fp.intensity, custody_core::exact::Q::new(co2e_g, 1_000_000_000));
}

/// A deliberate zero is written `attributed 0 tCO2`: no gap. An opening on the first day (before
/// every operation) is not flagged.
#[test]
fn a_stated_zero_opening_is_no_gap_and_an_early_opening_no_flag() {
    let l = journal(&opening_gap_journal("2025-06-01 opening o1\n  item dri\n  quantity 900 t\n  attributed 0 tCO2\n"));
    assert!(gaps_of(&l, "steel").is_empty());
    assert!(!l.transaction("o1").unwrap().meta.contains_key("data_gap"));
    let early = MILL.replace(
        "2025-03-01 purchase buy-gas",
        "2025-01-01 opening o0\n  item gas\n  quantity 1 t\n  factor 0.5 tCO2/t\n2025-03-01 purchase buy-gas",
    );
    let l = journal(&early);
    assert!(l.transaction("o0").unwrap().meta.is_empty(), "{:?}", l.transaction("o0").unwrap().meta);
}

/// F3: dri-b (no data) and dri-c (content only) are gaps; the steel made from all three lots is
/// incomplete, named by both; the intensity shown is dri-a's 55 tCO2 over 300 t.
#[test]
fn gap_purchases_reach_the_product_and_its_footprint() {
    let l = journal(GAP);
    let scope = Scope::resolve(&l, None).unwrap();
    let pg = purchased_goods(&l, &scope);
    let listed: Vec<&str> = pg.data_gaps.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(listed, ["dri-b", "dri-c"]);
    assert_eq!(gaps_of(&l, "steel"), ["dri-b", "dri-c"]);
    assert_eq!(l.transaction("s1").unwrap().meta.get("data_gap_from").map(String::as_str), Some("dri-b,dri-c"));
    let fp = footprint_from_ledger(&l, &scope, "steel", "steel").unwrap();
    assert_eq!(fp.data_gaps, ["dri-b", "dri-c"]);
    assert_eq!(fp.intensity, custody_core::exact::Q::new(55, 300));
    // The stock was drawn to zero: nothing holds the gap any more.
    assert!(l.gaps_held(Some("dri"), None, None).is_empty());
    assert!(l.gaps_held(None, None, None).is_empty());
}

/// The journal of hostile test 2's F3 (`gap.journal`).
pub const GAP: &str = r#"entity m "Mill"
  ratios efi
  gwp ar6
counterparty sup-a "A"
counterparty sup-b "B"
counterparty sup-c "C"
counterparty buyer "Buyer"
item dri "DRI"
  category raw-material
  carbon-content 0.02
item steel "Steel"
  category product
period 2025 2025-01-01 2025-12-31
2025-03-01 purchase dri-a
  supplier sup-a
  item dri
  quantity 100 t
  factor 550 gCO2/kg
2025-03-01 purchase dri-b
  supplier sup-b
  item dri
  quantity 100 t
2025-03-01 purchase dri-c
  supplier sup-c
  item dri
  quantity 100 t
  content 2 tC
2025-03-02 consume melt
  use dri 300 t
2025-03-02 produce make
  output steel 300 t
2025-03-03 sell s1
  item steel
  customer buyer 300 t
"#;

#[derive(Debug, Clone, Copy)]
enum Costing {
    Fifo,
    Mwa,
    Specific,
}

#[derive(Debug, Clone, Copy)]
enum Path {
    /// Consume the input, make steel, sell it.
    Direct,
    /// Move every lot from s1 to s2 first, and make the steel at s2.
    Move,
    /// Make an intermediate (hbi) from the input, then steel from the hbi.
    Chain,
}

/// A journal: three purchases of dri (tonnes `qty`, the one at `gap` without emission data, the
/// others at 500 gCO2/kg), `take` t consumed (from lot `lot` for specific costing), along `path`.
fn kind_journal(costing: Costing, path: Path, qty: [u32; 3], gap: usize, take: u32, lot: usize) -> String {
    let costing_line = match costing {
        Costing::Fifo => "  costing fifo\n",
        Costing::Mwa => "",
        Costing::Specific => "  costing specific\n",
    };
    let mut j = format!(
        "entity m \"Mill\"\n  ratios efi\n  gwp ar6\ncounterparty sup \"S\"\ncounterparty buyer \"B\"\n\
         item dri \"DRI\"\n  category raw-material\n{costing_line}item hbi \"HBI\"\n  category product\n\
         item steel \"Steel\"\n  category product\nperiod 2025 2025-01-01 2025-12-31\n"
    );
    let site = |s: &str| if matches!(path, Path::Move) { format!("  site {s}\n") } else { String::new() };
    let lot_line = |k: usize| if matches!(costing, Costing::Mwa) { String::new() } else { format!("  lot L{k}\n") };
    for (k, q) in qty.iter().enumerate() {
        let figure = if k == gap { String::new() } else { "  factor 500 gCO2/kg\n".into() };
        j += &format!(
            "2025-03-0{} purchase p{k}\n  supplier sup\n  item dri\n  quantity {q} t\n{}{}{figure}",
            k + 1,
            lot_line(k),
            site("s1")
        );
    }
    if matches!(path, Path::Move) {
        for (k, q) in qty.iter().enumerate() {
            j += &format!("2025-03-04 move mv{k}\n  item dri\n{}  quantity {q} t\n  from s1\n  to s2\n", lot_line(k));
        }
    }
    let use_lot = if matches!(costing, Costing::Specific) { format!(" lot=L{lot}") } else { String::new() };
    j += &format!("2025-03-05 consume melt\n{}  use dri {take} t{use_lot}\n", site("s2"));
    if matches!(path, Path::Chain) {
        j += &format!(
            "2025-03-05 produce make-hbi\n  output hbi {take} t\n2025-03-06 consume melt-hbi\n  use hbi {take} t\n"
        );
    }
    j += &format!("2025-03-06 produce make\n{}  output steel {take} t\n", site("s2"));
    j += &format!("2025-03-07 sell sale\n  item steel\n{}  customer buyer {take} t\n", site("s2"));
    j
}

/// The reference: whether the consumed dri may hold the gap purchase's material. A moving
/// average mixes every purchase; FIFO draws lots oldest first; specific draws the named lot.
fn may_hold_gap(costing: Costing, qty: [u32; 3], gap: usize, take: u32, lot: usize) -> bool {
    match costing {
        Costing::Mwa => true,
        Costing::Fifo => qty[..gap].iter().sum::<u32>() < take,
        Costing::Specific => lot == gap,
    }
}

fn costing() -> impl Strategy<Value = Costing> {
    prop_oneof![Just(Costing::Fifo), Just(Costing::Mwa), Just(Costing::Specific)]
}

fn path() -> impl Strategy<Value = Path> {
    prop_oneof![Just(Path::Direct), Just(Path::Move), Just(Path::Chain)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    /// Any production that consumed gap stock yields an incomplete product naming the gap, and
    /// (FIFO and specific lots) a production that drew only lots with data stays complete:
    /// whatever the costing method and the path (move between sites, a chain of productions).
    #[test]
    fn a_product_of_gap_stock_is_incomplete(
        costing in costing(),
        path in path(),
        qty in [1u32..50, 1u32..50, 1u32..50],
        gap in 0usize..3,
        lot in 0usize..3,
        pick in 1u32..1000,
    ) {
        let available = if matches!(costing, Costing::Specific) { qty[lot] } else { qty.iter().sum() };
        let take = 1 + pick % available;
        let l = journal(&kind_journal(costing, path, qty, gap, take, lot));
        let expected: Vec<String> =
            if may_hold_gap(costing, qty, gap, take, lot) { vec![format!("p{gap}")] } else { vec![] };
        prop_assert_eq!(gaps_of(&l, "steel"), expected.clone());
        let scope = Scope::resolve(&l, None).unwrap();
        prop_assert_eq!(footprint_from_ledger(&l, &scope, "steel", "steel").unwrap().data_gaps, expected);
    }
}

/// What comes back takes its gaps back: a customer's return of the gap steel, and a reversal of
/// its sale, put the steel back in stock with the gap; a clean purchase after the gap stock was
/// drawn to zero carries none.
#[test]
fn returns_and_reversals_take_the_gaps_back_and_an_emptied_stock_forgets_them() {
    let returned = format!("{GAP}2025-03-04 return back\n  sale s1\n  customer buyer\n");
    let l = journal(&returned);
    assert_eq!(l.gaps_held(Some("steel"), None, None), ["dri-b", "dri-c"]);
    assert_eq!(l.transaction("back").unwrap().meta.get("data_gap_from").map(String::as_str), Some("dri-b,dri-c"));
    let reversed = format!("{GAP}2025-03-04 reverse undo\n  of s1\n");
    let l = journal(&reversed);
    assert_eq!(l.gaps_held(Some("steel"), None, None), ["dri-b", "dri-c"]);
    let again = format!(
        "{GAP}2025-03-05 purchase dri-d\n  supplier sup-a\n  item dri\n  quantity 10 t\n  factor 550 gCO2/kg\n\
         2025-03-05 consume melt-2\n  use dri 10 t\n2025-03-05 produce make-2\n  output steel 10 t\n"
    );
    let l = journal(&again);
    assert!(l.gaps_held(Some("steel"), None, None).is_empty());
    assert!(!l.transaction("make-2").unwrap().meta.contains_key("data_gap_from"));
}
