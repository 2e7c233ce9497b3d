//! Journal files read from disk: directories expanded, sources loaded into one ledger with
//! diagnostics printed.

use crate::progress;
use anyhow::{bail, Context};
use custody_journal::{load, parse, Source};
use std::path::{Path, PathBuf};

/// Expands directories into their `*.journal` files, sorted by name.
pub(crate) fn read_sources(paths: &[PathBuf]) -> anyhow::Result<Vec<Source>> {
    let mut sources = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read directory {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .filter(|f| {
                    let journal = f.extension().is_some_and(|x| x == "journal");
                    if f.extension().is_some_and(|x| x == "csv") {
                        eprintln!("skipped {}: CSV files are read by `custody import` and `check`", f.display());
                    }
                    journal
                })
                .collect();
            files.sort();
            if files.is_empty() {
                bail!("directory {} holds no *.journal file", p.display());
            }
            for f in files {
                sources.push(read_one(&f)?);
            }
        } else {
            sources.push(read_one(p)?);
        }
    }
    Ok(sources)
}

pub(crate) fn read_one(path: &Path) -> anyhow::Result<Source> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))?;
    Ok(Source { name: path.display().to_string(), text })
}

pub(crate) fn print_diagnostics(diags: &[custody_journal::Diagnostic]) {
    for d in diags {
        eprintln!("{d}");
    }
    eprintln!("{} error{}", diags.len(), if diags.len() == 1 { "" } else { "s" });
}

/// Loads a ledger from journal files, printing diagnostics; `None` when the journal has errors.
/// Files naming several entities are several ledgers: that is an error here, naming them.
pub(crate) fn load_files(paths: &[PathBuf]) -> anyhow::Result<Option<custody_core::Ledger>> {
    let sources = read_sources(paths)?;
    // One file is one ledger at most: only several files need the (parsing) look.
    let several = if sources.len() > 1 { sources.as_slice() } else { &[] };
    // By id: one entity's `entity` entry in two files (the same file given twice) is one ledger,
    // and the loader reports the second entry.
    let mut entities: Vec<(String, String)> = Vec::new();
    for s in several {
        if let Some(custody_journal::Entry::Entity(e)) = parse(std::slice::from_ref(s)).0.first().map(|e| &e.entry) {
            if !entities.iter().any(|(id, _)| *id == e.id) {
                entities.push((e.id.clone(), format!("{} ({})", e.id, s.name)));
            }
        }
    }
    let entities: Vec<String> = entities.into_iter().map(|(_, shown)| shown).collect();
    if entities.len() > 1 {
        bail!(
            "these files hold {} entities, one ledger each: {}. Name one entity's files, or `custody import` \
             them and read one with --entity",
            entities.len(),
            entities.join(", ")
        );
    }
    let spinner = progress::Spinner::start("reading the journal");
    let loaded = load(&sources);
    drop(spinner);
    match loaded {
        Ok(l) => Ok(Some(l)),
        Err((_, diags)) => {
            print_diagnostics(&diags);
            Ok(None)
        }
    }
}
