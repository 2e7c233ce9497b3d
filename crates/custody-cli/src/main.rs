//! `custody`: the command-line tool. Glue only: it reads files, opens the database, calls the
//! journal, core, report and store crates, and maps results to exit codes (0 ok, 1 the input or
//! the stored journal has errors, 2 usage or I/O).

mod alloc;
mod assess;
mod catenax;
mod check;
mod db;
mod import;
mod keys;
mod pact;
mod pact_deliver;
mod pact_pull;
mod pact_return;
mod progress;
mod reconcile;
mod serve;
mod sign;
mod sources;
mod stream;
mod verify;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use custody_store::{Registry, Store};
use db::Db;
pub(crate) use sources::{load_files, read_one, read_sources};
use std::path::PathBuf;
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
    Csv,
}

impl FormatArg {
    fn format(self) -> custody_report::Format {
        match self {
            FormatArg::Text => custody_report::Format::Text,
            FormatArg::Json => custody_report::Format::Json,
            FormatArg::Csv => custody_report::Format::Csv,
        }
    }
}

/// Formats of `custody report`: the statement formats, and `xlsx` for `report cbam` (written to
/// `--output`).
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
    Csv,
    Xlsx,
}

/// `custody report`'s statements: the renderer's, and `cbam` (which needs `--site` and `--period`).
fn report_kinds() -> Vec<&'static str> {
    custody_report::KINDS.iter().copied().chain(["cbam"]).collect()
}

