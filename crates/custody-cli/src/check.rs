//! `custody check`: one ledger is loaded from its journal files with every error reported; a
//! folder holding several entities (or CSV files) is read as the registry would read it, into an
//! in-memory registry, one ledger per entity, with transfers between them resolved.

use crate::{import, load_files, read_one};
use custody_core::Ledger;
use custody_store::{MemoryStore, Registry, Store};
use std::path::PathBuf;
use std::process::ExitCode;

pub async fn run(paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let files = import::expand(paths)?;
    let mut entities = 0;
    let mut csv = false;
    // Every journal file is parsed (lazily, one block at a time) for its first entry and its
    // syntax errors, so a folder of several entities reports the errors of all its files, not
    // only the first bad file's.
    let mut syntax = Vec::new();
    for f in &files {
        if f.extension().is_some_and(|x| x == "csv") {
            csv = true;
        } else {
            let source = read_one(f)?;
            let mut entries = custody_journal::parse_lazily(&source, &mut syntax);
            if matches!(entries.next().map(|s| s.entry), Some(custody_journal::Entry::Entity(_))) {
                entities += 1;
            }
            entries.for_each(drop);
        }
    }
    if entities <= 1 && !csv {
        let Some(ledger) = load_files(&files)? else { return Ok(ExitCode::from(1)) };
        ledger.verify().map_err(|e| anyhow::anyhow!("internal check failed: {e}"))?;
        println!("ok: {}", summary(&ledger));
        return Ok(ExitCode::SUCCESS);
    }
    if !syntax.is_empty() {
        syntax.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        crate::print_diagnostics(&syntax);
        return Ok(ExitCode::from(1));
    }
    let registry = Registry::new(MemoryStore::new());
    let code = import::run(&registry, &files, None, 500, true).await?;
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    for id in registry.store().entity_ids().await? {
        let ledger = registry.ledger(&id).await?;
        ledger.verify().map_err(|e| anyhow::anyhow!("internal check failed: {e}"))?;
        println!("{id}: ok: {}", summary(&ledger));
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(ledger: &Ledger) -> String {
    format!(
        "{} transactions, {} postings, {} items, {} periods; stocks = flows = {} tC",
        ledger.transactions().len(),
        ledger.transactions().iter().map(|t| t.postings.len()).sum::<usize>(),
        ledger.items().count(),
        ledger.periods().len(),
        custody_core::units::grams_to_tonnes_string(
            i64::try_from(ledger.side_total_carbon(custody_core::chart::Side::Stock)).unwrap_or(i64::MAX)
        )
    )
}
