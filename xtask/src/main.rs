//! Chores.
//!
//! - `cargo xtask ci`: what CI runs (formatting, then every test).
//! - `cargo xtask bench [--sizes 10000,100000] [--only check,import,verify,http]
//!   [--peers ledger,hledger,beancount] [--concurrency 1,8,64] [--http-batches N] [--http-reads N]`: the benchmark suite (suite.rs,
//!   BENCHMARKS.md): check + report against ledger-cli, hledger and beancount at each size of the
//!   generated mill (1000000 takes minutes), import into SQLite and PostgreSQL (when DATABASE_URL is
//!   set) against a plain insert of the same rows, verify and load from the database, and HTTP
//!   writes and reads of `custody serve` against a bare axum handler at each concurrency (64
//!   batches of one mill day and 400 reads per level by default). Prints markdown tables of ratios
//!   measured in the same run. Never run by CI or the tests.
//! - `cargo xtask bench --baseline REV [--days N] [--runs N]` (or only `--days`/`--runs`): times
//!   `custody check`, `custody report` and `custody import` on a generated journal of a year of
//!   daily operations, for this tree and for another revision built side by side in a git
//!   worktree; prints the ratios.
//! - `cargo xtask fuzz [--secs N] [--target journal|csv|catenax|api|batch|proof] [--seed S] [--release]`: runs
//!   the fuzz targets (docs/fuzzing.md) for N seconds each (default 60), one after the other,
//!   writing minimised failures into `fuzz/corpus/TARGET/`; prints executions per target.
//! - `cargo xtask soak [--ops N] [--seed S]`: the model-based soak of the engine, 10^6 operations
//!   by default, in release; a failure prints its seed and shortest failing prefix.
//! - `cargo xtask crash [--cycles N] [--pg-cycles N] [--seed S]`: kills `custody serve` and
//!   `custody import` with SIGKILL N times (default 200 on SQLite, 50 on PostgreSQL) and proves
//!   after each restart that nothing acknowledged was lost or doubled (crates/custody-cli/tests/crash.rs).

mod mill;
mod suite;
mod table;

use anyhow::{bail, Context};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn run(cmd: &str, args: &[&str], dir: &Path) -> anyhow::Result<()> {
    let status = Command::new(cmd).args(args).current_dir(dir).status().with_context(|| format!("cannot run {cmd}"))?;
    if !status.success() {
        bail!("`{cmd} {}` failed", args.join(" "));
    }
    Ok(())
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace").to_path_buf()
}

/// Cargo's target directory: $CARGO_TARGET_DIR, else `target/` in the workspace.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// A journal of `days` days: purchases of four inputs, consumption, emissions, capture,
/// production, depreciation and a sale split across three customers, every day.
fn synthetic_journal(days: u32) -> String {
    let mut j = format!(
        "entity bench \"Benchmark mill\"\n  ratios efi\n  gwp ar6\n{}\
         asset plant \"Plant\"\n  in-service 2020-01\n  life 40 years\n\
         period y 2025-01-01 2025-12-31\n\
         2025-01-01 capitalise cap\n  asset plant\n  amount 250000 tCO2\n",
        mill::PARTIES_AND_ITEMS
    );
    for day in 0..days {
        let (date, month_end) = {
            let (mut m, mut d) = (1u32, day + 1);
            let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
            while d > lengths[(m - 1) as usize] {
                d -= lengths[(m - 1) as usize];
                m += 1;
            }
            (format!("2025-{m:02}-{d:02}"), d == lengths[(m - 1) as usize])
        };
        // The month's depreciation goes onto the day's steel before it is sold (a product with
        // nothing on hand takes none: docs/journal.md `depreciate`).
        let dep =
            if month_end { format!("{date} depreciate dep-{day}\n  asset plant\n  to steel\n") } else { String::new() };
        let _ = write!(
            j,
            "{date} purchase ore-{day}\n  supplier sup\n  item ore\n  quantity 21000 t\n  factor 87.8 gCO2/kg\n  factor 0.26 gCH4/kg\n\
             {date} purchase coal-{day}\n  supplier sup\n  item coal\n  quantity 150 t\n  attributed 13 tCO2\n\
             {date} purchase gas-{day}\n  supplier sup\n  item gas\n  quantity 38 MMcf\n  factor 4.53 gCO2/MJ\n  factor 0.11 gCH4/MJ\n\
             {date} purchase power-{day}\n  supplier sup\n  item power\n  quantity 3.6 GWh\n  factor 675.28 gCO2/kWh\n\
             {date} consume use-{day}\n  use ore 20800 t\n  use coal 140 t\n  use gas 38 MMcf\n  use power 3.6 GWh\n\
             {date} emit emit-{day}\n  emission 2600 tCO2\n\
             {date} capture ccs-{day}\n  operator store\n  captured 1800 tCO2\n  process 180 tCO2\n\
             {date} produce make-{day}\n  output steel 13600 t content 27 tC\n  output slag 1100 t content 40 tC cut-off\n\
             {dep}{date} sell sale-{day}\n  item steel\n  customer a share 30%\n  customer b share 30%\n  customer c share 40%\n  carrier rail\n  transport 5 kgCO2/t\n"
        );
    }
    j
}

