//! The HTTP load client, and the bare axum server it is compared against.

use crate::args::flags;
use anyhow::{bail, Context};
use axum::extract::State;
use axum::routing::{get, post};
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The entries of a journal text: each starts at a non-blank line that is not indented and runs
/// to the next such line (docs/journal.md). Blank lines and `#` comments between entries are
/// dropped.
pub fn split_entries(text: &str) -> Vec<&str> {
    let mut starts: Vec<usize> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if !line.trim().is_empty() && !line.starts_with([' ', '\t', '#']) {
            starts.push(offset);
        }
        offset += line.len();
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, &s) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let kept = text[s..end].lines().take_while(|l| !l.trim().is_empty() && !l.starts_with('#')).count();
        let len: usize = text[s..end].split_inclusive('\n').take(kept).map(str::len).sum();
        out.push(&text[s..s + len]);
    }
    out
}

/// Request bodies of `batch` entries each (the last one may be shorter), or with `batch` 0 one
/// body per date (consecutive entries whose first 10 characters agree: a day of the mill, which
/// buys what it uses that day, so days may be written in any order).
pub fn batches(entries: &[&str], batch: usize) -> Vec<String> {
    if batch > 0 {
        return entries.chunks(batch).map(|c| c.concat()).collect();
    }
    let mut out: Vec<String> = Vec::new();
    let mut last = "";
    for e in entries {
        let date = e.get(..10).unwrap_or(e);
        if out.is_empty() || date != last {
            out.push(String::new());
        }
        out.last_mut().expect("pushed").push_str(e);
        last = date;
    }
    out
}

struct Bare {
    db: AnyPool,
    report: Vec<u8>,
    seq: tokio::sync::Mutex<i64>,
    /// With `--rows-from`: custody's rows for each operation id, written instead of the text.
    rows: Option<LedgerRows>,
}

/// The entry and posting rows custody wrote for each operation id (`--rows-from`).
struct LedgerRows {
    entries: Vec<crate::insert::Entry>,
    postings: Vec<crate::insert::Posting>,
    /// (entity, operation id) -> (index in `entries`, range in `postings`).
    by_op: std::collections::HashMap<(String, String), (usize, std::ops::Range<usize>)>,
}

impl LedgerRows {
    async fn read(url: &str) -> anyhow::Result<Self> {
        let (entries, postings) = crate::insert::read_rows(url).await?;
        let mut by_op = std::collections::HashMap::new();
        // Each entry's postings, by (entity, seq): not by the database's text order of entities.
        let mut at: std::collections::HashMap<(&str, i64), std::ops::Range<usize>> = std::collections::HashMap::new();
        for (i, p) in postings.iter().enumerate() {
            at.entry((p.entity.as_str(), p.seq)).and_modify(|r| r.end = i + 1).or_insert(i..i + 1);
        }
        for (i, e) in entries.iter().enumerate() {
            let range = at.get(&(e.entity.as_str(), e.seq)).cloned().unwrap_or(0..0);
            if let Some(op) = &e.op_id {
                by_op.insert((e.entity.clone(), op.clone()), (i, range));
            }
        }
        Ok(LedgerRows { entries, postings, by_op })
    }
}

/// An entry's operation id: the third word of its first line (`DATE KIND ID`).
fn op_id(entry: &str) -> Option<&str> {
    entry.lines().next()?.split_whitespace().nth(2)
}

/// The ledger-shaped bare write: each posted entry's rows as custody wrote them (entry and
/// postings, found by operation id), inserted at the next seqs in one transaction.
async fn bare_ledger_rows(s: &Bare, rows: &LedgerRows, entity: &str, entries: &[&str]) -> anyhow::Result<String> {
    let mut seq = s.seq.lock().await;
    let (mut es, mut ps) = (Vec::with_capacity(entries.len()), Vec::new());
    for e in entries {
        let id = op_id(e).context("an entry without an operation id")?;
        let key = (entity.to_string(), id.to_string());
        let (i, range) = rows.by_op.get(&key).with_context(|| format!("no rows for operation {id} of {entity}"))?;
        *seq += 1;
        es.push((*seq, &rows.entries[*i]));
        ps.extend(rows.postings[range.clone()].iter().map(|p| (*seq, p)));
    }
    let mut conn = s.db.acquire().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    crate::insert::insert_entries(&mut tx, &es, true).await?;
    crate::insert::insert_postings(&mut tx, &ps, true).await?;
    tx.commit().await?;
    let outcomes: Vec<String> = es.iter().map(|(n, _)| format!("{{\"outcome\":\"written\",\"seq\":{n}}}")).collect();
    Ok(format!("{{\"outcomes\":[{}]}}", outcomes.join(",")))
}

