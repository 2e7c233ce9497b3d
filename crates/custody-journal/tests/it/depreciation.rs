//! Depreciation lands on product that exists (hostile test F16; journal.md `depreciate`): on the
//! named product's stock at the site, split over its lots by quantity; on the site's coming run
//! when none of it was made yet in the months depreciated; refused (E015) when what those months
//! made has left. The repro's right value, and a table over where each share lands.

use custody_core::chart::Role;
use custody_core::Ledger;
use custody_journal::{load, Source};

/// hostile2 work/dep-after.journal without its last operation: a plant capitalised at 1200 tCO2
/// (life 1 year, in service January), 100 t of steel made in March, all sold on 04-03.
const MILL: &str = "entity m \"Mill\"\n  ratios efi\n  gwp ar6\ncounterparty gas-co \"Gas\"\n\
    counterparty ccs-co \"CCS operator\"\ncounterparty buyer \"Buyer\"\ncounterparty builder \"Builder\"\n\
    item gas \"Natural gas\"\n  category fuel\n  carbon-content 0.75\nitem steel \"Steel\"\n  category product\n\
    item bar \"Bar, costed by lot\"\n  category product\n  costing fifo\n\
    asset plant \"Plant\"\n  in-service 2025-01\n  life 1 years\nperiod 2025 2025-01-01 2025-12-31\n\
    2025-01-01 capitalise cap\n  asset plant\n  counterparty builder\n  amount 1200 tCO2\n\
    2025-03-01 purchase buy-gas\n  supplier gas-co\n  item gas\n  quantity 1000 t\n  factor 0.5 tCO2/t\n\
    2025-03-02 consume melt\n  use gas 100 t\n2025-03-02 emit burn\n  emission 200 tCO2\n\
    2025-03-02 capture cc\n  operator ccs-co\n  captured 100 tCO2\n  process 10 tCO2\n\
    2025-03-02 produce make\n  output steel 100 t\n";

const SALE: &str = "2025-04-03 sell sale1\n  item steel\n  customer buyer 100 t\n";

fn ledger(body: &str) -> Result<Ledger, String> {
    load(&[Source { name: "t.journal".into(), text: format!("{MILL}{body}") }])
        .map_err(|(_, d)| d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))
}

/// gC on positions of `role` for `item` (None: work in process) and lot (None: any).
fn on(l: &Ledger, role: Role, item: Option<&str>, lot: Option<&str>) -> i64 {
    let code = &l.chart().by_role(role).code;
    l.positions()
        .iter()
        .filter(|((acc, _, d), _)| {
            acc == code && d.item.as_deref() == item && lot.is_none_or(|x| d.lot.as_deref() == Some(x))
        })
        .map(|(_, a)| *a)
        .sum()
}

/// gC of the 1200 tCO2 capitalised, as the capitalisation posted it; `months`/12 of it is due.
fn due(l: &Ledger, months: i64) -> i64 {
    let cap = on(l, Role::PpeAttributed, Some("plant"), None);
    // Exact share, rounded half to even (cap x months / 12 is an integer or a half here).
    let (q, r) = ((cap * months) / 12, (cap * months) % 12);
    q + i64::from(2 * r > 12 || (2 * r == 12 && q % 2 == 1))
}

fn dep(date: &str, to: &str) -> String {
    format!("{date} depreciate dep\n  asset plant\n{to}")
}

/// F16: 400 tCO2 (January to April) booked on 0 t of steel after all of it was sold: refused,
/// naming the product; booked before the sale (three months, 300 tCO2), the steel sold carries it
/// and no steel holding keeps any.
#[test]
fn f16_depreciation_is_not_parked_on_a_product_sold_out() {
    let e = ledger(&format!("{SALE}{}", dep("2025-04-30", "  to steel\n"))).unwrap_err();
    assert!(e.contains("E015 allocation_invalid") && e.contains("product `steel` has no stock"), "{e}");
    let l = ledger(&format!("{}{SALE}", dep("2025-03-31", "  to steel\n"))).unwrap();
    let dep_c = -l.transaction("dep").unwrap().postings.iter().filter(|p| p.amount < 0).map(|p| p.amount).sum::<i64>();
    assert_eq!(dep_c, due(&l, 3));
    assert_eq!(on(&l, Role::ProductDepreciation, Some("steel"), None), 0, "the steel sold took it");
    let sold: i64 = l.transaction("sale1").unwrap().postings.iter().filter(|p| p.amount < 0).map(|p| p.amount).sum();
    assert!(-sold >= dep_c, "the sale carries the depreciation: {sold} vs {dep_c}");
}

