//! `custody import`: journals (one entity each) and CSV files into the database, in batches, with a
//! progress bar. Importing the same file twice changes nothing: operations and definitions already
//! stored come back as duplicates. A rejected batch writes nothing and is reported by file and line.

use crate::read_sources;
use anyhow::{bail, Context};
use custody_journal::{parse, Entry, Source, Spanned};
use custody_store::{Outcome, Registry, Store, SubmitError};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub async fn run<S: Store + 'static>(
    registry: &Registry<S>,
    paths: &[PathBuf],
    entity: Option<&str>,
    batch: usize,
) -> anyhow::Result<ExitCode> {
    let mut totals = (0usize, 0usize);
    for path in paths {
        let (entries, entity_id) = if path.extension().is_some_and(|e| e == "csv") {
            let Some(id) = entity else {
                bail!("{}: CSV files are imported into an entity: name it with --entity", path.display())
            };
            match csv_entries(path)? {
                Ok(entries) => (entries, id.to_string()),
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{e}");
                    }
                    eprintln!(
                        "{} error{}: nothing imported from {}",
                        errors.len(),
                        if errors.len() == 1 { "" } else { "s" },
                        path.display()
                    );
                    return Ok(ExitCode::from(1));
                }
            }
        } else {
            let sources = read_sources(std::slice::from_ref(path))?;
            let (entries, diags) = parse(&sources);
            if !diags.is_empty() {
                crate::print_diagnostics(&diags);
                eprintln!("nothing imported from {}", path.display());
                return Ok(ExitCode::from(1));
            }
            match (entries.first().map(|s| &s.entry), entity) {
                (Some(Entry::Entity(e)), _) => {
                    registry.ensure(e).await?;
                    let id = e.id.clone();
                    (entries.into_iter().skip(1).collect(), id)
                }
                // A journal without an entity entry continues the entity named by --entity.
                (_, Some(id)) => (entries, id.to_string()),
                (_, None) => {
                    bail!("{}: a journal starts with its `entity` entry, or name one with --entity", path.display())
                }
            }
        };
        let bar = ProgressBar::new(entries.len() as u64).with_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} entries ({per_sec}, eta {eta})")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        bar.set_message(format!("{} -> {entity_id}", path.display()));
        for chunk in entries.chunks(batch) {
            let batch_entries: Vec<Entry> = chunk.iter().map(|s| s.entry.clone()).collect();
            match registry.submit(&entity_id, batch_entries).await {
                Ok(outcomes) => {
                    for o in outcomes {
                        match o {
                            Outcome::Written { .. } => totals.0 += 1,
                            Outcome::Duplicate => totals.1 += 1,
                        }
                    }
                    bar.inc(chunk.len() as u64);
                }
                Err(SubmitError::Rejected { index, rejection }) => {
                    bar.abandon();
                    let at = &chunk[index];
                    eprintln!("{}:{}:{}: {rejection}", at.file, at.line, at.column);
                    eprintln!("the batch holding it ({} entries) was not written", chunk.len());
                    return Ok(ExitCode::from(1));
                }
                Err(SubmitError::Refused { index, message }) => {
                    bar.abandon();
                    let at = &chunk[index];
                    eprintln!("{}:{}:{}: {message}", at.file, at.line, at.column);
                    eprintln!("the batch holding it ({} entries) was not written", chunk.len());
                    return Ok(ExitCode::from(1));
                }
                Err(e) => return Err(e.into()),
            }
        }
        bar.finish_and_clear();
    }
    println!("imported: {} entries written, {} already present", totals.0, totals.1);
    Ok(ExitCode::SUCCESS)
}

/// One CSV record with the line it starts on.
struct Row {
    line: u64,
    fields: BTreeMap<String, String>,
}

impl Row {
    fn get(&self, k: &str) -> Option<&str> {
        self.fields.get(k).map(|s| s.trim()).filter(|s| !s.is_empty())
    }
}

