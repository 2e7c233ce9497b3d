//! Generated journals for the benchmarks: a steel mill that records per heat, and journals for the
//! peers (ledger-cli/hledger and beancount) with the same number of transactions and postings.
//!
//! The mill: every day four purchases (ore, coal costed FIFO, natural gas, power; ore enough that
//! no heat makes more mass than went into it); every heat a
//! consumption, an emission, a capture, a production and a sale split across three customers; a
//! depreciation at each month end, onto the last heat's steel before its sale. One period per calendar year.

use std::fmt::Write as _;

/// Heats per day in the generated mill.
pub const HEATS: u32 = 20;

/// Operations one day of the mill writes (the monthly depreciation aside).
pub const OPS_PER_DAY: u32 = 4 + 5 * HEATS;

/// The counterparties and items of both benchmark journals (this mill and `bench`'s year).
pub const PARTIES_AND_ITEMS: &str =
    "counterparty sup \"Supplier\"\ncounterparty a \"A\"\ncounterparty b \"B\"\ncounterparty c \"C\"\n\
     counterparty store \"Store\"\ncounterparty rail \"Rail\"\n\
     item ore \"Ore\"\n  category raw-material\n  carbon-content 0.01\n\
     item coal \"Coal\"\n  category fuel\n  costing fifo\n  carbon-content 0.75\n\
     item gas \"Gas\"\n  category fuel\n  carbon-content 0.722\n  energy-content 47.14 MJ/kg\n  density 0.75 kg/m3\n\
     item power \"Power\"\n  category electricity\n\
     item steel \"Steel\"\n  category product\n\
     item slag \"Slag\"\n  category byproduct\n";

/// Civil date of `day` days after 2025-01-01 (proleptic Gregorian), and whether it ends a month.
fn date_of(day: u32) -> (String, bool, i32) {
    let (mut y, mut d) = (2025i32, day);
    loop {
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let len = if leap { 366 } else { 365 };
        if d < len {
            let lengths = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
            let mut m = 0;
            while d >= lengths[m] {
                d -= lengths[m];
                m += 1;
            }
            return (format!("{y}-{:02}-{:02}", m + 1, d + 1), d + 1 == lengths[m], y);
        }
        d -= len;
        y += 1;
    }
}

/// A mill journal of about `ops` operations (whole days).
pub fn mill_journal(ops: u64) -> String {
    let days = ops.div_ceil(u64::from(OPS_PER_DAY)).max(1) as u32;
    let last_year = date_of(days - 1).2;
    let mut j = format!(
        "entity mill \"Benchmark mill\"\n  ratios efi\n  gwp ar6\n{PARTIES_AND_ITEMS}\
         asset plant \"Plant\"\n  in-service 2024-12\n  life 900 years\n"
    );
    for y in 2025..=last_year {
        let _ = writeln!(j, "period y{y} {y}-01-01 {y}-12-31");
    }
    j.push_str("2025-01-01 capitalise cap\n  asset plant\n  amount 250000 tCO2\n");
    let h = HEATS;
    for day in 0..days {
        let (date, month_end, _) = date_of(day);
        let _ = write!(
            j,
            "{date} purchase ore-{day}\n  supplier sup\n  item ore\n  quantity 21000 t\n  factor 87.8 gCO2/kg\n  factor 0.26 gCH4/kg\n\
             {date} purchase coal-{day}\n  supplier sup\n  item coal\n  quantity 150 t\n  attributed 13 tCO2\n\
             {date} purchase gas-{day}\n  supplier sup\n  item gas\n  quantity 38 MMcf\n  factor 4.53 gCO2/MJ\n  factor 0.11 gCH4/MJ\n\
             {date} purchase power-{day}\n  supplier sup\n  item power\n  quantity 3.6 GWh\n  factor 675.28 gCO2/kWh\n"
        );
        for heat in 0..h {
            // The month's depreciation goes onto the last heat's steel before it is sold: a
            // product with nothing on hand takes none (docs/journal.md `depreciate`).
            let dep = if month_end && heat == h - 1 {
                format!("{date} depreciate dep-{day}\n  asset plant\n  to steel\n")
            } else {
                String::new()
            };
            let _ = write!(
                j,
                "{date} consume use-{day}-{heat}\n  use ore {} t\n  use coal {} t\n  use gas {} MMcf\n  use power {} MWh\n\
                 {date} emit emit-{day}-{heat}\n  emission {} tCO2\n\
                 {date} capture ccs-{day}-{heat}\n  operator store\n  captured {} tCO2\n  process {} tCO2\n\
                 {date} produce make-{day}-{heat}\n  output steel {} t content {} kgC\n  output slag {} t content {} kgC cut-off\n\
                 {dep}{date} sell sale-{day}-{heat}\n  item steel\n  customer a share 30%\n  customer b share 30%\n  customer c share 40%\n  carrier rail\n  transport 5 kgCO2/t\n",
                20800 / h,
                140 / h,
                38.0 / f64::from(h),
                3600 / h,
                2600 / h,
                1800 / h,
                180 / h,
                13600 / h,
                27000 / h,
                1100 / h,
                40000 / h,
            );
        }
    }
    j
}

