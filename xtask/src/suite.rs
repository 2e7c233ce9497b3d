//! `cargo xtask bench`: the benchmark suite of issue 12 item 4. Every ratio compares two figures
//! measured in the same run on the same machine; BENCHMARKS.md records a run.
//!
//! Sections (`--only check,import,verify,http`, default all):
//! - check: `custody check` and `custody report balances` on the mill journal of each size, against
//!   `ledger -f J bal`, `hledger -f J bal` and `bean-check` on journals with the same number of
//!   transactions and postings (mill.rs). Seconds, peak RSS, microseconds per transaction, speed
//!   relative to ledger-cli (ledger seconds / seconds: above 1 is faster) and growth between sizes.
//! - import: `custody import` into SQLite (and PostgreSQL when DATABASE_URL is set) against
//!   `custody-bench plain-insert` of the same rows in the same batches; rows/s and their ratio.
//! - verify: `custody verify` and `custody report balances` from the imported database (from the
//!   snapshot `import` ends with, then with it deleted: by replay), entries/s.
//! - http: `custody serve` against the bare axum server of `custody-bench http`: batched journal
//!   writes (one mill day, 104 entries, per request; see `same_day`) and statement reads at each concurrency;
//!   writes also against the ledger-shaped bare handler (`--rows-from`: the entry and posting rows
//!   custody wrote, as `plain-insert` writes them).

use crate::mill;
use crate::table::{check_counts, kv_num, ratio, same_day, thousands, with_database};
use anyhow::{bail, Context};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// One command's run: wall seconds, peak resident set (KiB, from `/usr/bin/time -f %M`) and stdout.
pub struct Run {
    pub secs: f64,
    pub rss_kib: Option<u64>,
    pub stdout: String,
}

/// Runs `cmd args` to its end, timed; a failure is an error naming the command and its stderr.
pub fn timed(cmd: &Path, args: &[&str]) -> anyhow::Result<Run> {
    let gnu_time = Path::new("/usr/bin/time");
    let mut c = if gnu_time.exists() {
        let mut c = Command::new(gnu_time);
        c.arg("-f").arg("xtask-rss=%M").arg(cmd);
        c
    } else {
        Command::new(cmd)
    };
    let start = Instant::now();
    let out = c.args(args).output().with_context(|| format!("cannot run {}", cmd.display()))?;
    let secs = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("`{} {}` failed: {}", cmd.display(), args.join(" "), stderr.chars().take(2000).collect::<String>());
    }
    let rss_kib = stderr.lines().rev().find_map(|l| l.strip_prefix("xtask-rss=")).and_then(|v| v.trim().parse().ok());
    Ok(Run { secs, rss_kib, stdout: String::from_utf8_lossy(&out.stdout).into_owned() })
}

/// The peers, each skipped with a message when it cannot be had cheaply.
struct Peers {
    ledger: Option<PathBuf>,
    hledger: Option<PathBuf>,
    bean_check: Option<PathBuf>,
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.is_file())
}

/// Whether this process runs as root (`id -u` is 0): apt-get needs it.
fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// Finds the peers; installs a missing one when that is cheap (Debian's `ledger`/`hledger` as root
/// with apt-get, beancount with pip), else says it is skipped.
fn peers() -> Peers {
    let mut missing_debian: Vec<&str> = ["ledger", "hledger"].into_iter().filter(|p| which(p).is_none()).collect();
    if !missing_debian.is_empty() && which("apt-get").is_some() && is_root() {
        println!("installing {} from Debian ...", missing_debian.join(", "));
        let ok = Command::new("apt-get")
            .args(["install", "-y", "-qq"])
            .args(&missing_debian)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            missing_debian.clear();
        }
    }
    if which("bean-check").is_none() {
        if let Some(pip) = which("pip3").or_else(|| which("pip")) {
            println!("installing beancount from PyPI ...");
            let _ = Command::new(pip).args(["install", "-q", "beancount"]).stdout(Stdio::null()).status();
        }
    }
    let found = |name: &str, label: &str| {
        let p = which(name);
        if p.is_none() {
            println!("SKIPPED {label}: `{name}` is not installed and could not be installed here");
        }
        p
    };
    Peers {
        ledger: found("ledger", "ledger-cli"),
        hledger: found("hledger", "hledger"),
        bean_check: found("bean-check", "beancount"),
    }
}

/// The suite's options.
pub struct Options {
    pub sizes: Vec<u64>,
    pub only: Vec<String>,
    pub http_batches: usize,
    pub http_reads: usize,
    pub concurrency: String,
    /// The peers run (`--peers ledger,hledger,beancount`; a 1M run leaves out the slow ones).
    pub peers: Vec<String>,
}

