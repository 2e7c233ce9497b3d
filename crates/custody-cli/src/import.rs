//! `custody import`: journals (one entity each) and CSV files into the database, in batches, with a
//! progress bar. Importing the same file twice changes nothing: operations and definitions already
//! stored come back as duplicates. A rejected batch writes nothing and is reported by file and line.

use anyhow::{bail, Context};
use custody_store::{Registry, Store};
use std::path::PathBuf;
use std::process::ExitCode;

mod csv_rows;
mod feed;
pub(crate) use csv_rows::csv_entries;
#[cfg(test)]
use csv_rows::{csv_bytes_entries, USED};
pub(crate) use feed::Feed;
use feed::{Stop, Written};

/// The files custody reads from `paths`: a file as given; a folder's `*.journal` and `*.csv` files
/// sorted by name (so `1-mill.journal`, `2-purchases.csv`, ... run in order). Any other file in a
/// folder is named on stderr as skipped.
pub fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(p)
            .with_context(|| format!("cannot read directory {}", p.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| f.is_file())
            .collect();
        files.sort();
        let before = out.len();
        for f in files {
            if f.extension().is_some_and(|x| x == "journal" || x == "csv") {
                out.push(f);
            } else {
                eprintln!("skipped {}: custody reads *.journal and *.csv files", f.display());
            }
        }
        if out.len() == before {
            bail!("directory {} holds no *.journal or *.csv file", p.display());
        }
    }
    Ok(out)
}

/// Imports `paths` (see [`expand`]) in order. A journal that starts with an `entity` entry is that
/// entity's; a journal without one, and a CSV file, continue the entity named by `--entity`, else
/// the one the previous journal named. Prints the entries written (the entity's own entry
/// included, as `verify` counts them).
///
/// The first problem stops the import. What the files before it wrote stays written (each batch
/// is committed on its own), so the failure first lists what each file wrote ([`written_lines`]),
/// then the problem by file and line, then what was not written.
pub async fn run<S: Store + 'static>(
    registry: &Registry<S>,
    paths: &[PathBuf],
    entity: Option<&str>,
    batch: usize,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let files = expand(paths)?;
    let mut feed = Feed::new(registry, batch, entity, false);
    for path in &files {
        let stop = match feed.file(path).await {
            Ok(None) => continue,
            Ok(Some(stop)) => stop,
            Err(e) => {
                for l in written_lines(&feed.done) {
                    eprintln!("{l}");
                }
                return Err(e);
            }
        };
        for l in written_lines(&feed.done) {
            eprintln!("{l}");
        }
        for p in &feed.problems {
            eprintln!("{p}");
        }
        match stop {
            Stop::NothingRead if path.extension().is_some_and(|e| e == "csv") => {
                let n = feed.problems.len();
                eprintln!("{n} error{}: nothing imported from {}", if n == 1 { "" } else { "s" }, path.display())
            }
            Stop::NothingRead => eprintln!("nothing imported from {}", path.display()),
            Stop::Batch { entries } => eprintln!("the batch holding it ({entries} entries) was not written"),
        }
        return Ok(ExitCode::from(1));
    }
    if !quiet {
        let (w, p) = feed.done.iter().fold((0, 0), |(w, p), d| (w + d.written, p + d.present));
        println!("imported: {w} entries written, {p} already present");
    }
    Ok(ExitCode::SUCCESS)
}

/// What the files of an import that stopped wrote before it stopped, one line each, under a
/// heading; nothing when none wrote or found anything (the store is as it was).
pub(crate) fn written_lines(done: &[Written]) -> Vec<String> {
    if done.iter().all(|d| d.written == 0 && d.present == 0) {
        return Vec::new();
    }
    let mut out =
        vec!["written before the error (kept: importing again finds these entries already present):".to_string()];
    out.extend(done.iter().map(|d| {
        format!(
            "  {} -> {}: {} entr{} written, {} already present",
            d.path.display(),
            d.entity,
            d.written,
            if d.written == 1 { "y" } else { "ies" },
            d.present
        )
    }));
    out
}

#[cfg(test)]
mod fuzz;
