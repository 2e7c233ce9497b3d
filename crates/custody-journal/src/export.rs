//! Ledger -> journal text. The export lists definitions, then every transaction as the operation
//! that posted it (in canonical print), then the closed periods; it loads back to the same ledger.

use crate::parse::Entry;
use crate::print::{print_entry, print_raw, quote};
use custody_core::model::*;
use custody_core::ops::Raw;
use custody_core::Ledger;
use std::fmt::Write;

/// Writes the ledger as a journal.
pub fn export(ledger: &Ledger) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Exported by custody: every transaction as posted, amounts in exact base units.");
    let mut definitions = vec![Entry::Entity(ledger.entity().clone())];
    definitions.extend(ledger.counterparties().cloned().map(Entry::Counterparty));
    definitions.extend(ledger.sites().cloned().map(Entry::Site));
    definitions.extend(
        ledger.chart().accounts().iter().filter(|a| !ledger.chart().is_template(&a.code)).cloned().map(Entry::Account),
    );
    definitions.extend(ledger.items().cloned().map(|i| Entry::Item(Box::new(i))));
    definitions.extend(ledger.assets().cloned().map(Entry::Asset));
    definitions.extend(ledger.targets().iter().cloned().map(Entry::Target));
    for d in &definitions {
        o.push_str(&print_entry(d));
    }
    for p in ledger.pools() {
        o.push('\n');
        o.push_str(&print_entry(&Entry::Pool(Box::new(p.policy.clone()))));
    }
    o.push('\n');
    for p in ledger.periods() {
        // Printed open: the export closes its closed periods after their transactions.
        o.push_str(&print_entry(&Entry::Period(Period { closed: false, ..p.clone() })));
    }
    for tx in ledger.transactions() {
        // Each transaction is written as the operation that posted it (a receive as resolved,
        // with the seller's amounts), so the export replays through the same rules as the
        // original: a raw txn cannot stand in for an operation.
        match ledger.op(&tx.id) {
            Some(op) => {
                o.push('\n');
                o.push_str(&print_entry(&Entry::Op(Box::new(op))));
            }
            None => {
                let _ = writeln!(o, "\n{} txn {} {}", format_date(tx.date), tx.id, quote(&tx.description));
                let raw = Raw::from(tx);
                print_raw(&mut o, &raw, &|item| {
                    ledger
                        .item(item)
                        .map(|i| if i.measure == custody_core::units::Dimension::Energy { "kJ" } else { "g" })
                });
            }
        }
    }
    // Instruments and chain-of-custody operations post no transaction: they are written as
    // submitted, in order, after the transactions they may refer to.
    for op in ledger.recorded() {
        o.push('\n');
        o.push_str(&print_entry(&Entry::Op(Box::new(op.clone()))));
    }
    let closed: Vec<&Period> = ledger.periods().iter().filter(|p| p.closed).collect();
    if !closed.is_empty() {
        o.push('\n');
    }
    for p in closed {
        let _ = writeln!(o, "close {}", p.id);
    }
    o
}
