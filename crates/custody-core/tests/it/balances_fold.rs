//! The balances statement as a fold (`BalancesFold`) against a small reference model, over
//! random supply chains (the operations of `props`, reversals and returns included) and random
//! scopes; and the default period (`PeriodActivity`) against the rule written out naively.

use super::props::{setup, step, to_op, Step};
use custody_core::chart::Side;
use custody_core::model::*;
use custody_core::statements::{balances, BalancesFold, PeriodActivity, Scope};
use custody_core::units::Species;
use custody_core::Ledger;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn day(d: u32) -> Date {
    Date::from_ordinal_date(2025, 1 + d as u16).unwrap()
}

/// The ledger after `steps`, rejected operations left out.
fn ledger_of(steps: &[Step]) -> Ledger {
    let (mut l, mut chips, mut posted) = (setup(), Vec::new(), Vec::new());
    for (i, s) in steps.iter().enumerate() {
        let o = to_op(i, s, &chips, &posted);
        if l.apply(o.clone()).is_ok() {
            if matches!(s, Step::Buy { item: 2, .. }) {
                chips.push(o.id.clone());
            }
            posted.push(o.id);
        }
    }
    l
}

/// The reference: a transaction counts for a scope's balances when it is dated on or before the
/// scope's end (before the period, an opening in it, or any other transaction in it: together,
/// everything up to the end). Carbon species by account; other gases by account and species.
type Sums = (BTreeMap<String, i64>, BTreeMap<(String, Species), i64>);
fn reference(l: &Ledger, end: Date) -> Sums {
    let (mut carbon, mut gases) = (BTreeMap::new(), BTreeMap::new());
    for t in l.transactions().iter().filter(|t| t.date <= end) {
        for p in &t.postings {
            if p.species.is_carbon() {
                *carbon.entry(p.account.to_string()).or_insert(0) += p.amount;
            } else {
                *gases.entry((p.account.to_string(), p.species)).or_insert(0) += p.amount;
            }
        }
    }
    (carbon, gases)
}

/// `Scope::default_choice`'s rule written out: the latest period holding a transaction other
/// than an opening, else the latest closed, else the last.
fn reference_choice(periods: &[Period], txs: &[(Date, TxKind)]) -> Option<String> {
    let active = |p: &Period| txs.iter().any(|(d, k)| *k != TxKind::Opening && *d >= p.start && *d <= p.end);
    periods
        .iter()
        .rev()
        .find(|p| active(p))
        .or_else(|| periods.iter().rev().find(|p| p.closed))
        .or(periods.last())
        .map(|p| p.id.clone())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_fold_is_the_reference_sum_in_any_order(
        steps in prop::collection::vec(step(), 1..60),
        a in 0..25u32,
        b in 0..25u32,
        rotate in 0..1000usize,
    ) {
        let l = ledger_of(&steps);
        let scope = Scope { period: "p".into(), start: day(a.min(b)), end: day(a.max(b)) };
        let stated = balances(&l, &scope);
        // The fold is a sum: any order of the transactions gives the same statement.
        let mut txs: Vec<&Transaction> = l.transactions().iter().collect();
        let n = txs.len().max(1);
        txs.rotate_left(rotate % n);
        txs.reverse();
        let mut fold = BalancesFold::new(&scope);
        for t in txs {
            fold.add(t);
        }
        prop_assert!(fold.held() <= 2 * l.chart().accounts().len());
        prop_assert_eq!(&fold.finish(l.chart()), &stated);

        let (carbon, gases) = reference(&l, scope.end);
        prop_assert_eq!(stated.accounts.len(), l.chart().accounts().len());
        let (mut stocks, mut flows) = (0, 0);
        for (acc, bal) in &stated.accounts {
            prop_assert_eq!(*bal, carbon.get(&acc.code).copied().unwrap_or(0), "{}", acc.code);
            match acc.side {
                Side::Stock => stocks += bal,
                Side::Flow => flows += bal,
            }
        }
        prop_assert_eq!((stated.stocks_total, stated.flows_total), (stocks, flows));
        prop_assert_eq!(stocks, flows, "double entry: stocks equal flows");
        let got: Vec<(String, Species, i64)> = stated.gases.iter().map(|(a, s, g)| (a.code.clone(), *s, *g)).collect();
        let want: Vec<(String, Species, i64)> =
            gases.into_iter().filter(|(_, g)| *g != 0).map(|((a, s), g)| (a, s, g)).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn the_default_period_is_the_reference_choice(
        shape in prop::collection::vec((1..20u32, 0..4u32, any::<bool>()), 0..6),
        txs in prop::collection::vec((0..120u32, any::<bool>()), 0..30),
    ) {
        let mut periods = Vec::new();
        let mut next = 0;
        for (i, (len, gap, closed)) in shape.iter().enumerate() {
            let start = next + gap;
            periods.push(Period { id: format!("p{i}"), start: day(start), end: day(start + len - 1), closed: *closed, revenue: None });
            next = start + len;
        }
        let txs: Vec<(Date, TxKind)> =
            txs.iter().map(|(d, opening)| (day(*d), if *opening { TxKind::Opening } else { TxKind::Consume })).collect();
        // Given in any order, the fold sorts the periods by start.
        let mut shuffled = periods.clone();
        shuffled.reverse();
        let mut activity = PeriodActivity::new(&shuffled);
        for (d, k) in &txs {
            activity.add(*d, *k);
        }
        prop_assert_eq!(activity.choice().ok().map(|c| c.0), reference_choice(&periods, &txs));
    }
}
