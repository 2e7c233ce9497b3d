//! `custody`: the command-line tool. Glue only: it reads files, opens the database, calls the
//! journal, core, report and store crates, and maps results to exit codes (0 ok, 1 the input or
//! the stored journal has errors, 2 usage or I/O).

mod assess;
mod db;
mod import;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use custody_journal::{load, Source};
use custody_store::{Registry, Store};
use db::Db;
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
        /// Journal files or directories; without them, the ledger is read from the database.
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: FormatArg,
        /// The period to report (default: the last period defined).
        #[arg(long)]
        period: Option<String>,
        /// The entity, when reading from a database that holds several.
        #[arg(long)]
        entity: Option<String>,
        #[command(flatten)]
        db: Db,
    },
    /// Write a ledger as a journal that loads back to the identical ledger.
    Export {
        /// Journal files or directories; without them, the ledger is read from the database.
        paths: Vec<PathBuf>,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[arg(long)]
        entity: Option<String>,
        #[command(flatten)]
        db: Db,
    },
    /// Load journal files (one entity each) and CSV files into the database. Idempotent.
    Import {
        /// Journal files or directories, and CSV files (see docs/import.md).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The entity CSV files are imported into (journals name their own).
        #[arg(long)]
        entity: Option<String>,
        /// Operations written per database transaction.
        #[arg(long, default_value_t = 500)]
        batch: usize,
        #[command(flatten)]
        db: Db,
    },
    /// Run the HTTP API (see /openapi.json) on the database.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Journals to import before serving (idempotent); a read-only key for them is printed.
        #[arg(long)]
        load: Vec<PathBuf>,
        #[command(flatten)]
        db: Db,
    },
    /// Manage API keys (stored hashed; a secret is shown once).
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Check a product footprint, and a mass-balance or credit claim on it, against the frameworks.
    Assess {
        /// Journal files or directories; without them (and without --footprint), the database.
        paths: Vec<PathBuf>,
        /// The product sold, whose footprint is assessed.
        #[arg(long)]
        product: Option<String>,
        /// steel or aluminium.
        #[arg(long, default_value = "steel")]
        material: String,
        /// A mass-balance claim: POOL/CLAIM-ID of a pool claim with a factor.
        #[arg(long)]
        claim: Option<String>,
        /// A mass-balance credit: the id of an avoided-emission certificate.
        #[arg(long)]
        avoided: Option<String>,
        /// An imported footprint (JSON, see docs/claims.md) instead of a ledger.
        #[arg(long)]
        footprint: Option<PathBuf>,
        /// Only these frameworks (ids; repeat). Default: all.
        #[arg(long = "framework")]
        frameworks: Vec<String>,
        /// Read framework files from this directory instead of the embedded ones.
        #[arg(long)]
        frameworks_dir: Option<PathBuf>,
        #[arg(long)]
        period: Option<String>,
        #[arg(long)]
        entity: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: FormatArg,
        #[command(flatten)]
        db: Db,
    },
    /// Every transfer between entities of the database with both sides; exit 1 on any mismatch.
    Reconcile {
        #[arg(long, value_enum, default_value = "text")]
        format: FormatArg,
        #[command(flatten)]
        db: Db,
    },
    /// Recompute hashes, balances and every invariant from the stored journal; exit 1 on any difference.
    Verify {
        /// One entity (default: all).
        #[arg(long)]
        entity: Option<String>,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum KeyAction {
    /// Create a key: admin, member (--entity), counterparty (--entity) or verifier (--grant, repeated).
    Create {
        #[arg(long)]
        role: String,
        #[arg(long)]
        entity: Option<String>,
        #[arg(long = "grant")]
        grants: Vec<String>,
        #[command(flatten)]
        db: Db,
    },
    /// Revoke a key by id.
    Revoke {
        id: String,
        #[command(flatten)]
        db: Db,
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

fn print_diagnostics(diags: &[custody_journal::Diagnostic]) {
    for d in diags {
        eprintln!("{d}");
    }
    eprintln!("{} error{}", diags.len(), if diags.len() == 1 { "" } else { "s" });
}

/// Loads a ledger from journal files, printing diagnostics; `None` when the journal has errors.
fn load_files(paths: &[PathBuf]) -> anyhow::Result<Option<custody_core::Ledger>> {
    let sources = read_sources(paths)?;
    match load(&sources) {
        Ok(l) => Ok(Some(l)),
        Err((_, diags)) => {
            print_diagnostics(&diags);
            Ok(None)
        }
    }
}

/// The entity to read: the one named, or the only one in the database.
async fn pick_entity<S: Store>(registry: &Registry<S>, entity: Option<String>) -> anyhow::Result<String> {
    if let Some(e) = entity {
        return Ok(e);
    }
    let ids = registry.store().entity_ids().await?;
    match ids.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("the database holds no entity: import a journal first"),
        many => bail!("the database holds {} entities ({}): name one with --entity", many.len(), many.join(", ")),
    }
}

/// The ledger from files when paths are given, else from the database.
async fn ledger_from(
    paths: &[PathBuf],
    entity: Option<String>,
    db: &Db,
) -> anyhow::Result<Option<custody_core::Ledger>> {
    if !paths.is_empty() {
        return load_files(paths);
    }
    let registry = db.reader().await?;
    let id = pick_entity(&registry, entity).await?;
    Ok(Some(registry.ledger(&id).await?))
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check { paths } => {
            let Some(ledger) = load_files(&paths)? else { return Ok(ExitCode::from(1)) };
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
        Command::Report { kind, paths, format, period, entity, db } => {
            let Some(ledger) = ledger_from(&paths, entity, &db).await? else { return Ok(ExitCode::from(1)) };
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
        Command::Export { paths, output, entity, db } => {
            let Some(ledger) = ledger_from(&paths, entity, &db).await? else { return Ok(ExitCode::from(1)) };
            let text = custody_journal::export(&ledger);
            match output {
                Some(o) => std::fs::write(&o, text).with_context(|| format!("cannot write {}", o.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { paths, entity, batch, db } => {
            let registry = db.registry().await?;
            import::run(&registry, &paths, entity.as_deref(), batch.max(1)).await
        }
        Command::Serve { listen, load, db } => serve(&listen, &load, &db).await,
        Command::Key { action } => match action {
            KeyAction::Create { role, entity, grants, db } => {
                let registry = db.registry().await?;
                let role = custody_server::auth::Role::parse(&role)
                    .with_context(|| format!("`{role}` is not a role (admin, member, counterparty, verifier)"))?;
                let (id, secret) = custody_server::auth::create_key(registry.store(), role, entity, grants)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
                println!("{id} {secret}");
                Ok(ExitCode::SUCCESS)
            }
            KeyAction::Revoke { id, db } => {
                let registry = db.registry().await?;
                if registry.store().revoke_key(&id).await? {
                    Ok(ExitCode::SUCCESS)
                } else {
                    eprintln!("error: no key `{id}`");
                    Ok(ExitCode::from(1))
                }
            }
        },
        Command::Assess {
            paths,
            product,
            material,
            claim,
            avoided,
            footprint,
            frameworks,
            frameworks_dir,
            period,
            entity,
            format,
            db,
        } => {
            let all = match frameworks_dir {
                Some(dir) => custody_frameworks::from_dir(&dir).map_err(|e| anyhow::anyhow!(e))?,
                None => custody_frameworks::embedded(),
            };
            let chosen: Vec<_> =
                all.into_iter().filter(|f| frameworks.is_empty() || frameworks.contains(&f.id)).collect();
            if chosen.is_empty() {
                bail!("no framework matches {}", frameworks.join(", "));
            }
            let (fp, c) = match footprint {
                Some(file) => assess::imported(&file)?,
                None => {
                    let Some(ledger) = ledger_from(&paths, entity, &db).await? else { return Ok(ExitCode::from(1)) };
                    let product = product.context("name the --product whose footprint is assessed")?;
                    assess::from_ledger(
                        &ledger,
                        period.as_deref(),
                        &product,
                        &material,
                        claim.as_deref(),
                        avoided.as_deref(),
                    )?
                }
            };
            let verdicts: Vec<_> = chosen.iter().map(|f| custody_core::claims::assess(f, &fp, c.as_ref())).collect();
            let format = match format {
                FormatArg::Text => custody_report::Format::Text,
                FormatArg::Json => custody_report::Format::Json,
            };
            print!("{}", custody_report::render_verdicts(&fp, c.as_ref(), &verdicts, format));
            Ok(ExitCode::SUCCESS)
        }
        Command::Reconcile { format, db } => {
            let registry = db.reader().await?;
            let rows = registry.reconcile().await?;
            let mismatches = rows.iter().filter(|r| r.mismatch).count();
            match format {
                FormatArg::Json => println!("{}", serde_json::to_string_pretty(&reconcile_json(&rows))?),
                FormatArg::Text => {
                    for r in &rows {
                        let t = &r.transfer;
                        println!(
                            "{:<48} {:<9} {} -> {}  {} gC sent, {} gC booked{}",
                            t.id,
                            t.status.as_str(),
                            t.seller,
                            t.buyer,
                            t.amounts.iter().map(|a| a.2).sum::<i64>(),
                            r.received.iter().map(|a| a.2).sum::<i64>(),
                            if r.mismatch { "  MISMATCH" } else { "" }
                        );
                    }
                    println!("{} transfers, {} mismatched", rows.len(), mismatches);
                }
            }
            Ok(if mismatches > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Verify { entity, db } => {
            let registry = db.reader().await?;
            let ids = match entity {
                Some(e) => vec![e],
                None => registry.store().entity_ids().await?,
            };
            if ids.is_empty() {
                eprintln!("error: no entity in the database {}: nothing to verify", db.url());
                return Ok(ExitCode::from(1));
            }
            let mut failed = false;
            for id in ids {
                match registry.verify(&id).await {
                    Ok(r) => println!(
                        "{id}: ok, {} entries, {} transactions, {} balances, head {}",
                        r.entries,
                        r.transactions,
                        r.balances,
                        &r.head_hash[..16]
                    ),
                    Err(e) => {
                        failed = true;
                        println!("{id}: DIFFERS at {e}");
                    }
                }
            }
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
    }
}

async fn serve(listen: &str, load: &[PathBuf], db: &Db) -> anyhow::Result<ExitCode> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let registry = db.registry().await?;
    let mut loaded = Vec::new();
    for path in load {
        let code = import::run(&registry, std::slice::from_ref(path), None, 500).await?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
        let sources = read_sources(std::slice::from_ref(path))?;
        if let Some(custody_journal::Entry::Entity(e)) = custody_journal::parse(&sources).0.first().map(|s| &s.entry) {
            loaded.push(e.id.clone());
        }
    }
    if !loaded.is_empty() {
        let (_, secret) = custody_server::auth::create_key(
            registry.store(),
            custody_server::auth::Role::Verifier,
            None,
            loaded.clone(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
        println!("read-only (verifier) key for {}: {secret}", loaded.join(", "));
    }
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    println!("custody serving {} on http://{}", db.url(), listener.local_addr()?);
    let state = std::sync::Arc::new(custody_server::AppState { registry });
    axum::serve(listener, custody_server::app(state)).with_graceful_shutdown(shutdown()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM: the server stops taking requests, finishes those running, and
/// the database is closed (checkpointed) before the process exits.
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The reconciliation as JSON (documented in docs/reports.md).
fn reconcile_json(rows: &[custody_store::Reconciliation]) -> serde_json::Value {
    let transfers: Vec<serde_json::Value> =
        rows.iter().map(|r| custody_server::transfer_json(&r.transfer, Some(r))).collect();
    serde_json::json!({"transfers": transfers, "mismatches": rows.iter().filter(|r| r.mismatch).count()})
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(run(cli));
    runtime.block_on(db::close_all());
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
