//! `custody-bench`: the baselines `cargo xtask bench` measures custody against (issue 12 item 4).
//! Not a user tool; xtask builds it in release and parses its `key=value` lines.
//!
//! - `custody-bench plain-insert --from URL --to URL [--batch 500]`: reads every entry and posting
//!   row `custody import` wrote at `--from`, then times inserting the same rows, with the same
//!   columns, keys and unique index, into fresh tables at `--to`: one transaction per `--batch`
//!   entries (as `custody import` submits), multi-row INSERTs of at most 32,000 bound parameters on
//!   SQLite and 8,192 on PostgreSQL (crates/custody-store/src/sql_write.rs). Prints
//!   `plain-insert entries=E postings=P seconds=S`.
//! - `custody-bench http --url URL|bare --key KEY --entity E --journal FILE --batch N|day
//!   --concurrency 1,8,64 --write-batches N --reads N --read-path PATH [--read-body FILE]
//!   [--bare-db URL] [--rows-from URL] [--prefer VALUE] [--save-read FILE]`: at each concurrency, posts `--write-batches` batches of
//!   `--batch` entries of FILE (`day`: one date's entries per batch) as text/plain to
//!   `POST /entities/E/journal`; then, at each concurrency, `--reads` GETs of PATH. Prints
//!   `write concurrency=C requests=R entries=N seconds=S` and `read concurrency=C requests=R
//!   seconds=S`; `--save-read` writes PATH's answer to FILE afterwards. With `--url bare` the client runs against a bare axum server in this process:
//!   its journal route splits the body into entries and inserts them into one SQLite table in one
//!   transaction; its report route answers the bytes of `--read-body` (a statement fetched once
//!   from `custody serve`). With `--rows-from URL` (custody's database after its own run) the
//!   bare journal route is ledger-shaped: it writes, for each posted entry, the entry and posting
//!   rows custody wrote for that operation id (the columns, keys and multi-row statements of
//!   `plain-insert`), at the next seqs, in one transaction; no parsing, rules or hashing.
//!   `--prefer VALUE` sends `Prefer: VALUE` with every write (`return=minimal`: custody answers
//!   without the transactions posted, docs/api.md).
//! - `custody-bench createdb --url POSTGRES_URL --name NAME`: drops and creates database NAME.
//! - `custody-bench drop-snapshots --url URL`: deletes the stored snapshots, so that the next load
//!   replays the whole journal (the suite's "load by replay" column).

mod args;
mod http;
mod insert;

use anyhow::{bail, Context};
use args::flags;

/// Drops and creates a PostgreSQL database (names are the suite's own: `bench_...`).
async fn createdb(args: &[String]) -> anyhow::Result<()> {
    use sqlx::Connection;
    let f = flags(args, &["url", "name"])?;
    let name = f.get("name").context("--name NAME")?;
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        bail!("database name {name:?}: lowercase letters, digits and _ only");
    }
    let mut conn = sqlx::PgConnection::connect(f.get("url").context("--url URL")?).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut conn).await?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

/// Deletes every stored snapshot (`snapshots` table; docs/import.md "Snapshots").
async fn drop_snapshots(args: &[String]) -> anyhow::Result<()> {
    let f = flags(args, &["url"])?;
    sqlx::any::install_default_drivers();
    let db = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(f.get("url").context("--url URL")?).await?;
    let n = sqlx::query("DELETE FROM snapshots").execute(&db).await?.rows_affected();
    db.close().await;
    println!("drop-snapshots deleted={n}");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match args.first().map(String::as_str) {
        Some("plain-insert") => rt.block_on(insert::run(&args[1..])),
        Some("http") => rt.block_on(http::run(&args[1..])),
        Some("createdb") => rt.block_on(createdb(&args[1..])),
        Some("drop-snapshots") => rt.block_on(drop_snapshots(&args[1..])),
        _ => bail!("usage: custody-bench plain-insert ... | custody-bench http ... (see the module docs)"),
    }
}