/// Reads a CSV file into journal entries, one operation per `id` (rows sharing an id form one
/// production or sale). Errors name file and line.
fn csv_entries(path: &Path) -> anyhow::Result<Result<Vec<Spanned>, Vec<String>>> {
    let name = path.display().to_string();
    let mut reader =
        csv::ReaderBuilder::new().flexible(false).from_path(path).with_context(|| format!("cannot read {name}"))?;
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("{name}: no header row"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let kind = if headers.iter().any(|h| h == "output") {
        "production"
    } else if headers.iter().any(|h| h == "customer") {
        "sales"
    } else if headers.iter().any(|h| h == "supplier") {
        "purchases"
    } else {
        return Ok(Err(vec![format!(
            "{name}:1: the header names no `supplier`, `output` or `customer` column: see docs/import.md"
        )]));
    };
    let mut errors = Vec::new();
    let mut groups: Vec<(String, Vec<Row>)> = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(format!("{name}:{line}: {e}"));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let fields: BTreeMap<String, String> = headers.iter().cloned().zip(record.iter().map(str::to_string)).collect();
        let row = Row { line, fields };
        let Some(id) = row.get("id").map(str::to_string) else {
            errors.push(format!("{name}:{line}: the `id` column is empty"));
            continue;
        };
        match groups.iter_mut().find(|(g, _)| *g == id) {
            Some((_, rows)) if kind != "purchases" => rows.push(row),
            Some(_) => errors.push(format!("{name}:{line}: id `{id}` appears twice")),
            None => groups.push((id, vec![row])),
        }
    }
    let mut entries = Vec::new();
    for (id, rows) in groups {
        let first = rows[0].line;
        let text = match journal_text(kind, &id, &rows) {
            Ok(t) => t,
            Err((line, msg)) => {
                errors.push(format!("{name}:{line}: {msg}"));
                continue;
            }
        };
        let (parsed, diags) = parse(&[Source { name: name.clone(), text }]);
        if let Some(d) = diags.first() {
            errors.push(format!("{name}:{first}: {}", d.message));
            continue;
        }
        entries.extend(parsed.into_iter().map(|s| Spanned { line: first as usize, column: 1, ..s }));
    }
    Ok(if errors.is_empty() { Ok(entries) } else { Err(errors) })
}

/// The journal text of one operation built from its CSV rows.
fn journal_text(kind: &str, id: &str, rows: &[Row]) -> Result<String, (u64, String)> {
    let first = &rows[0];
    let need = |r: &Row, k: &str| r.get(k).map(str::to_string).ok_or((r.line, format!("the `{k}` column is empty")));
    let date = need(first, "date")?;
    let mut t = String::new();
    match kind {
        "purchases" => {
            let _ = writeln!(t, "{date} purchase {id}");
            let _ = writeln!(t, "  supplier {}", need(first, "supplier")?);
            let _ = writeln!(t, "  item {}", need(first, "item")?);
            let _ = writeln!(t, "  quantity {} {}", need(first, "quantity")?, need(first, "unit")?);
            for k in ["lot", "site"] {
                if let Some(v) = first.get(k) {
                    let _ = writeln!(t, "  {k} {v}");
                }
            }
            for species in ["CO2", "CH4", "CO", "VOC", "N2O"] {
                if let Some(v) = first.get(species) {
                    let per = need(first, "per")?;
                    let _ = writeln!(t, "  factor {v} g{species}/{per}");
                }
            }
            if let Some(c) = first.get("content_tC") {
                let _ = writeln!(t, "  content {c} tC");
            }
        }
        "production" => {
            let _ = writeln!(t, "{date} produce {id}");
            if let Some(a) = first.get("allocation") {
                let _ = writeln!(t, "  allocation {a}");
            }
            if let Some(s) = first.get("site") {
                let _ = writeln!(t, "  site {s}");
            }
            for r in rows {
                let mut line = format!("  output {} {} {}", need(r, "output")?, need(r, "quantity")?, need(r, "unit")?);
                if let Some(c) = r.get("content_tC") {
                    let _ = write!(line, " content {c} tC");
                }
                if let Some(v) = r.get("value") {
                    let _ = write!(line, " value {v}");
                }
                match r.get("cut_off") {
                    Some("yes" | "true" | "1") => line.push_str(" cut-off"),
                    Some("no" | "false" | "0") | None => {}
                    Some(other) => return Err((r.line, format!("cut_off is yes or no, not `{other}`"))),
                }
                let _ = writeln!(t, "{line}");
            }
        }
        _ => {
            let _ = writeln!(t, "{date} sell {id}");
            let _ = writeln!(t, "  item {}", need(first, "item")?);
            for k in ["site", "carrier"] {
                if let Some(v) = first.get(k) {
                    let _ = writeln!(t, "  {k} {v}");
                }
            }
            if let Some(x) = first.get("transport_kgCO2_per_t") {
                let _ = writeln!(t, "  transport {x} kgCO2/t");
            }
            for r in rows {
                let customer = need(r, "customer")?;
                match (r.get("share"), r.get("quantity")) {
                    (Some(share), _) => {
                        let _ = writeln!(t, "  customer {customer} share {share}");
                    }
                    (None, Some(q)) => {
                        let _ = writeln!(t, "  customer {customer} {q} {}", need(r, "unit")?);
                    }
                    (None, None) => return Err((r.line, "a sale row needs a share or a quantity".into())),
                }
            }
        }
    }
    Ok(t)
}
