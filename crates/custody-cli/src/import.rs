//! `custody import`: journals (one entity each) and CSV files into the database, in batches, with a
//! progress bar. Importing the same file twice changes nothing: operations and definitions already
//! stored come back as duplicates. A rejected batch writes nothing and is reported by file and line.

use crate::read_sources;
use anyhow::{bail, Context};
use custody_journal::{parse, parse_lazily, Entry, Source, Spanned};
use custody_store::{Outcome, Registry, Store, SubmitError};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
pub async fn run<S: Store + 'static>(
    registry: &Registry<S>,
    paths: &[PathBuf],
    entity: Option<&str>,
    batch: usize,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let mut totals = (0usize, 0usize);
    let mut current: Option<String> = entity.map(str::to_string);
    for path in &expand(paths)? {
        // Journal files are parsed twice, lazily: once to find every error before anything is
        // written and count the entries, then again in batches as they are submitted, so an
        // import holds one batch of parsed entries, not the whole file (issue 12 item 2).
        let (csv, sources) = if path.extension().is_some_and(|e| e == "csv") {
            let Some(id) = current.clone() else {
                bail!("{}: CSV files are imported into an entity: name it with --entity", path.display())
            };
            match csv_entries(path)? {
                Ok(entries) => (Some((entries, id)), Vec::new()),
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
            (None, read_sources(std::slice::from_ref(path))?)
        };
        let (count, skip_entity, entity_id) = match &csv {
            Some((entries, id)) => (entries.len(), false, id.clone()),
            None => {
                let mut diags = Vec::new();
                let (mut count, mut first) = (0usize, None);
                for src in &sources {
                    for e in parse_lazily(src, &mut diags) {
                        if first.is_none() {
                            first = Some(e.entry);
                        }
                        count += 1;
                    }
                }
                if !diags.is_empty() {
                    diags.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
                    crate::print_diagnostics(&diags);
                    eprintln!("nothing imported from {}", path.display());
                    return Ok(ExitCode::from(1));
                }
                match (first, current.clone()) {
                    (Some(Entry::Entity(e)), _) => {
                        for o in registry.ensure(&e).await? {
                            match o {
                                Outcome::Written { .. } => totals.0 += 1,
                                Outcome::Duplicate => totals.1 += 1,
                            }
                        }
                        current = Some(e.id.clone());
                        (count - 1, true, e.id)
                    }
                    // A journal without an entity entry continues the current entity.
                    (_, Some(id)) => (count, false, id),
                    (_, None) => {
                        bail!("{}: a journal starts with its `entity` entry, or name one with --entity", path.display())
                    }
                }
            }
        };
        let bar = ProgressBar::new(count as u64).with_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} entries ({rate} entries/s, eta {eta})")
                .expect("a valid template")
                .with_key("rate", |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}", s.per_sec());
                })
                .progress_chars("=> "),
        );
        bar.set_message(format!("{} -> {entity_id}", path.display()));
        // The first pass found no error: the second one's (the same) are not read again.
        let mut unread: Vec<Vec<custody_journal::Diagnostic>> = vec![Vec::new(); sources.len()];
        let mut entries: Box<dyn Iterator<Item = Spanned> + '_> = match csv {
            Some((entries, _)) => Box::new(entries.into_iter()),
            None => Box::new(
                sources
                    .iter()
                    .zip(unread.iter_mut())
                    .flat_map(|(s, d)| parse_lazily(s, d))
                    .skip(usize::from(skip_entity)),
            ),
        };
        loop {
            let chunk: Vec<Spanned> = entries.by_ref().take(batch.max(1)).collect();
            if chunk.is_empty() {
                break;
            }
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
        // The entries are written: a snapshot that cannot be (a full disk, a blob past the
        // database's limit) is a warning, and loads replay the journal until one is written.
        if let Err(e) = registry.snapshot_now(&entity_id, custody_store::IMPORT_SNAPSHOT_MIN).await {
            eprintln!("warning: {entity_id}: no snapshot written ({e}); loads replay the whole journal until `custody snapshot` writes one");
        }
    }
    if !quiet {
        println!("imported: {} entries written, {} already present", totals.0, totals.1);
    }
    Ok(ExitCode::SUCCESS)
}