/// Where each share lands. Stock at the site: on it (lots by quantity). No stock and nothing made
/// since the asset's last depreciation: in work in process, taken by the next run (the month's
/// depreciation booked before its production). No stock after making some in the months
/// depreciated: refused, naming the product.
#[test]
fn each_share_lands_on_stock_on_the_coming_run_or_is_refused() {
    // On stock: all of it on the steel held.
    let l = ledger(&dep("2025-03-31", "  to steel\n")).unwrap();
    assert_eq!(on(&l, Role::ProductDepreciation, Some("steel"), None), due(&l, 3));
    // Half sold: the 50 t left carry all of it (a share on stock, whatever the quantity).
    let half = "2025-03-10 sell s-half\n  item steel\n  customer buyer 50 t\n";
    let l = ledger(&format!("{half}{}", dep("2025-03-31", "  to steel\n"))).unwrap();
    assert_eq!(on(&l, Role::ProductDepreciation, Some("steel"), None), due(&l, 3));
    // Lots: 30 t and 90 t of bar in two lots take 1/4 and 3/4, never a lot of its own.
    let bars = "2025-03-03 consume m2\n  use gas 30 t\n2025-03-03 produce bar-a\n  output bar 30 t\n\
                2025-03-04 consume m3\n  use gas 90 t\n2025-03-04 produce bar-b\n  output bar 90 t\n";
    let l = ledger(&format!("{bars}{}", dep("2025-03-31", "  to bar\n"))).unwrap();
    let (a, b) = (
        on(&l, Role::ProductDepreciation, Some("bar"), Some("bar-a")),
        on(&l, Role::ProductDepreciation, Some("bar"), Some("bar-b")),
    );
    assert_eq!(a + b, due(&l, 3));
    assert!((a * 3 - b).abs() <= 3, "by quantity: {a} and {b}");
    assert_eq!(on(&l, Role::ProductDepreciation, Some("bar"), Some("dep")), 0);
    // Nothing of `bar` made yet (steel was): the share waits in work in process; the next run
    // takes it and no holding keeps it.
    let l = ledger(&dep("2025-03-31", "  to bar\n")).unwrap();
    assert_eq!(on(&l, Role::WipAttributed, None, None), due(&l, 3));
    let run = "2025-04-01 consume m4\n  use gas 10 t\n2025-04-01 produce bar-c\n  output bar 10 t\n";
    let l = ledger(&format!("{}{run}", dep("2025-03-31", "  to bar\n"))).unwrap();
    assert_eq!(on(&l, Role::WipAttributed, None, None), 0);
    let bar_c: i64 =
        l.positions().iter().filter(|((_, _, d), _)| d.lot.as_deref() == Some("bar-c")).map(|(_, a)| *a).sum();
    assert!(bar_c >= due(&l, 3), "the run's bar carries it: {bar_c}");
    // Two products, one sold out after being made, one in stock: refused for the first only.
    let e = ledger(&format!("{SALE}{}", dep("2025-04-30", "  to steel weight 1\n  to bar weight 1\n"))).unwrap_err();
    assert!(e.contains("`steel`") && !e.contains("`bar`"), "{e}");
    // A later depreciation after one that stood: only what was made since counts.
    let first = "2025-03-31 depreciate dep-mar\n  asset plant\n  to steel\n";
    let l = ledger(&format!("{first}{SALE}{}", dep("2025-04-30", "  to steel\n")));
    assert!(l.is_ok(), "nothing made since March's depreciation: April's waits for the next run: {l:?}");
}