/// `{run}` in an argument becomes `BIN-RUN`, so every run of every binary gets its own file.
fn median_time(bin_idx: usize, bin: &Path, args: &[&str], runs: u32) -> anyhow::Result<Duration> {
    let mut times = Vec::new();
    for run in 0..runs {
        let args: Vec<String> = args.iter().map(|a| a.replace("{run}", &format!("{bin_idx}-{run}"))).collect();
        for a in &args {
            if let Some(path) = a.strip_prefix("sqlite://") {
                let _ = std::fs::remove_file(path);
            }
        }
        let start = Instant::now();
        let out = Command::new(bin).args(&args).output().with_context(|| format!("cannot run {}", bin.display()))?;
        let took = start.elapsed();
        if !out.status.success() {
            bail!("{} {} failed: {}", bin.display(), args.join(" "), String::from_utf8_lossy(&out.stderr));
        }
        times.push(took);
    }
    times.sort();
    Ok(times[times.len() / 2])
}

fn bench(args: &[String]) -> anyhow::Result<()> {
    if !args.iter().any(|a| matches!(a.as_str(), "--baseline" | "--days" | "--runs")) {
        let root = root();
        return suite::run(args, &root, &target_dir(&root));
    }
    let mut baseline = None;
    let (mut days, mut runs) = (365u32, 5u32);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--baseline" => baseline = Some(it.next().context("--baseline needs a revision")?.clone()),
            "--days" => days = it.next().context("--days needs a number")?.parse()?,
            "--runs" => runs = it.next().context("--runs needs a number")?.parse()?,
            other => bail!("unknown option {other}"),
        }
    }
    let root = root();
    let work = target_dir(&root).join("bench");
    std::fs::create_dir_all(&work)?;
    let journal = work.join("year.journal");
    std::fs::write(&journal, synthetic_journal(days))?;
    run("cargo", &["build", "--release", "-p", "custody-cli"], &root)?;
    let mut bins = vec![("this tree".to_string(), target_dir(&root).join("release/custody"))];
    if let Some(rev) = &baseline {
        let tree = work.join("baseline");
        let _ = Command::new("git").args(["worktree", "remove", "--force"]).arg(&tree).current_dir(&root).status();
        run("git", &["worktree", "add", "--detach", tree.to_str().unwrap(), rev], &root)?;
        run("cargo", &["build", "--release", "-p", "custody-cli", "--target-dir", "../baseline-target"], &tree)?;
        bins.insert(0, (format!("baseline {rev}"), work.join("baseline-target/release/custody")));
    }
    let j = journal.to_str().unwrap();
    // A fresh SQLite database per run and binary (see `median_time`).
    let db = format!("sqlite://{}/import-{{run}}.db", work.display());
    let cases: [(&str, Vec<&str>); 4] = [
        ("check", vec!["check", j]),
        ("report balances", vec!["report", "balances", j, "--format", "json"]),
        ("report product-intensity", vec!["report", "product-intensity", j]),
        ("import into SQLite", vec!["import", j, "--database-url", &db]),
    ];
    println!("{days} days of operations ({} operations), median of {runs} runs", days * 9 + 1);
    for (name, a) in &cases {
        let mut line = format!("{name:<26}");
        let mut first = None;
        for (bin_idx, (label, bin)) in bins.iter().enumerate() {
            let t = median_time(bin_idx, bin, a, runs)?;
            let _ = write!(line, "  {label}: {:>8.1} ms", t.as_secs_f64() * 1000.0);
            match first {
                None => first = Some(t),
                Some(b) => {
                    let _ = write!(line, "  ratio {:.2}x", t.as_secs_f64() / b.as_secs_f64());
                }
            }
        }
        println!("{line}");
    }
    if baseline.is_some() {
        let tree = work.join("baseline");
        let _ = Command::new("git").args(["worktree", "remove", "--force"]).arg(&tree).current_dir(&root).status();
    }
    Ok(())
}

