//! The plain ledger-shaped insert: the rows `custody import` wrote, inserted again without the
//! ledger (no parsing, hashing, balance upserts or validation).

use crate::args::flags;
use anyhow::Context;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, Connection, Row};
use std::time::Instant;

/// Parameters per multi-row statement, as crates/custody-store/src/sql_write.rs binds them.
pub fn params_per_statement(sqlite: bool) -> usize {
    if sqlite {
        32_000
    } else {
        8192
    }
}

/// `head` followed by `rows` tuples of `columns` placeholders, as the store writes them: numbered
/// `($1, $2), ($3, $4)` on PostgreSQL, anonymous `(?, ?), (?, ?)` on SQLite (linear binding).
pub fn multi_row(head: &str, columns: usize, rows: usize, sqlite: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::from(head);
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            let sep = if c == 0 { "" } else { ", " };
            if sqlite {
                let _ = write!(out, "{sep}?");
            } else {
                let _ = write!(out, "{sep}${}", r * columns + c + 1);
            }
        }
        out.push(')');
    }
    out
}

/// One `entries` row as custody wrote it.
pub struct Entry {
    pub entity: String,
    pub seq: i64,
    pub op_id: Option<String>,
    pub body: String,
    pub tx_body: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// One `postings` row as custody wrote it: account and species, then item, lot, site, origin
/// and counterparty.
pub struct Posting {
    pub entity: String,
    pub seq: i64,
    pub idx: i64,
    pub text: [String; 2],
    pub amount: i64,
    pub dims: [Option<String>; 5],
}

const SCHEMA: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS plain_entries (entity TEXT NOT NULL, seq BIGINT NOT NULL, op_id TEXT, \
     body TEXT NOT NULL, tx_body TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (entity, seq))",
    "CREATE UNIQUE INDEX IF NOT EXISTS plain_entries_op_id ON plain_entries (entity, op_id)",
    "CREATE TABLE IF NOT EXISTS plain_postings (entity TEXT NOT NULL, seq BIGINT NOT NULL, idx BIGINT NOT NULL, \
     account TEXT NOT NULL, species TEXT NOT NULL, amount BIGINT NOT NULL, item TEXT, lot TEXT, site TEXT, \
     origin TEXT, counterparty TEXT, PRIMARY KEY (entity, seq, idx))",
];

