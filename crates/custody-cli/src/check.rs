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
    for f in &files {
        if f.extension().is_some_and(|x| x == "csv") {
            csv = true;
        } else {
            let source = read_one(f)?;
            let parsed = custody_journal::parse(std::slice::from_ref(&source)).0;
            if matches!(parsed.first().map(|s| &s.entry), Some(custody_journal::Entry::Entity(_))) {
                entities += 1;
            }
        }
    }
    if entities <= 1 && !csv {
        let Some(ledger) = load_files(&files)? else { return Ok(ExitCode::from(1)) };
        ledger.verify().map_err(|e| anyhow::anyhow!("internal check failed: {e}"))?;
        println!("ok: {}", summary(&ledger));
        return Ok(ExitCode::SUCCESS);
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