/// The fuzz targets: name, and the `cargo test` arguments that run exactly that one.
const FUZZ_TARGETS: &[(&str, &[&str])] = &[
    ("journal", &["-p", "custody-fuzz", "--test", "fuzz", "fuzz_journal"]),
    ("csv", &["-p", "custody-cli", "--bin", "custody", "import::fuzz::fuzz_csv"]),
    ("catenax", &["-p", "custody-fuzz", "--test", "fuzz", "fuzz_catenax"]),
    ("api", &["-p", "custody-fuzz", "--test", "fuzz", "fuzz_api"]),
    ("batch", &["-p", "custody-fuzz", "--test", "fuzz", "fuzz_batch"]),
    ("proof", &["-p", "custody-fuzz", "--test", "fuzz", "fuzz_proof"]),
];

fn fuzz(args: &[String]) -> anyhow::Result<()> {
    let (mut secs, mut only, mut seed, mut release) = ("60".to_string(), None, None, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--secs" => secs = it.next().context("--secs needs a number")?.clone(),
            "--target" => only = Some(it.next().context("--target needs a name")?.clone()),
            "--seed" => seed = Some(it.next().context("--seed needs a number")?.clone()),
            "--release" => release = true,
            other => bail!("unknown option {other}"),
        }
    }
    if let Some(t) = &only {
        if !FUZZ_TARGETS.iter().any(|(n, _)| n == t) {
            bail!("no fuzz target `{t}` (one of: journal, csv, api, batch)");
        }
    }
    let root = root();
    let mut summary = Vec::new();
    let mut failed = Vec::new();
    for (name, test) in FUZZ_TARGETS.iter().filter(|(n, _)| only.as_deref().is_none_or(|o| o == *n)) {
        let mut cmd = Command::new("cargo");
        cmd.arg("test").args(*test);
        if release {
            cmd.arg("--release");
        }
        cmd.args(["--", "--exact", "--nocapture"]).current_dir(&root);
        cmd.env("CUSTODY_FUZZ_SECS", &secs).env("CUSTODY_FUZZ_SAVE", "1").env_remove("CUSTODY_FUZZ_EXECS");
        if let Some(s) = &seed {
            cmd.env("CUSTODY_FUZZ_SEED", s);
        }
        println!("fuzzing {name} for {secs} s ...");
        let out = cmd.output().with_context(|| "cannot run cargo test".to_string())?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with("fuzz ")).collect();
        if out.status.success() {
            summary.extend(lines.iter().map(|l| l.to_string()));
        } else {
            println!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
            failed.push(*name);
        }
    }
    println!("\nexecutions per target:");
    for l in &summary {
        println!("  {l}");
    }
    if !failed.is_empty() {
        bail!("fuzz target(s) failed: {} (the minimised inputs are in fuzz/corpus/)", failed.join(", "));
    }
    Ok(())
}