/// The columns of a CSV file, by name: read once from the header, shared by every row (a row
/// holds only its own cells, so memory does not grow with rows times header width).
struct Columns {
    index: HashMap<String, usize>,
}

/// Columns holding an id (checked against `custody_core::id`); `id` may be a reference (`a/b`).
const ID_COLUMNS: &[&str] = &["supplier", "item", "lot", "site", "output", "customer", "carrier"];

/// One CSV record with the line it starts on and its 1-based row number (after the header).
struct Row {
    line: u64,
    row: u64,
    record: csv::StringRecord,
}

impl Row {
    /// The cell of column `k`, trimmed; `None` when the column is absent or the cell empty.
    /// A cell is data, never journal text: it is one value, checked by [`check_cell`] before
    /// any row is turned into an operation.
    fn get<'a>(&'a self, cols: &Columns, k: &str) -> Option<&'a str> {
        cols.index.get(k).and_then(|&i| self.record.get(i)).map(str::trim).filter(|s| !s.is_empty())
    }
}

/// Why a cell cannot be the one value of its column: a line break, a quote, `#`, a control
/// character or whitespace inside it would make it more than one value (or none) in the journal
/// it becomes; an id column also follows the id grammar.
fn check_cell(column: &str, cell: &str) -> Result<(), String> {
    if let Some(c) = cell.chars().find(|c| c.is_control() || *c == '"' || *c == '#' || c.is_whitespace()) {
        let what = match c {
            '\n' | '\r' => "a line break".to_string(),
            '"' => "a quote".to_string(),
            '#' => "`#`".to_string(),
            c if c.is_whitespace() => "more than one value (whitespace inside)".to_string(),
            c => format!("the control character U+{:04X}", c as u32),
        };
        return Err(format!("a cell holds one value, this one holds {what}"));
    }
    if column == "id" {
        custody_core::id::check_ref(cell).map_err(|e| e.to_string())?;
    } else if ID_COLUMNS.contains(&column) {
        custody_core::id::check_id(cell).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Reads a CSV file into journal entries, one operation per `id` (rows sharing an id form one
/// production or sale). Errors name file, line, row and column; a file with any bad row yields
/// only errors.
fn csv_entries(path: &Path) -> anyhow::Result<Result<Vec<Spanned>, Vec<String>>> {
    let name = path.display().to_string();
    let reader =
        csv::ReaderBuilder::new().flexible(false).from_path(path).with_context(|| format!("cannot read {name}"))?;
    csv_records(&name, reader)
}

/// [`csv_entries`] on CSV bytes already in memory, reported under `name` (for the fuzz target).
#[cfg(test)]
fn csv_bytes_entries(name: &str, text: &[u8]) -> anyhow::Result<Result<Vec<Spanned>, Vec<String>>> {
    csv_records(name, csv::ReaderBuilder::new().flexible(false).from_reader(text))
}

/// The body of [`csv_entries`], on any reader of CSV records.
fn csv_records<R: std::io::Read>(
    name: &str,
    mut reader: csv::Reader<R>,
) -> anyhow::Result<Result<Vec<Spanned>, Vec<String>>> {
    let name = name.to_string();
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
    let mut index = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if index.insert(h.clone(), i).is_some() && USED.contains(&h.as_str()) {
            return Ok(Err(vec![format!("{name}:1: the column `{h}` is named twice")]));
        }
    }
    let used: Vec<(usize, &str)> = USED.iter().filter_map(|c| index.get(*c).map(|&i| (i, *c))).collect();
    let cols = Columns { index };
    drop(headers);
    let mut errors = Vec::new();
    // Rows grouped by id in the order ids first appear: a map from id to its group (linear).
    let mut groups: Vec<(String, Vec<Row>)> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (n, record) in reader.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(format!("{name}:{line}: row {}: {e}", n + 1));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let row = Row { line, row: n as u64 + 1, record };
        let mut bad = false;
        for &(i, column) in &used {
            let Some(cell) = row.record.get(i).map(str::trim).filter(|c| !c.is_empty()) else { continue };
            if let Err(why) = check_cell(column, cell) {
                errors.push(format!("{name}:{line}: row {}, column `{column}`: {why}", row.row));
                bad = true;
            }
        }
        if bad {
            continue;
        }
        let Some(id) = row.get(&cols, "id").map(str::to_string) else {
            errors.push(format!("{name}:{line}: row {}, column `id`: the cell is empty", row.row));
            continue;
        };
        match by_id.get(&id) {
            Some(&g) if kind != "purchases" => groups[g].1.push(row),
            Some(_) => errors.push(format!("{name}:{line}: row {}, column `id`: id `{id}` appears twice", row.row)),
            None => {
                by_id.insert(id.clone(), groups.len());
                groups.push((id, vec![row]));
            }
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut entries = Vec::new();
    for (id, rows) in groups {
        let first = rows[0].line;
        let text = match journal_text(kind, &id, &rows, &cols) {
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
        if parsed.len() != 1 {
            // Never reached while every cell is one value; kept so a row can only ever be one entry.
            errors.push(format!("{name}:{first}: the rows of id `{id}` make {} entries, not one", parsed.len()));
            continue;
        }
        entries.extend(parsed.into_iter().map(|s| Spanned { line: first as usize, column: 1, ..s }));
    }
    Ok(if errors.is_empty() { Ok(entries) } else { Err(errors) })
}

/// Every column the importer reads (others are ignored).
const USED: &[&str] = &[
    "date",
    "id",
    "supplier",
    "item",
    "quantity",
    "unit",
    "lot",
    "site",
    "per",
    "CO2",
    "CH4",
    "CO",
    "VOC",
    "N2O",
    "content_tC",
    "output",
    "allocation",
    "value",
    "cut_off",
    "customer",
    "share",
    "carrier",
    "transport_kgCO2_per_t",
];

/// The journal text of one operation built from its CSV rows.
fn journal_text(kind: &str, id: &str, rows: &[Row], cols: &Columns) -> Result<String, (u64, String)> {
    let first = &rows[0];
    let need = |r: &Row, k: &str| {
        r.get(cols, k).map(str::to_string).ok_or((r.line, format!("row {}, column `{k}`: the cell is empty", r.row)))
    };
    let date = need(first, "date")?;
    let mut t = String::new();
    match kind {
        "purchases" => {
            let _ = writeln!(t, "{date} purchase {id}");
            let _ = writeln!(t, "  supplier {}", need(first, "supplier")?);
            let _ = writeln!(t, "  item {}", need(first, "item")?);
            let _ = writeln!(t, "  quantity {} {}", need(first, "quantity")?, need(first, "unit")?);
            for k in ["lot", "site"] {
                if let Some(v) = first.get(cols, k) {
                    let _ = writeln!(t, "  {k} {v}");
                }
            }
            for species in ["CO2", "CH4", "CO", "VOC", "N2O"] {
                if let Some(v) = first.get(cols, species) {
                    let per = need(first, "per")?;
                    let _ = writeln!(t, "  factor {v} g{species}/{per}");
                }
            }
            if let Some(c) = first.get(cols, "content_tC") {
                let _ = writeln!(t, "  content {c} tC");
            }
        }
        "production" => {
            let _ = writeln!(t, "{date} produce {id}");
            if let Some(a) = first.get(cols, "allocation") {
                let _ = writeln!(t, "  allocation {a}");
            }
            if let Some(s) = first.get(cols, "site") {
                let _ = writeln!(t, "  site {s}");
            }
            for r in rows {
                let mut line = format!("  output {} {} {}", need(r, "output")?, need(r, "quantity")?, need(r, "unit")?);
                if let Some(c) = r.get(cols, "content_tC") {
                    let _ = write!(line, " content {c} tC");
                }
                if let Some(v) = r.get(cols, "value") {
                    let _ = write!(line, " value {v}");
                }
                match r.get(cols, "cut_off") {
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
                if let Some(v) = first.get(cols, k) {
                    let _ = writeln!(t, "  {k} {v}");
                }
            }
            if let Some(x) = first.get(cols, "transport_kgCO2_per_t") {
                let _ = writeln!(t, "  transport {x} kgCO2/t");
            }
            for r in rows {
                let customer = need(r, "customer")?;
                match (r.get(cols, "share"), r.get(cols, "quantity")) {
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

#[cfg(test)]
mod fuzz;
