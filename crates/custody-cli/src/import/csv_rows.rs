//! CSV files read into journal entries for `custody import` and `check` (docs/import.md): one
//! operation per `id`, every cell checked as one value before any row becomes journal text.

use anyhow::Context;
use custody_journal::{parse, Source, Spanned};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

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
pub(crate) fn csv_entries(path: &Path) -> anyhow::Result<Result<Vec<Spanned>, Vec<String>>> {
    let name = path.display().to_string();
    let reader =
        csv::ReaderBuilder::new().flexible(false).from_path(path).with_context(|| format!("cannot read {name}"))?;
    csv_records(&name, reader)
}

/// [`csv_entries`] on CSV bytes already in memory, reported under `name` (for the fuzz target).
#[cfg(test)]
pub(super) fn csv_bytes_entries(name: &str, text: &[u8]) -> anyhow::Result<Result<Vec<Spanned>, Vec<String>>> {
    csv_records(name, csv::ReaderBuilder::new().flexible(false).from_reader(text))
}

/// The body of [`csv_entries`], on any reader of CSV records.
pub(super) fn csv_records<R: std::io::Read>(
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
pub(super) const USED: &[&str] = &[
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
