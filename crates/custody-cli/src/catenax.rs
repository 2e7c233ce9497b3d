//! `custody export catenax` and `custody import catenax`: Catena-X PCF documents to and from the
//! ledger through `custody-catenax` (`docs/catenax.md`).

use crate::db::Db;
use anyhow::{bail, Context};
use clap::Subcommand;
use custody_catenax::{from_ledger, read, to_journal, write, Booking};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ExportAs {
    /// A Catena-X PCF document (io.catenax.pcf 7.0.0-10.0.0) of an item, on a template.
    #[command(
        after_help = "Example:\n  custody export catenax examples/efi-h2-dri-eaf --product steel --period 2025-01 \\\n    \
        --template my-pcf-9.0.0.json -o steel-pcf.json"
    )]
    Catenax {
        /// Journal files or directories; without them, the ledger is read from the database.
        paths: Vec<PathBuf>,
        /// The item: bought with a CO2e footprint in the period, or a product sold in it.
        #[arg(long)]
        product: String,
        /// The period (default: the latest period with activity).
        #[arg(long)]
        period: Option<String>,
        /// A PCF document of the version to write: it supplies what the ledger does not hold.
        #[arg(long)]
        template: PathBuf,
        /// The document's `created` time (default: now, UTC).
        #[arg(long)]
        created: Option<String>,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// The entity, when reading from a database that holds several.
        #[arg(long)]
        entity: Option<String>,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
pub enum ImportFrom {
    /// Catena-X PCF documents, each booked as a purchase (with its definitions) with provenance.
    #[command(
        after_help = "Example:\n  custody import catenax pcf.json --quantity '1000 L' --date 2025-03-10 --entity mill\n  \
        custody import catenax pcf.json --quantity '1000 L' --date 2025-03-10 -o pcf.journal"
    )]
    Catenax {
        /// PCF documents (JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The quantity delivered, e.g. '1000 L' (a unit of the declared unit's dimension).
        #[arg(long)]
        quantity: String,
        /// The purchase date, YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// The ledger's item (already defined); default: defined from the PCF.
        #[arg(long)]
        item: Option<String>,
        /// The ledger's supplier (already defined); default: defined from the PCF.
        #[arg(long)]
        supplier: Option<String>,
        /// The purchase id (default: catenax:PCF-ID:vVERSION).
        #[arg(long)]
        id: Option<String>,
        /// Write the journal text here instead of importing it into the database.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// The entity the purchases are booked into (database import).
        #[arg(long)]
        entity: Option<String>,
        #[command(flatten)]
        db: Db,
    },
}

fn now_utc() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn json(path: &PathBuf) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

pub async fn export(cmd: ExportAs) -> anyhow::Result<ExitCode> {
    let ExportAs::Catenax { paths, product, period, template, created, output, entity, db } = cmd;
    let template = json(&template)?;
    let Some(ledger) = crate::ledger_from(&paths, entity, &db).await? else { return Ok(ExitCode::from(1)) };
    let scope = match custody_core::statements::Scope::resolve(&ledger, period.as_deref()) {
        Ok(s) => s,
        Err(e) => bail!("{e}"),
    };
    let fp = from_ledger(&ledger, &product, &scope).map_err(|e| anyhow::anyhow!("{e}"))?;
    let doc = write(&fp, &template, &created.unwrap_or_else(now_utc)).map_err(|e| anyhow::anyhow!("template: {e}"))?;
    let text = serde_json::to_string_pretty(&doc)? + "\n";
    match output {
        Some(o) => std::fs::write(&o, text).with_context(|| format!("cannot write {}", o.display()))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn import(cmd: ImportFrom) -> anyhow::Result<ExitCode> {
    let ImportFrom::Catenax { files, quantity, date, item, supplier, id, output, entity, db } = cmd;
    let Some((value, unit)) = quantity.split_once(' ') else {
        bail!("--quantity is a number and a unit, e.g. '1000 L'")
    };
    let Some(value) = custody_core::exact::parse_decimal(value.trim()) else {
        bail!("--quantity: `{value}` is not a number")
    };
    if id.is_some() && files.len() > 1 {
        bail!("--id names one purchase: give one file");
    }
    let booking = Booking { date, quantity: (value, unit.trim().to_string()), item, supplier, id };
    let mut journal = String::new();
    for f in &files {
        let fp = read(&json(f)?).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
        let (text, warnings) = to_journal(&fp, &booking).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
        for w in warnings {
            eprintln!("{}: {w}", f.display());
        }
        journal.push_str(&format!("# from {}\n{text}\n", f.display()));
    }
    if let Some(o) = output {
        std::fs::write(&o, journal).with_context(|| format!("cannot write {}", o.display()))?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(entity) = entity else { bail!("name the entity to book into with --entity (or write a journal with -o)") };
    let dir = std::env::temp_dir().join(format!("custody-catenax-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("catenax.journal");
    std::fs::write(&file, journal)?;
    let registry = db.writer().await?;
    let code = crate::import::run(&registry, &[file], Some(&entity), 500, false).await;
    let _ = std::fs::remove_dir_all(&dir);
    code
}
