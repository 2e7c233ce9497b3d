//! The journal parser: no panic, every error placed at a line and column of the input, every
//! entry that parses prints to text that parses back to the same entry, `load` (which applies
//! the entries to a ledger) never panics either, and a ledger that loads exports to a journal that
//! loads back to the same ledger.

use custody_fuzz::{shape, Outcome};
use custody_journal::{export, load, parse, print_entry, Diagnostic, Entry, Source};

pub const DICT: &[&str] = &[
    "entity ",
    "counterparty ",
    "account ",
    "item ",
    "asset ",
    "site ",
    "\n  city ",
    "\n  country ",
    "\n  unlocode ",
    "\n  coordinates ",
    "\n  default",
    "\n  cn-code ",
    "\n  goods-category \"Iron or steel products\"",
    "\n  embedded 1.8 0.2 tCO2e/t default",
    "\n  sale s1",
    "\n  claim sa 0 credit non-proportional closed site 1/2",
    "\n  claim-line claimed 1000000 1/2 500000 k1",
    "\n  claim-line residual 1000000 11/5 2200000",
    "\n  claim-verifier \"V\"",
    "\n  claim-certificate C1",
    "period ",
    "close ",
    "pool ",
    "target ",
    " purchase ",
    " consume ",
    " emit ",
    " capture ",
    " produce ",
    " sell ",
    " receive ",
    " reverse ",
    " return ",
    " move ",
    " depreciate ",
    " capitalise ",
    " txn ",
    " pool-claim ",
    " pool-output ",
    " pool-close ",
    " certificate-issue ",
    " certificate-transfer ",
    " certificate-receive ",
    " certificate-retire ",
    " certificate-split ",
    " certificate-cancel ",
    " certificate-expire ",
    "\n  supplier ",
    "\n  item ",
    "\n  quantity ",
    "\n  factor ",
    "\n  content ",
    "\n  attributed ",
    "\n  lot ",
    "\n  site ",
    "\n  use ",
    "\n  output ",
    "\n  customer ",
    "\n  carrier ",
    "\n  transport ",
    "\n  emission ",
    "\n  captured ",
    "\n  operator ",
    "\n  allocation ",
    "\n  asset ",
    "\n  to ",
    "\n  amount ",
    "\n  ratios ",
    "\n  gwp ",
    "\n  category ",
    "\n  costing ",
    "\n  carbon-content ",
    "\n  energy-content ",
    "\n  density ",
    "\n  ferrous ",
    "\n  ghg scope3-",
    "\n  ghg-split scope3-3 ",
    "\n  grid-factor ",
    "\n  market-boundary ",
    "\n  end-of-life oxidised ",
    "\n  processing oxidised ",
    "\n  use oxidised ",
    "\n  residual-mix ",
    "\n  co-voc oxidised",
    "\n  ets none",
    "\n  ets \"EU ETS\"",
    "\n  revenue ",
    "\n  against ",
    "\n  covers ",
    "\n  generated ",
    "\n  boundary ",
    "\n  rate ",
    "\n  recalculate-above ",
    "\n  basis intensity",
    "\n  measure ",
    "\n  in-service ",
    "\n  life ",
    "\n  sale ",
    "\n  from ",
    "\n  pool ",
    "\n  certificate ",
    "\n  policy ",
    "\n  sites ",
    " share ",
    " content ",
    " value ",
    " cut-off",
    " mass",
    " energy",
    " efi",
    " molar",
    " ar5",
    " ar6",
    " tC",
    " tCO2",
    " kgCO2/t",
    " gCO2/kWh",
    " gCH4/MJ",
    " gCO2/kg",
    " kgCO2e/t",
    " t",
    " kg",
    " kWh",
    " GWh",
    " MJ",
    " MMcf",
    " m3",
    " years",
    " months",
    " 2025-01-01",
    " 2025-01",
    " 100%",
    " 0.5",
    " raw-material",
    " fuel",
    " electricity",
    " product",
    " byproduct",
    " waste",
    " fifo",
    " mwa",
    " specific",
    " stock",
    " flow",
    " \"Name\"",
    " \"a\\\"b\"",
    " \"a\\nb\"",
];

/// Checks that a diagnostic names this input, a line of it and a column on that line.
pub fn placed(d: &Diagnostic, file: &str, text: &str) -> Result<(), String> {
    let lines: Vec<&str> = text.lines().collect();
    if d.file != file || d.message.trim().is_empty() {
        return Err(format!("an error without a file or a message: {d:?}"));
    }
    if d.line == 0 || d.line > lines.len().max(1) {
        return Err(format!("an error at line {} of a {}-line input: {d}", d.line, lines.len()));
    }
    let width = lines.get(d.line - 1).map(|l| l.chars().count()).unwrap_or(0);
    if d.column == 0 || d.column > width + 1 {
        return Err(format!("an error at column {} of a {width}-character line: {d}", d.column));
    }
    Ok(())
}

/// print ∘ parse is the identity on every entry that parses.
pub fn round_trips(entry: &Entry) -> Result<(), String> {
    let printed = print_entry(entry);
    let (back, diags) = parse(&[Source { name: "printed".into(), text: printed.clone() }]);
    if let Some(d) = diags.first() {
        return Err(format!("a parsed entry prints to text that does not parse ({d}):\n{printed}"));
    }
    match back.as_slice() {
        [one] if &one.entry == entry => Ok(()),
        _ => Err(format!(
            "print ∘ parse is not the identity:\n{printed}\nwas {entry:?}\nreads back as {:?}",
            back.iter().map(|s| &s.entry).collect::<Vec<_>>()
        )),
    }
}

/// A ledger that loads exports to a journal that loads back to a ledger exporting the same text.
fn exports_back(ledger: &custody_core::Ledger) -> Result<(), String> {
    let text = export(ledger);
    match load(&[Source { name: "exported".into(), text: text.clone() }]) {
        Ok(back) if export(&back) == text => Ok(()),
        Ok(back) => Err(format!("export ∘ load is not the identity:\n{text}\nexports again as\n{}", export(&back))),
        Err((_, diags)) => Err(format!("the export of a loaded ledger does not load: {}\n{text}", diags[0])),
    }
}

fn kind(e: &Entry) -> String {
    match e {
        Entry::Op(op) => format!("op:{}", format!("{:?}", op.body).split(['(', ' ', '{']).next().unwrap_or("")),
        other => format!("{other:?}").split(['(', ' ']).next().unwrap_or("").to_string(),
    }
}

pub fn target(data: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(data).into_owned();
    let sources = [Source { name: "fuzz.journal".into(), text: text.clone() }];
    let (entries, diags) = parse(&sources);
    let mut sig = Vec::new();
    for d in &diags {
        placed(d, "fuzz.journal", &text)?;
        sig.push(shape(&d.message));
    }
    for e in &entries {
        round_trips(&e.entry)?;
        sig.push(kind(&e.entry));
    }
    match load(&sources) {
        Ok(ledger) => {
            sig.push("loaded".into());
            exports_back(&ledger)?;
        }
        Err((_, diags)) => {
            for d in &diags {
                placed(d, "fuzz.journal", &text)?;
                sig.push(shape(&d.message));
            }
        }
    }
    sig.sort();
    sig.dedup();
    Ok(sig.join("\n"))
}
