//! The period a statement covers, and helpers every statement shares (reversal chains, effective
//! kind, accounts, carbon totals by account).

use crate::chart::Account;
use crate::ledger::Ledger;
use crate::model::*;
use std::collections::BTreeMap;

/// The period a statement covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub period: String,
    pub start: Date,
    pub end: Date,
}

impl Scope {
    /// The named period, or by default the latest period with activity (a transaction other than
    /// an opening dated in it); without any, the latest closed period; else the last defined.
    /// Adding a new, empty period therefore moves no default report.
    pub fn resolve(ledger: &Ledger, period: Option<&str>) -> Result<Scope, String> {
        let p = match period {
            Some(id) => ledger.period(id).ok_or_else(|| format!("period `{id}` is not defined"))?,
            None => {
                let id = Scope::default_choice(ledger)?.0;
                ledger.period(&id).ok_or("the ledger defines no period")?
            }
        };
        Ok(Scope { period: p.id.clone(), start: p.start, end: p.end })
    }

    /// A calendar year as the sum of the ledger's periods that lie in it (start and end inside
    /// the year), named `YYYY`: from the first one's start to the last one's end. Periods never
    /// overlap and every operation lies in a period, so that span holds exactly their activity.
    /// Errors when no period lies in the year, or when a period spans two calendar years (it
    /// overlaps the year without lying in it: its activity cannot be split by date without a
    /// rule the ledger does not have, so the year is refused, naming the period; report that
    /// period with `--period`). Rule: `docs/ghg-inventory.md`, "A year".
    pub fn year(ledger: &Ledger, year: i32) -> Result<Scope, String> {
        if let Some(p) = ledger
            .periods()
            .iter()
            .find(|p| p.start.year() <= year && p.end.year() >= year && p.start.year() != p.end.year())
        {
            return Err(format!(
                "period `{}` ({} to {}) spans two calendar years: --year {year} sums only whole periods that lie in the year; report that period with --period {}",
                p.id,
                format_date(p.start),
                format_date(p.end),
                p.id
            ));
        }
        let ps: Vec<&Period> = ledger.periods().iter().filter(|p| p.start.year() == year).collect();
        let (Some(start), Some(end)) = (ps.iter().map(|p| p.start).min(), ps.iter().map(|p| p.end).max()) else {
            return Err(format!("no period of the ledger lies in {year}"));
        };
        Ok(Scope { period: year.to_string(), start, end })
    }

    /// For a year (`Scope::year`): the days of that calendar year no period of the ledger covers,
    /// as date ranges. A year reported from periods that cover only part of it says so (the
    /// inventory lists these under `missing`), rather than passing for the whole year. Empty for
    /// a scope that is not a calendar year.
    pub fn uncovered_days(&self, ledger: &Ledger) -> Vec<(Date, Date)> {
        let Ok(year) = self.period.parse::<i32>() else { return Vec::new() };
        let (Ok(first), Ok(last)) = (
            Date::from_calendar_date(year, time::Month::January, 1),
            Date::from_calendar_date(year, time::Month::December, 31),
        ) else {
            return Vec::new();
        };
        if self.start.year() != year {
            return Vec::new();
        }
        let mut covered: Vec<(Date, Date)> =
            ledger.periods().iter().filter(|p| p.end >= first && p.start <= last).map(|p| (p.start, p.end)).collect();
        covered.sort();
        let mut gaps = Vec::new();
        let mut next = first;
        for (start, end) in covered {
            if start > next {
                gaps.push((next, start.previous_day().unwrap_or(start)));
            }
            if end >= next {
                next = match end.next_day() {
                    Some(d) => d,
                    None => return gaps,
                };
            }
        }
        if next <= last {
            gaps.push((next, last));
        }
        gaps
    }

    /// The ids of the ledger's periods that lie inside the scope, in date order.
    pub fn periods(&self, ledger: &Ledger) -> Vec<String> {
        ledger.periods().iter().filter(|p| p.start >= self.start && p.end <= self.end).map(|p| p.id.clone()).collect()
    }

    /// The default period's id and the rule that chose it, in words: [`PeriodActivity`] folded
    /// over the ledger's transactions.
    pub fn default_choice(ledger: &Ledger) -> Result<(String, &'static str), String> {
        let mut activity = PeriodActivity::new(ledger.periods());
        for t in ledger.transactions() {
            activity.add(t.date, t.kind);
        }
        activity.choice()
    }