/// `cargo xtask crash [--cycles N] [--pg-cycles N] [--seed S]`: the SIGKILL harness
/// (crates/custody-cli/tests/crash.rs) at full count: 200 kills on SQLite, 50 on PostgreSQL when
/// DATABASE_URL is set.
fn crash(args: &[String]) -> anyhow::Result<()> {
    let (mut cycles, mut pg, mut seed) = ("200".to_string(), "50".to_string(), None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--cycles" => cycles = it.next().context("--cycles needs a number")?.clone(),
            "--pg-cycles" => pg = it.next().context("--pg-cycles needs a number")?.clone(),
            "--seed" => seed = Some(it.next().context("--seed needs a number")?.clone()),
            other => bail!("unknown argument {other}"),
        }
    }
    let mut cmd = Command::new("cargo");
    cmd.args(["test", "--release", "-p", "custody-cli", "--test", "crash", "--", "--nocapture"])
        .env("CUSTODY_CRASH_CYCLES", &cycles)
        .env("CUSTODY_CRASH_PG_CYCLES", &pg)
        .current_dir(root());
    if let Some(s) = seed {
        cmd.env("CUSTODY_CRASH_SEED", s);
    }
    if !cmd.status()?.success() {
        bail!("the crash harness failed (its seed is printed above)");
    }
    Ok(())
}

/// `cargo xtask soak [--ops N] [--seed S]`: the model-based soak of the engine
/// (crates/custody-core/tests/it/soak.rs) in an optimised build; a failure prints its seed and the
/// shortest failing prefix.
fn soak(args: &[String]) -> anyhow::Result<()> {
    let (mut ops, mut seed) = ("1000000".to_string(), None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--ops" => ops = it.next().context("--ops needs a number")?.clone(),
            "--seed" => seed = Some(it.next().context("--seed needs a number")?.clone()),
            other => bail!("unknown argument {other}"),
        }
    }
    let mut cmd = Command::new("cargo");
    cmd.args(["test", "--release", "-p", "custody-core", "--test", "it", "soak", "--", "--nocapture"])
        .env("CUSTODY_SOAK_OPS", &ops)
        .current_dir(root());
    if let Some(s) = seed {
        cmd.env("CUSTODY_SOAK_SEED", s);
    }
    if !cmd.status()?.success() {
        bail!("the soak failed (seed and shortest failing prefix above)");
    }
    Ok(())
}

/// `cargo xtask gen --ops N -o FILE`: writes the benchmark mill's journal.
fn gen(args: &[String]) -> anyhow::Result<()> {
    let (mut ops, mut out) = (100_000u64, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--ops" => ops = it.next().context("--ops needs a number")?.parse()?,
            "-o" => out = Some(PathBuf::from(it.next().context("-o needs a file")?)),
            other => bail!("unknown option {other}"),
        }
    }
    let out = out.context("gen needs -o FILE")?;
    std::fs::write(&out, mill::mill_journal(ops))?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = root();
    match args.first().map(String::as_str) {
        Some("ci") => {
            run("cargo", &["fmt", "--all", "--", "--check"], &root)?;
            run("cargo", &["test", "--workspace", "--locked"], &root)
        }
        Some("bench") => bench(&args[1..]),
        Some("gen") => gen(&args[1..]),
        Some("fuzz") => fuzz(&args[1..]),
        Some("crash") => crash(&args[1..]),
        Some("soak") => soak(&args[1..]),
        _ => bail!(
            "usage: cargo xtask ci | cargo xtask bench [--sizes N,N] [--only check,import,verify,http] \
             [--concurrency 1,8,64] [--http-batches N] [--http-reads N] | \
             cargo xtask bench --baseline REV [--days N] [--runs N] | \
             cargo xtask fuzz [--secs N] [--target T] [--seed S] [--release] | \
             cargo xtask crash [--cycles N] [--pg-cycles N] [--seed S] | cargo xtask soak [--ops N] [--seed S]"
        ),
    }
}