/// A ledger-cli/hledger journal with `transactions` transactions and `postings` postings in all
/// (each transaction balanced, amounts in whole grams of a commodity `gC`).
pub fn ledger_journal(transactions: u64, postings: u64) -> String {
    let mut j = String::with_capacity((postings * 48) as usize);
    let accounts = [
        "stock:inventory",
        "stock:wip",
        "stock:product",
        "flow:in:content",
        "flow:in:attributed",
        "flow:out:direct",
        "flow:out:sold",
        "flow:out:ccs",
    ];
    for (t, n) in spread(transactions, postings) {
        let (date, _, _) = date_of((t / u64::from(OPS_PER_DAY)) as u32);
        let _ = writeln!(j, "{date} op-{t}");
        for p in 0..n {
            let amount = if p + 1 == n {
                -(((n - 1) * 1000 + t % 97) as i64)
            } else {
                1000 + if p == 0 { (t % 97) as i64 } else { 0 }
            };
            let _ = writeln!(j, "    {}  {amount} gC", accounts[(p as usize + t as usize) % accounts.len()]);
        }
    }
    j
}

/// The same as a beancount file (accounts opened first; `gC` as the currency).
pub fn beancount_journal(transactions: u64, postings: u64) -> String {
    let mut j = String::with_capacity((postings * 48) as usize);
    let accounts = [
        "Assets:Inventory",
        "Assets:Wip",
        "Assets:Product",
        "Income:Content",
        "Income:Attributed",
        "Expenses:Direct",
        "Expenses:Sold",
        "Expenses:Ccs",
    ];
    for a in accounts {
        let _ = writeln!(j, "2025-01-01 open {a}");
    }
    for (t, n) in spread(transactions, postings) {
        let (date, _, _) = date_of((t / u64::from(OPS_PER_DAY)) as u32);
        let _ = writeln!(j, "{date} * \"op-{t}\"");
        for p in 0..n {
            let amount = if p + 1 == n {
                -(((n - 1) * 1000 + t % 97) as i64)
            } else {
                1000 + if p == 0 { (t % 97) as i64 } else { 0 }
            };
            let _ = writeln!(j, "  {}  {amount} GC", accounts[(p as usize + t as usize) % accounts.len()]);
        }
    }
    j
}

/// Postings per transaction: `postings` spread over `transactions` as evenly as possible, at least
/// two each.
fn spread(transactions: u64, postings: u64) -> impl Iterator<Item = (u64, u64)> {
    let base = (postings / transactions.max(1)).max(2);
    let extra = postings.saturating_sub(base * transactions);
    (0..transactions).map(move |t| (t, base + u64::from(t < extra)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_roll_over_months_and_leap_years() {
        assert_eq!(date_of(0).0, "2025-01-01");
        assert_eq!(date_of(30), ("2025-01-31".to_string(), true, 2025));
        assert_eq!(date_of(365).0, "2026-01-01");
        assert_eq!(date_of(365 * 3 + 31 + 28).0, "2028-02-29");
    }

    #[test]
    fn peer_journals_have_the_asked_counts() {
        let j = ledger_journal(10, 47);
        assert_eq!(j.lines().filter(|l| !l.starts_with(' ')).count(), 10);
        assert_eq!(j.lines().filter(|l| l.starts_with(' ')).count(), 47);
        let b = beancount_journal(10, 47);
        assert_eq!(b.lines().filter(|l| l.starts_with("  ")).count(), 47);
    }
}