impl Options {
    pub fn parse(args: &[String]) -> anyhow::Result<Options> {
        let mut o = Options {
            sizes: vec![10_000, 100_000],
            only: ["check", "import", "verify", "http"].map(String::from).to_vec(),
            http_batches: 64,
            http_reads: 4000,
            concurrency: "1,8,64".to_string(),
            peers: ["ledger", "hledger", "beancount"].map(String::from).to_vec(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut val = || it.next().with_context(|| format!("{a} needs a value"));
            match a.as_str() {
                "--sizes" => {
                    o.sizes = val()?.split(',').map(|s| s.replace('_', "").parse()).collect::<Result<_, _>>()?
                }
                "--only" => o.only = val()?.split(',').map(String::from).collect(),
                "--http-batches" => o.http_batches = val()?.parse()?,
                "--http-reads" => o.http_reads = val()?.parse()?,
                "--concurrency" => o.concurrency = val()?.clone(),
                "--peers" => o.peers = val()?.split(',').map(String::from).collect(),
                other => bail!("unknown option {other}"),
            }
        }
        if o.sizes.is_empty() || o.sizes.contains(&0) {
            bail!("--sizes needs positive operation counts, e.g. 10000,100000");
        }
        Ok(o)
    }

    fn runs(&self, section: &str) -> bool {
        self.only.iter().any(|s| s == section)
    }
}

fn secs_s(r: &Option<Run>) -> String {
    r.as_ref().map_or("-".into(), |r| format!("{:.3}", r.secs))
}

fn rss_s(r: &Option<Run>) -> String {
    r.as_ref().map_or("-".into(), mb)
}

/// Peak memory of a run in MB, or `-` where `/usr/bin/time` is missing.
fn mb(r: &Run) -> String {
    r.rss_kib.map_or("-".into(), |k| format!("{:.0}", k as f64 / 1024.0))
}

/// Section 1: check and report against the peers. Answers the mill journals with their
/// transactions and postings.
fn check_section(o: &Options, custody: &Path, work: &Path) -> anyhow::Result<Vec<(u64, PathBuf, u64, u64)>> {
    let peers = if o.runs("check") {
        let mut p = peers();
        let chosen = |name: &str| o.peers.iter().any(|x| x == name);
        for (name, slot) in [("ledger", &mut p.ledger), ("hledger", &mut p.hledger), ("beancount", &mut p.bean_check)] {
            if !chosen(name) && slot.take().is_some() {
                println!("SKIPPED {name}: not in --peers");
            }
        }
        Some(p)
    } else {
        None
    };
    let mut journals = Vec::new();
    // Per tool: (size, seconds) for the growth lines.
    let mut growth: Vec<(String, Vec<(u64, f64)>)> = Vec::new();
    let mut table = String::from(
        "\n## check + report\n\n| ops | transactions | postings | tool | seconds | peak MB | us/transaction | speed vs ledger-cli |\n|---|---|---|---|---|---|---|---|\n",
    );
    for &size in &o.sizes {
        let j = work.join(format!("mill-{size}.journal"));
        std::fs::write(&j, mill::mill_journal(size))?;
        let js = j.to_str().context("path")?;
        let check = timed(custody, &["check", js])?;
        let (t, p) = check_counts(&check.stdout).with_context(|| format!("custody check said {:?}", check.stdout))?;
        journals.push((size, j.clone(), t, p));
        let Some(peers) = &peers else { continue };
        let report = timed(custody, &["report", "balances", js])?;
        let lj = work.join(format!("peer-{size}.ledger"));
        std::fs::write(&lj, mill::ledger_journal(t, p))?;
        let bj = work.join(format!("peer-{size}.beancount"));
        std::fs::write(&bj, mill::beancount_journal(t, p))?;
        let (ls, bs) = (lj.to_str().context("path")?, bj.to_str().context("path")?);
        let peer = |bin: &Option<PathBuf>, args: &[&str]| -> anyhow::Result<Option<Run>> {
            bin.as_ref().map(|b| timed(b, args)).transpose()
        };
        let rows = [
            ("custody check".to_string(), Some(check)),
            ("custody report balances".to_string(), Some(report)),
            ("ledger -f J bal".to_string(), peer(&peers.ledger, &["-f", ls, "bal"])?),
            ("hledger -f J bal".to_string(), peer(&peers.hledger, &["-f", ls, "bal"])?),
            ("bean-check".to_string(), peer(&peers.bean_check, &[bs])?),
        ];
        let ledger_secs = rows[2].1.as_ref().map(|r| r.secs);
        for (tool, run) in &rows {
            let per = run.as_ref().map_or("-".into(), |r| format!("{:.1}", r.secs * 1e6 / t as f64));
            let _ = writeln!(
                table,
                "| {} | {} | {} | {tool} | {} | {} | {per} | {} |",
                thousands(size as f64),
                thousands(t as f64),
                thousands(p as f64),
                secs_s(run),
                rss_s(run),
                ratio(ledger_secs, run.as_ref().map(|r| r.secs)),
            );
            if let Some(r) = run {
                match growth.iter_mut().find(|(n, _)| n == tool) {
                    Some((_, v)) => v.push((t, r.secs)),
                    None => growth.push((tool.clone(), vec![(t, r.secs)])),
                }
            }
        }
        println!("measured check + report at {size} operations");
    }
    if peers.is_some() && o.sizes.len() > 1 {
        table.push_str("\nGrowth (seconds ratio between consecutive sizes; per transaction 1.00 is linear):\n\n");
        for (tool, v) in &growth {
            for w in v.windows(2) {
                let ((t1, s1), (t2, s2)) = (w[0], w[1]);
                let _ = writeln!(
                    table,
                    "- {tool}: {} -> {} transactions: {} time, {} per transaction",
                    thousands(t1 as f64),
                    thousands(t2 as f64),
                    ratio(Some(s2), Some(s1)),
                    ratio(Some(s2 / t2 as f64), Some(s1 / t1 as f64)),
                );
            }
        }
    }
    if peers.is_some() {
        println!("{table}");
    }
    Ok(journals)
}

/// A database for one measurement: a fresh SQLite file, or a fresh PostgreSQL database.
fn fresh_db(bench: &Path, work: &Path, backend: &str, name: &str) -> anyhow::Result<String> {
    if backend == "sqlite" {
        let f = work.join(format!("{name}.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
        }
        return Ok(format!("sqlite://{}", f.display()));
    }
    let admin = std::env::var("DATABASE_URL").context("DATABASE_URL")?;
    timed(bench, &["createdb", "--url", &admin, "--name", name])?;
    Ok(with_database(&admin, name))
}

/// Sections 2 and 3: import against the plain insert, then verify and load.
fn import_section(
    o: &Options,
    custody: &Path,
    bench: &Path,
    work: &Path,
    journals: &[(u64, PathBuf, u64, u64)],
) -> anyhow::Result<()> {
    let mut backends = vec!["sqlite"];
    if std::env::var("DATABASE_URL").is_ok() {
        backends.push("postgres");
    } else {
        println!("SKIPPED import/verify on PostgreSQL: DATABASE_URL is not set");
    }
    let mut imp = String::from(
        "\n## import\n\n| ops | backend | entries | postings | custody import s | rows/s | plain insert s | rows/s | ratio |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut ver = String::from(
        "\n## verify and load\n\n| ops | backend | entries | custody verify s | entries/s | load from snapshot s | entries/s | load by replay s | entries/s | snapshot vs replay | peak MB (snapshot load) | stream s | peak MB (stream) |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for (size, j, _, _) in journals {
        for backend in &backends {
            let url = fresh_db(bench, work, backend, &format!("bench_import_{size}"))?;
            let js = j.to_str().context("path")?;
            let import = timed(custody, &["import", js, "--database-url", &url])?;
            let plain_url = fresh_db(bench, work, backend, &format!("bench_plain_{size}"))?;
            let plain = timed(bench, &["plain-insert", "--from", &url, "--to", &plain_url, "--batch", "500"])?;
            let entries = kv_num(&plain.stdout, "plain-insert", "entries")?;
            let rows = entries + kv_num(&plain.stdout, "plain-insert", "postings")?;
            let plain_secs = kv_num(&plain.stdout, "plain-insert", "seconds")?;
            if o.runs("import") {
                let _ = writeln!(
                    imp,
                    "| {} | {backend} | {} | {} | {:.2} | {} | {:.2} | {} | {} |",
                    thousands(*size as f64),
                    thousands(entries),
                    thousands(rows - entries),
                    import.secs,
                    thousands(rows / import.secs),
                    plain_secs,
                    thousands(rows / plain_secs),
                    ratio(Some(plain_secs), Some(import.secs)),
                );
            }
            if o.runs("verify") {
                let verify = timed(custody, &["verify", "--database-url", &url])?;
                // `import` ends with a snapshot at the head: the load starts from it. Then the
                // same load with the snapshot deleted replays every entry.
                let balances = ["report", "balances", "--database-url", &url, "--entity", "mill"];
                let load = timed(custody, &balances)?;
                // The streaming path (`--stream`): the same statement, the stored transactions
                // read page by page; held memory does not grow with the journal.
                let stream = timed(custody, &[&balances[..], &["--stream"]].concat())?;
                if stream.stdout != load.stdout {
                    bail!("report balances --stream differs from the loaded ledger's statement");
                }
                timed(bench, &["drop-snapshots", "--url", &url])?;
                let replay = timed(custody, &balances)?;
                let _ = writeln!(
                    ver,
                    "| {} | {backend} | {} | {:.2} | {} | {:.2} | {} | {:.2} | {} | {} | {} | {:.2} | {} |",
                    thousands(*size as f64),
                    thousands(entries),
                    verify.secs,
                    thousands(entries / verify.secs),
                    load.secs,
                    thousands(entries / load.secs),
                    replay.secs,
                    thousands(entries / replay.secs),
                    ratio(Some(replay.secs), Some(load.secs)),
                    mb(&load),
                    stream.secs,
                    mb(&stream),
                );
            }
            println!("measured import/verify at {size} operations on {backend}");
        }
    }
    if o.runs("import") {
        println!("{imp}");
    }
    if o.runs("verify") {
        println!("{ver}");
    }
    Ok(())
}

/// Kills the server this suite started when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free TCP port on 127.0.0.1.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Section 4: `custody serve` against the bare axum handler.
fn http_section(o: &Options, custody: &Path, bench: &Path, work: &Path) -> anyhow::Result<()> {
    let levels = o.concurrency.split(',').count();
    // Enough mill days for every level's batches (104-105 entries a day).
    let days = (o.http_batches * levels + 1) as u64;
    let text = mill::mill_journal(days * u64::from(mill::OPS_PER_DAY));
    let cut = text.find("2025-01-01 purchase").context("the mill's first purchase")?;
    let (header, ops) = (work.join("http-header.journal"), work.join("http-ops.journal"));
    std::fs::write(&header, &text[..cut])?;
    std::fs::write(&ops, same_day(&text[cut..], "2025-01-01"))?;
    let body = work.join("http-report.json");
    let (batches, reads) = (o.http_batches.to_string(), o.http_reads.to_string());
    let per_day = mill::OPS_PER_DAY.to_string();
    let common = |target: &str, key: &str, reads: &str| -> Vec<String> {
        [
            "http",
            "--url",
            target,
            "--key",
            key,
            "--entity",
            "mill",
            "--journal",
            ops.to_str().unwrap_or(""),
            "--batch",
            &per_day,
            "--concurrency",
            &o.concurrency,
            "--write-batches",
            &batches,
            "--reads",
            reads,
            "--read-path",
            "/entities/mill/reports/balances?format=json",
        ]
        .map(String::from)
        .to_vec()
    };
    // custody serve on a fresh database holding the mill's definitions, loaded by the client.
    let serve_and_load = |name: &str, extra: &[&str], reads: &str| -> anyhow::Result<(String, String)> {
        let url = fresh_db(bench, work, "sqlite", name)?;
        timed(custody, &["import", header.to_str().context("path")?, "--database-url", &url])?;
        let key = timed(custody, &["key", "create", "--role", "member", "--entity", "mill", "--database-url", &url])?;
        let key = key.stdout.split_whitespace().nth(1).context("the key's secret")?.to_string();
        let port = free_port()?;
        let listen = format!("127.0.0.1:{port}");
        let child = Command::new(custody)
            .args(["serve", "--listen", &listen, "--database-url", &url])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let _server = Server(child);
        let deadline = Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(&listen).is_err() {
            if Instant::now() > deadline {
                bail!("custody serve did not listen on {listen}");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let mut args = common(&format!("http://{listen}"), &key, reads);
        args.extend(extra.iter().map(|a| a.to_string()));
        Ok((timed(bench, &args.iter().map(String::as_str).collect::<Vec<_>>())?.stdout, url))
    };
    let (ours, url) = serve_and_load("bench_http", &["--save-read", &body.display().to_string()], &reads)?;
    // The same writes answered with `Prefer: return=minimal` (outcomes without the transactions).
    let (minimal, _) = serve_and_load("bench_http_minimal", &["--prefer", "return=minimal"], "1")?;
    let key = "-";
    let bare_db = fresh_db(bench, work, "sqlite", "bench_bare")?;
    let mut bare = common("bare", key, &reads);
    bare.extend(["--read-body", &body.display().to_string(), "--bare-db", &bare_db].map(String::from));
    let bare = timed(bench, &bare.iter().map(String::as_str).collect::<Vec<_>>())?.stdout;
    // The ledger-shaped bare handler writes the rows custody wrote (read back from its database),
    // as `plain-insert` does for the import section.
    let shaped_db = fresh_db(bench, work, "sqlite", "bench_bare_rows")?;
    // Its reads are the text handler's (the same bytes): one is enough.
    let mut shaped = common("bare", key, "1");
    shaped.extend(
        ["--read-body", &body.display().to_string(), "--bare-db", &shaped_db, "--rows-from", &url].map(String::from),
    );
    let shaped = timed(bench, &shaped.iter().map(String::as_str).collect::<Vec<_>>())?.stdout;
    let mut table = String::from(
        "\n## HTTP (custody serve on SQLite vs a bare axum handler)\n\n| work | concurrency | custody req/s | entries/s \
         | bare req/s | entries/s | ratio | ledger-shaped bare req/s | ratio |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for (label, kind) in [("write", "write"), ("write, return=minimal", "write"), ("read", "read")] {
        let ours = if label == "write, return=minimal" { &minimal } else { &ours };
        for c in o.concurrency.split(',') {
            let prefix = format!("{kind} concurrency={c} ");
            let rate = |out: &str, key: &str| -> anyhow::Result<f64> {
                Ok(kv_num(out, &prefix, key)? / kv_num(out, &prefix, "seconds")?)
            };
            let (ours_r, bare_r) = (rate(ours, "requests")?, rate(&bare, "requests")?);
            let entries = |out: &str| rate(out, "entries").map_or("-".into(), thousands);
            let (shaped_r, shaped_ratio) = if kind == "write" {
                let r = rate(&shaped, "requests")?;
                (thousands(r), ratio(Some(ours_r), Some(r)))
            } else {
                ("-".into(), "-".into())
            };
            let _ = writeln!(
                table,
                "| {label} | {c} | {} | {} | {} | {} | {} | {shaped_r} | {shaped_ratio} |",
                thousands(ours_r),
                entries(ours),
                thousands(bare_r),
                entries(&bare),
                ratio(Some(ours_r), Some(bare_r)),
            );
        }
    }
    let bytes = kv_num(&ours, "read bytes", "bytes").unwrap_or(0.0);
    let _ = writeln!(
        table,
        "\nA read answers the balances statement as JSON ({} bytes); a write posts one mill day ({} entries). \
         The bare handler writes each entry's text as one row; the ledger-shaped one writes the entry and \
         posting rows custody wrote for it.",
        thousands(bytes),
        mill::OPS_PER_DAY
    );
    println!("{table}");
    Ok(())
}

/// Runs the suite (see the module docs).
pub fn run(args: &[String], root: &Path, target: &Path) -> anyhow::Result<()> {
    let o = Options::parse(args)?;
    let built = Command::new("cargo")
        .args(["build", "--release", "-p", "custody-cli", "-p", "custody-bench"])
        .current_dir(root)
        .status()
        .context("cannot run cargo")?;
    if !built.success() {
        bail!("the release build failed");
    }
    let custody = target.join("release/custody");
    let bench = target.join("release/custody-bench");
    let work = target.join("bench-suite");
    std::fs::create_dir_all(&work)?;
    let describe = |cmd: &str, args: &[&str]| {
        Command::new(cmd)
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    let model =
        describe("lscpu", &[]).lines().find_map(|l| l.strip_prefix("Model name:").map(|m| m.trim().to_string()));
    let mem = describe("free", &["-g"]).lines().nth(1).and_then(|l| l.split_whitespace().nth(1).map(String::from));
    println!(
        "machine: {} cores ({}), {} GB RAM; {}; load: {}",
        describe("nproc", &[]),
        model.unwrap_or_default(),
        mem.unwrap_or_default(),
        describe("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        describe("uptime", &[]),
    );
    let journals = check_section(&o, &custody, &work)?;
    if o.runs("import") || o.runs("verify") {
        import_section(&o, &custody, &bench, &work, &journals)?;
    }
    if o.runs("http") {
        http_section(&o, &custody, &bench, &work)?;
    }
    println!("load after: {}", describe("uptime", &[]));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_default_and_parse() {
        let o = Options::parse(&[]).unwrap();
        assert_eq!(o.sizes, vec![10_000, 100_000]);
        assert!(o.runs("http") && o.runs("check"));
        let args: Vec<String> = ["--sizes", "1_000,20000", "--only", "check"].map(String::from).to_vec();
        let o = Options::parse(&args).unwrap();
        assert_eq!(o.sizes, vec![1000, 20000]);
        assert!(!o.runs("http"));
        assert!(Options::parse(&["--sizes".to_string(), "0".to_string()]).is_err());
        assert!(Options::parse(&["--fast".to_string()]).is_err());
    }
}
