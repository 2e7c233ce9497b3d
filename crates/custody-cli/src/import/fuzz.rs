//! The CSV importer's fuzz target (see docs/fuzzing.md): CSV bytes through [`super::csv_rows::csv_records`]
//! never panic, every error names the file and a line (from 1), and every entry the rows become
//! prints to journal text that parses back to the same entry.

use custody_journal::{parse, print_entry, Entry, Source};

const NAME: &str = "fuzz.csv";

/// Tokens beyond the importer's own column names (`super::USED`), which the dictionary also holds.
const EXTRA: &[&str] = &[
    ",",
    ",,",
    "\"",
    "\"\"",
    "\",\"",
    "\n",
    "\r\n",
    "2025-02-03",
    "t",
    "kg",
    "kWh",
    "GWh",
    "60%",
    "yes",
    "no",
    "mass",
    "value",
    "p1",
    "a/b",
    "scrap-co",
    " purchase x\n  attributed 1 tCO2",
];

fn target(data: &[u8]) -> custody_fuzz::Outcome {
    let errors = match super::csv_bytes_entries(NAME, data) {
        Err(e) => {
            let e = format!("{e:#}");
            return if e.starts_with(NAME) {
                Ok(custody_fuzz::shape(&e))
            } else {
                Err(format!("an error not naming the file: {e}"))
            };
        }
        Ok(Err(errors)) => errors,
        Ok(Ok(entries)) => {
            let mut kinds = Vec::new();
            for s in &entries {
                let Entry::Op(op) = &s.entry else {
                    return Err(format!("a CSV row became a definition: {:?}", s.entry));
                };
                if s.line == 0 {
                    return Err(format!("an entry at line 0: {:?}", s.entry));
                }
                let printed = print_entry(&s.entry);
                let (back, diags) = parse(&[Source { name: "printed".into(), text: printed.clone() }]);
                if !diags.is_empty() || back.len() != 1 || back[0].entry != s.entry {
                    return Err(format!("print ∘ parse is not the identity for `{}`:\n{printed}{diags:?}", op.id));
                }
                kinds.push(format!("{:?}", op.body).split(['(', ' ', '{']).next().unwrap_or("").to_string());
            }
            kinds.sort();
            kinds.dedup();
            return Ok(kinds.join("\n"));
        }
    };
    if errors.is_empty() {
        return Err("an empty list of errors".into());
    }
    let mut shapes = Vec::new();
    for e in &errors {
        let line = e.strip_prefix(NAME).and_then(|r| r.strip_prefix(':')).and_then(|r| r.split_once(':'));
        match line.map(|(n, _)| n.parse::<u64>()) {
            Some(Ok(n)) if n >= 1 => shapes.push(custody_fuzz::shape(&e[NAME.len()..])),
            _ => return Err(format!("an error that does not name `{NAME}:LINE:` (line from 1): {e}")),
        }
    }
    shapes.sort();
    shapes.dedup();
    Ok(shapes.join("\n"))
}

#[test]
fn fuzz_csv() {
    let corpus = vec![custody_fuzz::corpus_dir(env!("CARGO_MANIFEST_DIR"), "csv")];
    let budget = custody_fuzz::Budget::from_env("csv", 20_000);
    let dict: Vec<&str> = super::USED.iter().chain(EXTRA).copied().collect();
    let target_spec = custody_fuzz::Target { name: "csv", corpus, max_len: 8_192, dict: &dict };
    custody_fuzz::run(target_spec, &budget, &mut target);
}
