//! `custody check`: one ledger is loaded from its journal files with every error reported; a
//! folder holding several entities (or CSV files) is read as the registry would read it, into an
//! in-memory registry, one ledger per entity, with transfers between them resolved.

use crate::{import, load_files, read_one};
use custody_core::Ledger;
use custody_store::{MemoryStore, Registry, Store};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

/// Checks `paths` (journals and CSV files, folders expanded as `import` does) and prints `ok` per
/// ledger, or every problem found in every file, in check's words: nothing is written, so there is
/// no "nothing imported". One entity's files (its `entity` entry read once) load as one ledger;
/// several entities, or CSV files, are read into an in-memory registry file by file, a refused
/// entry listed and left out as the journal loader does. An entity begun twice (the same file
/// given twice) is an error on both paths.
pub async fn run(paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let files = import::expand(paths)?;
    let mut entities = BTreeSet::new();
    let mut csv = false;
    // Every journal file is parsed (lazily, one block at a time) for its first entry and its
    // syntax errors, and every CSV file for its cells, so a folder of several entities reports
    // the errors of all its files, not only the first bad file's.
    let mut syntax: Vec<String> = Vec::new();
    for f in &files {
        if f.extension().is_some_and(|x| x == "csv") {
            csv = true;
            if let Err(errors) = import::csv_entries(f)? {
                syntax.extend(errors);
            }
        } else {
            let source = read_one(f)?;
            let mut diags = Vec::new();
            let mut entries = custody_journal::parse_lazily(&source, &mut diags);
            if let Some(custody_journal::Entry::Entity(e)) = entries.next().map(|s| s.entry) {
                entities.insert(e.id);
            }
            entries.for_each(drop);
            diags.sort_by_key(|d| (d.line, d.column));
            syntax.extend(diags.iter().map(|d| d.to_string()));
        }
    }
    if entities.len() <= 1 && !csv {
        let Some(ledger) = load_files(&files)? else { return Ok(ExitCode::from(1)) };
        ledger.verify().map_err(|e| anyhow::anyhow!("internal check failed: {e}"))?;
        println!("ok: {}", summary(&ledger));
        return Ok(ExitCode::SUCCESS);
    }
    if !syntax.is_empty() {
        return Ok(problems(&syntax));
    }
    let registry = Registry::new(MemoryStore::new());
    let mut feed = import::Feed::new(&registry, 500, None, true);
    for f in &files {
        // Keeps going: a file that stops has its problems listed, and the next file is read.
        feed.file(f).await?;
    }
    if !feed.problems.is_empty() {
        return Ok(problems(&feed.problems));
    }
    for id in registry.store().entity_ids().await? {
        let ledger = registry.ledger(&id).await?;
        ledger.verify().map_err(|e| anyhow::anyhow!("internal check failed: {e}"))?;
        println!("{id}: ok: {}", summary(&ledger));
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints every problem, then how many, as the journal loader's diagnostics are printed.
fn problems(lines: &[String]) -> ExitCode {
    for l in lines {
        eprintln!("{l}");
    }
    eprintln!("{} error{}", lines.len(), if lines.len() == 1 { "" } else { "s" });
    ExitCode::from(1)
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