    pub(super) fn is_beginning(&self, tx: &Transaction) -> bool {
        tx.date < self.start || (tx.date <= self.end && tx.kind == TxKind::Opening)
    }

    pub(super) fn is_activity(&self, tx: &Transaction) -> bool {
        tx.date >= self.start && tx.date <= self.end && tx.kind != TxKind::Opening
    }
}

/// The default period ([`Scope::default_choice`]) as a fold over transactions' dates and kinds,
/// in any order: the latest period with activity (a transaction other than an opening dated in
/// it); without any, the latest closed period; else the last defined. Holds one flag per period.
#[derive(Debug, Clone)]
pub struct PeriodActivity {
    /// The periods by start date (they never overlap), each with whether it has activity.
    periods: Vec<(Period, bool)>,
}

impl PeriodActivity {
    pub fn new(periods: &[Period]) -> PeriodActivity {
        let mut periods: Vec<(Period, bool)> = periods.iter().map(|p| (p.clone(), false)).collect();
        periods.sort_by_key(|(p, _)| p.start);
        PeriodActivity { periods }
    }

    /// Notes a transaction dated `date` of kind `kind`.
    pub fn add(&mut self, date: Date, kind: TxKind) {
        if kind == TxKind::Opening {
            return;
        }
        // The last period starting on or before `date` is the only one that can hold it.
        let i = self.periods.partition_point(|(p, _)| p.start <= date);
        if let Some((p, active)) = i.checked_sub(1).and_then(|i| self.periods.get_mut(i)) {
            if date <= p.end {
                *active = true;
            }
        }
    }

    /// The chosen period's id and the rule that chose it, in words; an error when the ledger
    /// defines no period.
    pub fn choice(&self) -> Result<(String, &'static str), String> {
        if let Some((p, _)) = self.periods.iter().rev().find(|(_, a)| *a) {
            return Ok((p.id.clone(), "the latest period with activity"));
        }
        if let Some((p, _)) = self.periods.iter().rev().find(|(p, _)| p.closed) {
            return Ok((p.id.clone(), "no period has activity; the latest closed period"));
        }
        let (p, _) = self.periods.last().ok_or("the ledger defines no period")?;
        Ok((p.id.clone(), "no period has activity; the last period defined"))
    }
}

/// Follows a chain of reversals to the transaction it ends at, with the sign the chain applies:
/// a reversal of a reversal has the original's postings again (sign 1).
pub(super) fn original<'a>(ledger: &'a Ledger, tx: &'a Transaction) -> (&'a Transaction, i64) {
    let (mut t, mut sign) = (tx, 1);
    // Each reversal names an earlier transaction, so the chain ends; the bound is belt and braces.
    for _ in 0..=ledger.transactions().len() {
        match (&t.kind, t.reverses.as_ref().and_then(|r| ledger.transaction(r))) {
            (TxKind::Reversal, Some(next)) => {
                t = next;
                sign = -sign;
            }
            _ => break,
        }
    }
    (t, sign)
}

/// The kind a transaction counts as: a reversal as what it reverses (its amounts negated), a
/// receive as a purchase from another ledger, a return as (the undoing of part of) a sale.
pub(super) fn effective_kind(ledger: &Ledger, tx: &Transaction) -> TxKind {
    match original(ledger, tx).0.kind {
        TxKind::Receive => TxKind::Purchase,
        TxKind::Return if tx.meta.contains_key(crate::ledger::RETURNED_PURCHASE_META) => TxKind::Purchase,
        TxKind::Return => TxKind::Sell,
        k => k,
    }
}

pub(super) fn account_of<'a>(ledger: &'a Ledger, code: &str) -> &'a Account {
    ledger.chart().get(code).expect("posted accounts are in the chart")
}

/// Carbon total of postings by account code.
pub(super) fn carbon_by_account<'a>(txs: impl Iterator<Item = &'a Transaction>) -> BTreeMap<String, i64> {
    let mut m: BTreeMap<String, i64> = BTreeMap::new();
    for tx in txs {
        for p in tx.postings.iter().filter(|p| p.species.is_carbon()) {
            *m.entry(p.account.to_string()).or_default() += p.amount;
        }
    }
    m
}