/// Every entry and posting row of custody's database at `url`, in (entity, seq, idx) order.
pub async fn read_rows(url: &str) -> anyhow::Result<(Vec<Entry>, Vec<Posting>)> {
    sqlx::any::install_default_drivers();
    let from = AnyPoolOptions::new().max_connections(1).connect(url).await?;
    let entries: Vec<Entry> =
        sqlx::query("SELECT entity, seq, op_id, body, tx_body, prev_hash, hash FROM entries ORDER BY entity, seq")
            .fetch_all(&from)
            .await?
            .iter()
            .map(|r| {
                Ok(Entry {
                    entity: r.try_get(0)?,
                    seq: r.try_get(1)?,
                    op_id: r.try_get(2)?,
                    body: r.try_get(3)?,
                    tx_body: r.try_get(4)?,
                    prev_hash: r.try_get(5)?,
                    hash: r.try_get(6)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
    let postings: Vec<Posting> = sqlx::query(
        "SELECT entity, seq, idx, account, species, amount, item, lot, site, origin, counterparty FROM postings \
         ORDER BY entity, seq, idx",
    )
    .fetch_all(&from)
    .await?
    .iter()
    .map(|r| {
        Ok(Posting {
            entity: r.try_get(0)?,
            seq: r.try_get(1)?,
            idx: r.try_get(2)?,
            text: [r.try_get(3)?, r.try_get(4)?],
            amount: r.try_get(5)?,
            dims: [r.try_get(6)?, r.try_get(7)?, r.try_get(8)?, r.try_get(9)?, r.try_get(10)?],
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    from.close().await;
    Ok((entries, postings))
}

/// Creates the plain tables (entries and postings with custody's columns, keys and unique
/// index) if missing.
pub async fn create_plain_tables(conn: &mut AnyConnection) -> anyhow::Result<()> {
    for s in SCHEMA {
        sqlx::query(s).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts `entries` (each written at the seq beside it) in multi-row statements, as
/// crates/custody-store/src/sql_write.rs does.
pub async fn insert_entries(conn: &mut AnyConnection, entries: &[(i64, &Entry)], sqlite: bool) -> anyhow::Result<()> {
    for rows in entries.chunks(params_per_statement(sqlite) / 7) {
        let text = multi_row(
            "INSERT INTO plain_entries (entity, seq, op_id, body, tx_body, prev_hash, hash) VALUES ",
            7,
            rows.len(),
            sqlite,
        );
        let mut q = sqlx::query(&text);
        for (seq, e) in rows {
            q = q.bind(&e.entity).bind(*seq).bind(&e.op_id).bind(&e.body).bind(&e.tx_body);
            q = q.bind(&e.prev_hash).bind(&e.hash);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts `postings` (each under the entry seq beside it) in multi-row statements.
pub async fn insert_postings(
    conn: &mut AnyConnection,
    postings: &[(i64, &Posting)],
    sqlite: bool,
) -> anyhow::Result<()> {
    for rows in postings.chunks(params_per_statement(sqlite) / 11) {
        let text = multi_row(
            "INSERT INTO plain_postings (entity, seq, idx, account, species, amount, item, lot, site, origin, \
             counterparty) VALUES ",
            11,
            rows.len(),
            sqlite,
        );
        let mut q = sqlx::query(&text);
        for (seq, r) in rows {
            q = q.bind(&r.entity).bind(*seq).bind(r.idx).bind(&r.text[0]).bind(&r.text[1]).bind(r.amount);
            for d in &r.dims {
                q = q.bind(d);
            }
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn run(args: &[String]) -> anyhow::Result<()> {
    let f = flags(args, &["from", "to", "batch"])?;
    let batch: usize = f.get("batch").map_or(Ok(500), |b| b.parse())?;
    let (entries, postings) = read_rows(f.get("from").context("--from URL")?).await?;
    let to = f.get("to").context("--to URL")?;
    let sqlite = to.starts_with("sqlite:");
    let url = if sqlite && !to.contains('?') { format!("{to}?mode=rwc") } else { to.clone() };
    let mut conn = AnyConnection::connect(&url).await?;
    if sqlite {
        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut conn).await?;
    }
    create_plain_tables(&mut conn).await?;
    let start = Instant::now();
    let mut p = 0;
    for chunk in entries.chunks(batch) {
        let mut tx = conn.begin().await?;
        let rows: Vec<(i64, &Entry)> = chunk.iter().map(|e| (e.seq, e)).collect();
        insert_entries(&mut tx, &rows, sqlite).await?;
        let last = chunk.last().map(|e| (e.entity.as_str(), e.seq));
        let first = p;
        while p < postings.len() && last.is_some_and(|l| (postings[p].entity.as_str(), postings[p].seq) <= l) {
            p += 1;
        }
        let rows: Vec<(i64, &Posting)> = postings[first..p].iter().map(|r| (r.seq, r)).collect();
        insert_postings(&mut tx, &rows, sqlite).await?;
        tx.commit().await?;
    }
    let secs = start.elapsed().as_secs_f64();
    conn.close().await?;
    println!("plain-insert entries={} postings={} seconds={secs:.4}", entries.len(), postings.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_row_numbers_every_placeholder_once() {
        assert_eq!(
            multi_row("INSERT INTO t (a, b) VALUES ", 2, 2, false),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(multi_row("V ", 3, 1, true), "V (?, ?, ?)");
        let text = multi_row("", 11, 23, true);
        assert_eq!(text.matches('?').count(), 11 * 23);
        assert!(text.ends_with(", ?)"));
    }

    #[test]
    fn statements_stay_under_the_store_parameter_counts() {
        // Rows per statement as the store writes them: 4,571 entries or 2,909 postings on SQLite,
        // under its 32,766 parameters.
        assert_eq!(params_per_statement(true) / 7, 4_571);
        assert_eq!(params_per_statement(true) / 11, 2_909);
        assert!(params_per_statement(true) <= 32_766);
        assert_eq!(params_per_statement(false) / 11 * 11, 8184);
    }
}
