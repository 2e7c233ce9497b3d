//! Ledger -> journal text. The export lists definitions, then every transaction as a `txn` with
//! its postings in exact base units, then the closed periods; it loads back to the same ledger.

use crate::print::{print_raw, quote};
use custody_core::chart::Side;
use custody_core::exact;
use custody_core::model::*;
use custody_core::ops::Raw;
use custody_core::Ledger;
use std::fmt::Write;

/// Writes the ledger as a journal.
pub fn export(ledger: &Ledger) -> String {
    let mut o = String::new();
    let e = ledger.entity();
    let _ = writeln!(o, "# Exported by custody: every transaction as posted, amounts in exact base units.");
    let _ =
        writeln!(o, "entity {} {}\n  ratios {}\n  gwp {}\n", e.id, quote(&e.name), e.ratios.as_str(), e.gwp.as_str());
    for c in ledger.counterparties() {
        let _ = writeln!(o, "counterparty {} {}", c.id, quote(&c.name));
    }
    for a in ledger.chart().accounts().iter().filter(|a| !ledger.chart().is_template(&a.code)) {
        let side = if a.side == Side::Stock { "stock" } else { "flow" };
        let _ = writeln!(o, "account {} {side} {}", a.code, quote(&a.name));
    }
    for it in ledger.items() {
        let _ = writeln!(o, "\nitem {} {}", it.id, quote(&it.name));
        let _ = writeln!(
            o,
            "  category {}\n  measure {}\n  costing {}",
            it.category.as_str(),
            it.measure.as_str(),
            it.costing.as_str()
        );
        if let Some(c) = it.carbon_content {
            let _ = writeln!(o, "  carbon-content {}", exact::format_decimal(c, 18));
        }
        if let Some(p) = &it.energy_content {
            let _ = writeln!(o, "  energy-content {p}");
        }
        if let Some(p) = &it.volumetric_energy {
            let _ = writeln!(o, "  energy-content {p}");
        }
        if let Some(p) = &it.density {
            let _ = writeln!(o, "  density {p}");
        }
    }
    for a in ledger.assets() {
        let _ = writeln!(
            o,
            "\nasset {} {}\n  in-service {}\n  life {} months",
            a.id,
            quote(&a.name),
            a.in_service,
            a.life_months
        );
    }
    for p in ledger.pools() {
        o.push('\n');
        o.push_str(&crate::print::print_entry(&crate::parse::Entry::Pool(p.policy.clone())));
    }
    o.push('\n');
    for p in ledger.periods() {
        let _ = writeln!(o, "period {} {} {}", p.id, format_date(p.start), format_date(p.end));
    }
    for tx in ledger.transactions() {
        let _ = writeln!(o, "\n{} txn {} {}", format_date(tx.date), tx.id, quote(&tx.description));
        let raw = Raw {
            kind: tx.kind,
            description: String::new(),
            postings: tx.postings.clone(),
            movements: tx.movements.clone(),
            reverses: tx.reverses.clone(),
            meta: tx.meta.clone(),
        };
        print_raw(&mut o, &raw, &|item| {
            ledger.item(item).map(|i| if i.measure == custody_core::units::Dimension::Energy { "kJ" } else { "g" })
        });
    }
    // Instruments and chain-of-custody operations post no transaction: they are written as
    // submitted, in order, after the transactions they may refer to.
    for op in ledger.recorded() {
        o.push('\n');
        o.push_str(&crate::print::print_entry(&crate::parse::Entry::Op(op.clone())));
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