async fn bare_journal(
    State(s): State<Arc<Bare>>,
    axum::extract::Path(entity): axum::extract::Path<String>,
    body: String,
) -> Result<String, (axum::http::StatusCode, String)> {
    let err = |e: sqlx::Error| (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    let entries = split_entries(&body);
    if let Some(rows) = &s.rows {
        let fail = |e: anyhow::Error| (axum::http::StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"));
        return bare_ledger_rows(&s, rows, &entity, &entries).await.map_err(fail);
    }
    let mut seq = s.seq.lock().await;
    let mut tx = s.db.begin().await.map_err(err)?;
    let mut out = String::from("{\"outcomes\":[");
    for rows in entries.chunks(crate::insert::params_per_statement(true) / 2) {
        let text = crate::insert::multi_row("INSERT INTO bare_entries (seq, body) VALUES ", 2, rows.len(), true);
        let mut q = sqlx::query(&text);
        for (i, e) in rows.iter().enumerate() {
            q = q.bind(*seq + 1 + i as i64).bind(*e);
        }
        q.execute(&mut *tx).await.map_err(err)?;
        for _ in rows {
            *seq += 1;
            out.push_str(&format!(
                "{}{{\"outcome\":\"written\",\"seq\":{}}}",
                if out.ends_with('[') { "" } else { "," },
                *seq
            ));
        }
    }
    tx.commit().await.map_err(err)?;
    out.push_str("]}");
    Ok(out)
}

async fn bare_report(State(s): State<Arc<Bare>>) -> ([(&'static str, &'static str); 1], Vec<u8>) {
    ([("content-type", "application/json")], s.report.clone())
}

/// Starts the bare server on a free port of 127.0.0.1; answers its base URL.
async fn bare_server(db_url: &str, report: Vec<u8>, rows_from: Option<&String>) -> anyhow::Result<String> {
    sqlx::any::install_default_drivers();
    let rows = match rows_from {
        Some(url) => Some(LedgerRows::read(url).await?),
        None => None,
    };
    let db = AnyPoolOptions::new().max_connections(1).connect(&format!("{db_url}?mode=rwc")).await?;
    sqlx::query("PRAGMA journal_mode = WAL").execute(&db).await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS bare_entries (seq BIGINT PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&db)
        .await?;
    crate::insert::create_plain_tables(&mut *db.acquire().await?).await?;
    let state = Arc::new(Bare { db, report, seq: tokio::sync::Mutex::new(0), rows });
    let app = axum::Router::new()
        .route("/entities/{id}/journal", post(bare_journal))
        .route("/entities/{id}/reports/{kind}", get(bare_report))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{addr}"))
}

/// Sends `requests` requests from `concurrency` tasks; `make(i)` builds request `i`. Answers the
/// seconds taken; any answer that is not 2xx fails the run.
async fn load(
    concurrency: usize,
    requests: usize,
    make: Arc<dyn Fn(usize) -> reqwest::RequestBuilder + Send + Sync>,
) -> anyhow::Result<f64> {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (next, make) = (next.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests {
                    return Ok::<_, anyhow::Error>(());
                }
                let res = make(i).send().await?;
                let status = res.status();
                let body = res.bytes().await?;
                if !status.is_success() {
                    bail!("request {i}: {status}: {}", String::from_utf8_lossy(&body));
                }
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(start.elapsed().as_secs_f64())
}

pub async fn run(args: &[String]) -> anyhow::Result<()> {
    let known = [
        "url",
        "key",
        "entity",
        "journal",
        "batch",
        "concurrency",
        "write-batches",
        "reads",
        "read-path",
        "read-body",
        "bare-db",
        "save-read",
        "rows-from",
        "prefer",
    ];
    let f = flags(args, &known)?;
    let get_n = |k: &str| -> anyhow::Result<usize> { Ok(f.get(k).with_context(|| format!("--{k} N"))?.parse()?) };
    let mut url = f.get("url").context("--url URL|bare")?.clone();
    if url == "bare" {
        let report = std::fs::read(f.get("read-body").context("--read-body FILE")?)?;
        url = bare_server(f.get("bare-db").context("--bare-db URL")?, report, f.get("rows-from")).await?;
    }
    let key = f.get("key").cloned().unwrap_or_default();
    let entity = f.get("entity").context("--entity E")?;
    let text = std::fs::read_to_string(f.get("journal").context("--journal FILE")?)?;
    let entries = split_entries(&text);
    let batch = match f.get("batch").map(String::as_str) {
        Some("day") => 0,
        _ => get_n("batch")?,
    };
    let bodies = Arc::new(batches(&entries, batch));
    let (per_level, reads) = (get_n("write-batches")?, get_n("reads")?);
    let read_url = format!("{url}{}", f.get("read-path").context("--read-path PATH")?);
    let journal_url = format!("{url}/entities/{entity}/journal");
    let client = reqwest::Client::builder().pool_max_idle_per_host(128).build()?;
    let levels: Vec<usize> =
        f.get("concurrency").context("--concurrency 1,8,64")?.split(',').map(str::parse).collect::<Result<_, _>>()?;
    // Every level writes first, on a ledger that grows; then every level reads the same ledger.
    let mut used = 0;
    for &c in &levels {
        let n = per_level.min(bodies.len().saturating_sub(used));
        if n == 0 {
            bail!("the journal holds too few entries for {per_level} batches at every concurrency");
        }
        let (first, client2, bodies2, key2, journal_url2) =
            (used, client.clone(), bodies.clone(), key.clone(), journal_url.clone());
        let prefer = f.get("prefer").cloned();
        let make = Arc::new(move |i: usize| {
            let req = client2
                .post(&journal_url2)
                .bearer_auth(&key2)
                .header("content-type", "text/plain")
                .body(bodies2[first + i].clone());
            match &prefer {
                Some(p) => req.header("prefer", p.as_str()),
                None => req,
            }
        });
        let secs = load(c, n, make).await?;
        let written: usize = bodies[first..first + n].iter().map(|b| split_entries(b).len()).sum();
        used += n;
        println!("write concurrency={c} requests={n} entries={written} seconds={secs:.4}");
    }
    for &c in &levels {
        let (client3, key3, read_url3) = (client.clone(), key.clone(), read_url.clone());
        let make = Arc::new(move |_: usize| client3.get(&read_url3).bearer_auth(&key3));
        let secs = load(c, reads, make).await?;
        println!("read concurrency={c} requests={reads} seconds={secs:.4}");
    }
    if let Some(path) = f.get("save-read") {
        let body = client.get(&read_url).bearer_auth(&key).send().await?.error_for_status()?.bytes().await?;
        std::fs::write(path, &body)?;
        println!("read bytes={}", body.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_split_at_unindented_lines() {
        let text = "2025-01-01 emit a\n  emission 1 tCO2\n\n# note\n2025-01-02 emit b\n  emission 2 tCO2\n";
        assert_eq!(
            split_entries(text),
            vec!["2025-01-01 emit a\n  emission 1 tCO2\n", "2025-01-02 emit b\n  emission 2 tCO2\n"]
        );
        assert_eq!(split_entries(""), Vec::<&str>::new());
    }

    #[test]
    fn batches_keep_every_entry_once_in_order() {
        let entries = ["a\n", "b\n", "c\n", "d\n", "e\n"];
        assert_eq!(batches(&entries, 2), vec!["a\nb\n", "c\nd\n", "e\n"]);
        assert_eq!(batches(&entries, 9), vec!["a\nb\nc\nd\ne\n"]);
        let days = ["2025-01-01 a\n", "2025-01-01 b\n", "2025-01-02 c\n", "2025-01-01 d\n"];
        assert_eq!(batches(&days, 0), vec!["2025-01-01 a\n2025-01-01 b\n", "2025-01-02 c\n", "2025-01-01 d\n"]);
    }
}
