//! The suite's pure helpers: reading the `key=value` lines of the tools, `custody check`'s
//! counts, printing ratios and numbers, database URLs, and the HTTP writes' journal.

use anyhow::Context;
use std::fmt::Write as _;

/// The value of `key=` among a line's space-separated `key=value` words.
pub fn kv<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split_whitespace().find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// The first line of `out` starting with `prefix`, its `key` parsed as a number.
pub fn kv_num(out: &str, prefix: &str, key: &str) -> anyhow::Result<f64> {
    let line = out.lines().find(|l| l.starts_with(prefix)).with_context(|| format!("no `{prefix}` line in {out:?}"))?;
    Ok(kv(line, key).with_context(|| format!("no {key}= in {line:?}"))?.parse()?)
}

/// Transactions and postings from `custody check`'s `ok: T transactions, P postings, ...`.
pub fn check_counts(stdout: &str) -> Option<(u64, u64)> {
    let rest = stdout.lines().find_map(|l| l.strip_prefix("ok: "))?;
    let mut words = rest.split_whitespace();
    let t = words.next()?.parse().ok()?;
    if words.next()? != "transactions," {
        return None;
    }
    Some((t, words.next()?.parse().ok()?))
}

/// A ratio as the table prints it: four decimals under 0.01, two under 10, one under 100, none above; `-` when
/// either side is missing or zero.
pub fn ratio(num: Option<f64>, den: Option<f64>) -> String {
    match (num, den) {
        (Some(n), Some(d)) if d > 0.0 && n > 0.0 => {
            let r = n / d;
            if r < 0.01 {
                format!("{r:.4}x")
            } else if r < 10.0 {
                format!("{r:.2}x")
            } else if r < 100.0 {
                format!("{r:.1}x")
            } else {
                format!("{r:.0}x")
            }
        }
        _ => "-".to_string(),
    }
}

/// A whole number with thousands separators: 1234567 -> `1,234,567`.
pub fn thousands(n: f64) -> String {
    let s = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `url` with its database (the path after the host) replaced by `name`, query kept.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        let _ = write!(out, "?{q}");
    }
    out
}

/// The mill's operations for the HTTP writes: every entry dated `date` and the month-end
/// depreciations dropped, so that each day (`mill::OPS_PER_DAY` entries, buying what it uses)
/// may be written in any order: the ledger refuses a consumption dated before its purchase, and
/// concurrent requests arrive in any order.
pub fn same_day(ops: &str, date: &str) -> String {
    let mut out = String::with_capacity(ops.len());
    let mut skip = false;
    for line in ops.split_inclusive('\n') {
        if line.starts_with([' ', '\t']) || line.trim().is_empty() {
            if !skip {
                out.push_str(line);
            }
            continue;
        }
        skip = line.split_whitespace().nth(1) == Some("depreciate");
        if !skip {
            out.push_str(date);
            out.push_str(line.get(10..).unwrap_or(""));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mill;

    #[test]
    fn check_counts_read_the_summary_line() {
        let out = "ok: 10400 transactions, 156001 postings, 6 items, 1 periods; stocks = flows = 1 tC\n";
        assert_eq!(check_counts(out), Some((10400, 156001)));
        assert_eq!(check_counts("error: x\n"), None);
        assert_eq!(check_counts("ok: 3 entries, 4 postings"), None);
    }

    #[test]
    fn ratios_and_numbers_print_as_the_table_shows_them() {
        assert_eq!(ratio(Some(3.0), Some(2.0)), "1.50x");
        assert_eq!(ratio(Some(1.0), Some(3.0)), "0.33x");
        assert_eq!(ratio(Some(250.0), Some(10.0)), "25.0x");
        assert_eq!(ratio(Some(2500.0), Some(2.0)), "1250x");
        assert_eq!(ratio(Some(15.0), Some(29851.0)), "0.0005x");
        assert_eq!(ratio(None, Some(2.0)), "-");
        assert_eq!(ratio(Some(1.0), Some(0.0)), "-");
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1000.0), "1,000");
    }

    #[test]
    fn key_values_are_found_by_exact_key() {
        let line = "write concurrency=8 requests=64 entries=6660 seconds=1.5";
        assert_eq!(kv(line, "requests"), Some("64"));
        assert_eq!(kv(line, "entries"), Some("6660"));
        assert_eq!(kv(line, "entry"), None);
        assert_eq!(kv_num(line, "write concurrency=8 ", "seconds").unwrap(), 1.5);
        assert!(kv_num(line, "read", "seconds").is_err());
    }

    #[test]
    fn database_urls_get_the_named_database() {
        assert_eq!(
            with_database("postgres://u:p@localhost:5432/postgres", "bench_1"),
            "postgres://u:p@localhost:5432/bench_1"
        );
        assert_eq!(with_database("postgres://localhost", "b"), "postgres://localhost/b");
        assert_eq!(with_database("postgres://h/db?sslmode=disable", "b"), "postgres://h/b?sslmode=disable");
    }

    #[test]
    fn http_days_share_one_date_without_depreciation() {
        let ops = "2025-01-31 purchase p-30\n  item ore\n2025-01-31 depreciate dep-30\n  asset plant\n2025-02-01 emit e-31\n  emission 1 tCO2\n";
        assert_eq!(
            same_day(ops, "2025-01-01"),
            "2025-01-01 purchase p-30\n  item ore\n2025-01-01 emit e-31\n  emission 1 tCO2\n"
        );
        let text = mill::mill_journal(u64::from(mill::OPS_PER_DAY) * 40);
        let cut = text.find("2025-01-01 purchase").unwrap();
        let days = same_day(&text[cut..], "2025-01-01");
        let entries = days.lines().filter(|l| !l.starts_with(' ')).count();
        assert_eq!(entries, 40 * mill::OPS_PER_DAY as usize);
        assert!(days.lines().filter(|l| !l.starts_with(' ')).all(|l| l.starts_with("2025-01-01 ")));
    }
}