#[derive(Subcommand)]
enum SigningKeyAction {
    /// A new key; never overwrites an existing file.
    Create {
        #[arg(long, short)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Validate journal files; every error is printed as FILE:LINE:COLUMN: message.
    #[command(
        after_help = "Example:\n  custody check examples/efi-h2-dri-eaf\n  custody check examples/three-tier   # three entities: one ledger each"
    )]
    Check {
        /// Journal and CSV files, or directories (their *.journal and *.csv files, sorted by name);
        /// each file that starts with an `entity` entry is a ledger of its own.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print a statement: ledger, balances, product-intensity, entity-emissions, eledger,
    /// carbon-balance, pool, certificates, market-instruments, disclosure, purchased-goods,
    /// ghg-inventory, esrs-e1-6 or cbam (EU CBAM embedded emissions of one site: docs/cbam.md).
    #[command(after_help = "Example:\n  custody report entity-emissions examples/efi-h2-dri-eaf\n  \
        custody report product-intensity --entity steel-producer --format json\n  \
        custody report ghg-inventory --year 2025 examples/efi-h2-dri-eaf --format json\n  \
        custody report cbam examples/efi-h2-dri-eaf --site steel-plant --period 2025-01 --format xlsx -o cbam.xlsx")]
    Report {
        /// The statement.
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(report_kinds()))]
        kind: String,
        /// Journal files or directories; without them, the ledger is read from the database.
        paths: Vec<PathBuf>,
        /// Output format (xlsx: cbam only, written to --output).
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
        /// The site (installation) a cbam statement is for.
        #[arg(long)]
        site: Option<String>,
        /// Write here instead of standard output (required for xlsx).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// The period to report (default: the latest period with activity, named in the output).
        #[arg(long)]
        period: Option<String>,
        /// A calendar year instead of a period: the ledger's periods that lie in it, summed (a period spanning two years is refused).
        #[arg(long, conflicts_with = "period")]
        year: Option<i32>,
        /// The entity, when reading from a database that holds several.
        #[arg(long)]
        entity: Option<String>,
        /// physical (inventory, as posted) or claimed (market-based: suppliers' pool claims and
        /// this ledger's own pools; entity-emissions and product-intensity only).
        #[arg(long, value_parser = ["physical", "claimed"], default_value = "physical")]
        view: String,
        /// Sign the statement with this entity key (`custody signing-key create`): JSON inside a
        /// signed document with the signed head of the stored journal (docs/proofs.md).
        #[arg(long, value_name = "KEY_FILE")]
        sign: Option<PathBuf>,
        /// balances from the database only: fold the stored transactions page by page instead of
        /// loading the ledger (memory bounded by the accounts, not the history; same output).
        #[arg(long)]
        stream: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Create an entity's Ed25519 signing key (FILE, mode 0600) and its public key (FILE.pub).
    #[command(
        name = "signing-key",
        after_help = "Example:
  custody signing-key create -o steel-producer.key"
    )]
    SigningKey {
        #[command(subcommand)]
        action: SigningKeyAction,
    },
    /// An entry's inclusion proof: the entry with its Merkle audit path to a signed head.
    #[command(after_help = "Example:
  custody proof sales --entity steel-producer --signing-key steel-producer.key")]
    Proof {
        /// An operation id, or #SEQ for any entry.
        entry: String,
        /// The entity, when the database holds several.
        #[arg(long)]
        entity: Option<String>,
        /// The entity's signing key.
        #[arg(long, value_name = "KEY_FILE")]
        signing_key: PathBuf,
        #[command(flatten)]
        db: Db,
    },
    /// Check a signed statement, footprint or certificate, or an inclusion proof, without any
    /// database; exit 0 when valid, 1 when not, naming what failed.
    #[command(
        name = "verify-statement",
        after_help = "Example:
  custody verify-statement statement.json --public-key steel-producer.key.pub"
    )]
    VerifyStatement {
        file: PathBuf,
        /// The signer's public key: 64 hex digits, or a file holding them.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Write a ledger as a journal that loads back to the identical ledger (or, with `catenax`, an
    /// item's footprint as a Catena-X PCF document: docs/catenax.md).
    #[command(
        after_help = "Example:\n  custody export examples/efi-h2-dri-eaf -o efi-copy.journal",
        args_conflicts_with_subcommands = true
    )]
    Export {
        #[command(subcommand)]
        catenax: Option<catenax::ExportAs>,
        /// Journal files or directories; without them, the ledger is read from the database.
        paths: Vec<PathBuf>,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// The entity, when reading from a database that holds several.
        #[arg(long)]
        entity: Option<String>,
        #[command(flatten)]
        db: Db,
    },
    /// Load journal files (one entity each) and CSV files into the database. Idempotent. With
    /// `catenax`, Catena-X PCF documents booked as purchases (docs/catenax.md).
    #[command(
        after_help = "Example:\n  custody import examples/csv-import\n  \
        custody import my-purchases.csv --entity mini-mill --database-url sqlite://custody.db",
        args_conflicts_with_subcommands = true
    )]
    Import {
        #[command(subcommand)]
        catenax: Option<catenax::ImportFrom>,
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
    #[command(after_help = "Example:\n  custody serve --load examples/efi-h2-dri-eaf\n  \
        export CUSTODY_KEY=...   # the line serve prints\n  \
        curl -H \"Authorization: Bearer $CUSTODY_KEY\" localhost:8080/entities/steel-producer/verify")]
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Journals to import before serving (idempotent); a read-only key for them is printed.
        #[arg(long)]
        load: Vec<PathBuf>,
        /// Transactions the ledgers kept in memory hold together, at most; past it the least
        /// recently used are dropped and reloaded from their snapshots when next used.
        #[arg(long, default_value_t = custody_store::CACHE_OPERATIONS)]
        cache_operations: usize,
        #[command(flatten)]
        tls: pact::ServeTls,
        #[command(flatten)]
        db: Db,
    },
    /// PACT v3 exchange: client credentials for the PACT routes of `serve` (docs/pact.md).
    Pact {
        #[command(subcommand)]
        action: pact::PactAction,
    },
    /// Manage API keys: create, list, revoke (stored hashed; a secret is shown once).
    #[command(after_help = "Example:\n  custody key create --role admin\n  custody key list")]
    Key {
        #[command(subcommand)]
        action: keys::KeyAction,
    },
    /// Check a product footprint, and a mass-balance or credit claim on it, against the frameworks.
    #[command(after_help = "Example:\n  custody assess examples/efi-h2-dri-eaf --product steel\n  \
        custody assess examples/aluminium --product aluminium --material aluminium")]
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
        /// The buyer's side: a receive of this ledger, assessed on its physical footprint with
        /// the seller's pool claim it recorded (instead of --product).
        #[arg(long, conflicts_with_all = ["product", "claim", "avoided", "footprint"])]
        received: Option<String>,
        /// Only these frameworks (ids; repeat). Default: all.
        #[arg(long = "framework")]
        frameworks: Vec<String>,
        /// Read framework files from this directory instead of the embedded ones.
        #[arg(long)]
        frameworks_dir: Option<PathBuf>,
        /// The period assessed (default: the latest period with activity).
        #[arg(long)]
        period: Option<String>,
        /// The entity, when reading from a database that holds several.
        #[arg(long)]
        entity: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: FormatArg,
        #[command(flatten)]
        db: Db,
    },
    /// Every transfer between entities of the database with both sides; exit 1 on any mismatch.
    #[command(after_help = "Example:\n  custody reconcile --format json")]
    Reconcile {
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: FormatArg,
        #[command(flatten)]
        db: Db,
    },
    /// Recompute hashes, balances and every invariant from the stored journal; exit 1 on any difference.
    #[command(after_help = "Example:\n  custody verify --entity steel-producer")]
    Verify {
        /// One entity (default: all).
        #[arg(long)]
        entity: Option<String>,
        #[command(flatten)]
        db: Db,
    },
    /// Replay each journal whole and keep a snapshot of it at its head, replacing the stored one:
    /// later loads replay only the entries after it (`import` and the server write them on their
    /// own; this repairs one `verify` named; docs/import.md "Snapshots").
    #[command(after_help = "Example:\n  custody snapshot --entity steel-producer")]
    Snapshot {
        /// One entity (default: all).
        #[arg(long)]
        entity: Option<String>,
        #[command(flatten)]
        db: Db,
    },
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
    let _spinner = progress::Spinner::start(&format!("reading the ledger of {id}"));
    // For statements: received claims settled once the seller's pool period closed.
    Ok(Some(registry.take_ledger_for_statements(&id).await?))
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check { paths } => check::run(&paths).await,
        Command::Report {
            kind,
            paths,
            format: _,
            site: _,
            output,
            period,
            year,
            entity,
            db,
            sign: Some(key),
            view,
            stream,
        } => {
            if stream {
                bail!("--sign signs the statement of the replayed journal: leave out --stream");
            }
            if view != "physical" {
                bail!("--sign signs the physical statement: leave out --view claimed");
            }
            if year.is_some() {
                bail!("--sign signs a statement of one period: give --period");
            }
            if !paths.is_empty() {
                bail!("--sign signs a statement of the stored journal: import the files, then sign without paths");
            }
            sign::signed_report(&kind, period.as_deref(), entity, &db, &key, output.as_deref()).await
        }
        Command::SigningKey { action: SigningKeyAction::Create { out } } => sign::create_key(&out),
        Command::Proof { entry, entity, signing_key, db } => sign::proof(&entry, entity, &db, &signing_key).await,
        Command::VerifyStatement { file, public_key } => sign::verify_statement(&file, public_key.as_deref()),
        Command::Report { kind, paths, format, site, output, period, year, entity, db, sign: None, view, stream } => {
            let fmt = match format {
                ReportFormat::Text => FormatArg::Text,
                ReportFormat::Json => FormatArg::Json,
                ReportFormat::Csv => FormatArg::Csv,
                ReportFormat::Xlsx if kind != "cbam" => bail!("--format xlsx is for `report cbam` only"),
                ReportFormat::Xlsx if output.is_none() => bail!("--format xlsx writes a file: give --output FILE"),
                ReportFormat::Xlsx => FormatArg::Text,
            };
            let cbam_args = match (kind.as_str(), &site, &period) {
                ("cbam", Some(s), Some(p)) => Some((s.clone(), p.clone())),
                ("cbam", _, _) => bail!("`report cbam` needs --site SITE and --period PERIOD"),
                (_, Some(_), _) => bail!("--site is for `report cbam` only"),
                _ => None,
            };
            let rendered = if stream {
                stream::check_flags(&kind, &paths, &view, site.is_some())?;
                stream::balances(period.as_deref(), year, entity, &db, fmt.format()).await?
            } else {
                let Some(ledger) = ledger_from(&paths, entity, &db).await? else { return Ok(ExitCode::from(1)) };
                let spinner = progress::Spinner::start(&format!("computing the {kind} statement"));
                let rendered = match &cbam_args {
                    Some((s, p)) if format == ReportFormat::Xlsx => custody_report::cbam_xlsx(&ledger, s, p),
                    Some((s, p)) => custody_report::render_cbam(&ledger, s, p, fmt.format()).map(String::into_bytes),
                    None => match year {
                        Some(_) if view != "physical" => Err("--view claimed is per period: give --period".to_string()),
                        Some(y) => custody_report::render_year(&ledger, &kind, y, fmt.format()),
                        None => {
                            let view = custody_report::View::parse(&view).unwrap_or_default();
                            custody_report::render_view(&ledger, &kind, period.as_deref(), fmt.format(), view)
                        }
                    }
                    .map(String::into_bytes),
                };
                drop(spinner);
                rendered
            };
            match rendered {
                Ok(out) => {
                    match output {
                        Some(o) => std::fs::write(&o, out).with_context(|| format!("cannot write {}", o.display()))?,
                        None => std::io::Write::write_all(&mut std::io::stdout(), &out)?,
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Export { catenax: Some(c), .. } => catenax::export(c).await,
        Command::Export { catenax: None, paths, output, entity, db } => {
            let Some(ledger) = ledger_from(&paths, entity, &db).await? else { return Ok(ExitCode::from(1)) };
            let text = custody_journal::export(&ledger);
            match output {
                Some(o) => std::fs::write(&o, text).with_context(|| format!("cannot write {}", o.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { catenax: Some(c), .. } => catenax::import(c).await,
        Command::Import { catenax: None, paths, entity, batch, db } => {
            // One snapshot at the end (import::run), none on the way: a bulk load would write
            // and throw away several (docs/import.md "Snapshots").
            let registry = db.registry().await?.with_snapshot_every(i64::MAX);
            import::run(&registry, &paths, entity.as_deref(), batch.max(1), false).await
        }
        Command::Serve { listen, load, cache_operations, tls, db } => {
            serve::serve(&listen, &load, cache_operations, &tls, &db).await
        }
        Command::Pact { action } => pact::run(action).await,
        Command::Key { action } => keys::run(action).await,
        Command::Assess {
            paths,
            product,
            material,
            claim,
            avoided,
            footprint,
            received,
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
            let mut note = None;
            let (fp, c) = match footprint {
                Some(file) => assess::imported(&file)?,
                None => {
                    let Some(ledger) = ledger_from(&paths, entity, &db).await? else { return Ok(ExitCode::from(1)) };
                    if period.is_none() {
                        note = custody_core::statements::Scope::default_choice(&ledger).ok();
                    }
                    let which = (product.as_deref(), claim.as_deref(), avoided.as_deref(), received.as_deref());
                    assess::from_ledger(&ledger, period.as_deref(), which, &material)?
                }
            };
            let verdicts: Vec<_> = chosen.iter().map(|f| custody_core::claims::assess(f, &fp, c.as_ref())).collect();
            print!("{}", custody_report::render_verdicts(&fp, c.as_ref(), &verdicts, format.format()));
            if let (Some((id, why)), FormatArg::Text) = (note, format) {
                print!("\n{}", custody_report::period_note(&id, &why));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Reconcile { format, db } => reconcile::run(format, &db).await,
        Command::Verify { entity, db } => verify::verify(entity, &db).await,
        Command::Snapshot { entity, db } => verify::snapshot(entity, &db).await,
    }
}

fn main() -> ExitCode {
    alloc::configure();
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve { .. }) {
        progress::show_warnings(); // `serve` sets up its own log
    }
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
