//! `custody`: the command-line tool. Glue only: it reads files, calls the journal, core and
//! report crates, and maps results to exit codes (0 ok, 1 the input has errors, 2 usage or I/O).

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use custody_journal::{load, Source};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "custody", version, about = "Ledger-based carbon accounting and chain of custody")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Validate journal files; every error is printed as FILE:LINE:COLUMN: message.
    Check {
        /// Journal files, or directories read as one journal (their *.journal files, sorted).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print a statement: ledger, balances, product-intensity, entity-emissions, eledger, carbon-balance.
    Report {
        /// The statement.
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(custody_report::KINDS))]
        kind: String,
        /// Journal files, or directories read as one journal.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: FormatArg,
        /// The period to report (default: the last period defined).
        #[arg(long)]
        period: Option<String>,
    },
    /// Write the ledger as a journal that loads back to the identical ledger.
    Export {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// Expands directories into their `*.journal` files, sorted by name.
fn read_sources(paths: &[PathBuf]) -> anyhow::Result<Vec<Source>> {
    let mut sources = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read directory {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "journal") && f.is_file())
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

fn read_one(path: &Path) -> anyhow::Result<Source> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))?;
    Ok(Source { name: path.display().to_string(), text })
}

/// Loads a ledger, printing diagnostics; `None` when the journal has errors.
fn load_or_report(paths: &[PathBuf]) -> anyhow::Result<Option<custody_core::Ledger>> {
    let sources = read_sources(paths)?;
    match load(&sources) {
        Ok(l) => Ok(Some(l)),
        Err((_, diags)) => {
            for d in &diags {
                eprintln!("{d}");
            }
            eprintln!("{} error{}", diags.len(), if diags.len() == 1 { "" } else { "s" });
            Ok(None)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check { paths } => {
            let Some(ledger) = load_or_report(&paths)? else {
                return Ok(ExitCode::from(1));
            };
            ledger.verify().map_err(|e| anyhow::anyhow!("internal check failed: {e}"))?;
            println!(
                "ok: {} transactions, {} items, {} periods; stocks = flows = {} tC",
                ledger.transactions().len(),
                ledger.items().count(),
                ledger.periods().len(),
                custody_core::units::grams_to_tonnes_string(
                    i64::try_from(ledger.side_total_carbon(custody_core::chart::Side::Stock)).unwrap_or(i64::MAX)
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { kind, paths, format, period } => {
            let Some(ledger) = load_or_report(&paths)? else {
                return Ok(ExitCode::from(1));
            };
            let format = match format {
                FormatArg::Text => custody_report::Format::Text,
                FormatArg::Json => custody_report::Format::Json,
            };
            match custody_report::render(&ledger, &kind, period.as_deref(), format) {
                Ok(out) => {
                    print!("{out}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Export { paths, output } => {
            let Some(ledger) = load_or_report(&paths)? else {
                return Ok(ExitCode::from(1));
            };
            let text = custody_journal::export(&ledger);
            match output {
                Some(o) => std::fs::write(&o, text).with_context(|| format!("cannot write {}", o.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
