//! SQLite and PostgreSQL through sqlx's runtime-generic driver: one implementation, the backend
//! chosen by the URL (`sqlite://PATH` or `postgres://...`). Migrations run on connect.
//!
//! SQL is written once with `$N` placeholders; for SQLite they become `?N` (numbered, explicit).

use crate::*;
use custody_core::model::{Dims, Origin};
use custody_core::units::Species;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

/// Schema versions, applied in order; the applied version is kept in `schema_version`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE entities (
    id TEXT PRIMARY KEY,
    head_seq BIGINT NOT NULL,
    head_hash TEXT NOT NULL
);
CREATE TABLE entries (
    entity TEXT NOT NULL REFERENCES entities(id),
    seq BIGINT NOT NULL,
    op_id TEXT,
    body TEXT NOT NULL,
    tx_body TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (entity, seq)
);
CREATE UNIQUE INDEX entries_op_id ON entries (entity, op_id);
CREATE TABLE postings (
    entity TEXT NOT NULL,
    seq BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    account TEXT NOT NULL,
    species TEXT NOT NULL,
    amount BIGINT NOT NULL,
    item TEXT,
    lot TEXT,
    site TEXT,
    origin TEXT,
    counterparty TEXT,
    PRIMARY KEY (entity, seq, idx)
);
CREATE TABLE balances (
    entity TEXT NOT NULL,
    account TEXT NOT NULL,
    species TEXT NOT NULL,
    dims TEXT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (entity, account, species, dims)
)
"#,
    r#"
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    entity TEXT,
    grants TEXT NOT NULL,
    revoked BIGINT NOT NULL
)
"#,
    r#"
CREATE TABLE exclusive_keys (
    key TEXT PRIMARY KEY,
    entity TEXT NOT NULL,
    seq BIGINT NOT NULL
)
"#,
    r#"
ALTER TABLE api_keys ADD COLUMN created BIGINT;
ALTER TABLE api_keys ADD COLUMN last_used BIGINT
"#,
    r#"
CREATE TABLE records (
    entity TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    n BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (entity, kind, key)
)
"#,
    // {blob}: BLOB on SQLite, BYTEA on PostgreSQL (see `migrate`).
    r#"
CREATE TABLE snapshots (
    entity TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    entry_hash TEXT NOT NULL,
    digest TEXT NOT NULL,
    body {blob} NOT NULL
)
"#,
];

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// A pool for `url` (connections of a SQLite pool wait up to 30 s for the write lock).
///
/// Every statement that returns rows is read to its end (`fetch_all`, never `fetch_one`,
/// `fetch_optional` or `execute`): a SQLite statement stopped at its first row stays open on its
/// pooled connection with a read snapshot, which blocks checkpoints (the log grows) and made the
/// closing checkpoint wait out the busy timeout.
pub(crate) async fn pool(url: &str, sqlite: bool) -> Result<AnyPool, StoreError> {
    sqlx::any::install_default_drivers();
    // A SQLite connection is a file handle in this process: the ping sqlx sends before every
    // acquire (to find a dropped server connection) was a second round trip to the connection's
    // worker thread on every statement (issue 12: half of a cached report read's time).
    let mut options = AnyPoolOptions::new().max_connections(if sqlite { 4 } else { 10 }).test_before_acquire(!sqlite);
    if sqlite {
        options = options.after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::query("PRAGMA busy_timeout = 30000").fetch_all(&mut *conn).await?;
                sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                Ok(())
            })
        });
    }
    options.connect(url).await.map_err(backend)
}

#[derive(Clone)]
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    pub(crate) sqlite: bool,
    /// Opened with [`SqlStore::connect_read_only`]: nothing is written, not even a checkpoint.
    pub(crate) read_only: bool,
    /// Why writes are refused ([`StoreError::ReadOnly`]), for a read-only store: the file, and the
    /// permission or URL that makes it read-only.
    pub(crate) why: Option<std::sync::Arc<str>>,
}

pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl SqlStore {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://...`, and migrates: for the
    /// commands that write. Readers use [`SqlStore::connect_read_only`]; every user calls
    /// [`SqlStore::close`] before it exits.
    pub async fn connect(url: &str) -> Result<SqlStore, StoreError> {
        let sqlite = url.starts_with("sqlite:");
        let url = if sqlite && !url.contains('?') { format!("{url}?mode=rwc") } else { url.to_string() };
        let pool = pool(&url, sqlite).await?;
        if sqlite {
            sqlx::query("PRAGMA journal_mode = WAL").fetch_all(&pool).await.map_err(backend)?;
        }
        let store = SqlStore { pool, sqlite, read_only: false, why: None };
        store.migrate().await?;
        Ok(store)
    }

    /// Refuses a write on a read-only store, naming why ([`StoreError::ReadOnly`]).
    pub(crate) fn writable(&self) -> Result<(), StoreError> {
        match self.read_only {
            true => {
                Err(StoreError::ReadOnly(self.why.as_deref().unwrap_or("the database was opened read-only").into()))
            }
            false => Ok(()),
        }
    }

    /// The SQL for this backend.
    pub(crate) fn sql(&self, text: &str) -> String {
        if !self.sqlite {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                out.push('?');
            } else {
                out.push(c);
            }
        }
        out
    }

    /// The schema version the database is at (0: none).
    pub(crate) async fn schema_version(&self) -> Result<usize, StoreError> {
        let rows =
            sqlx::query("SELECT MAX(version) AS v FROM schema_version").fetch_all(&self.pool).await.map_err(backend)?;
        match rows.first() {
            Some(row) => Ok(row.try_get::<Option<i64>, _>("v").map_err(backend)?.unwrap_or(0) as usize),
            None => Ok(0),
        }
    }

    pub(crate) async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        if !self.sqlite {
            // Processes migrating one new database at once take turns (the lock ends with the
            // transaction): without it, two `CREATE TABLE IF NOT EXISTS` race in PostgreSQL's
            // catalog and one fails (pg_type_typname_nsp_index). SQLite's write lock serializes.
            sqlx::query("SELECT pg_advisory_xact_lock(7461636)").execute(&mut *tx).await.map_err(backend)?;
        }
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let rows =
            sqlx::query("SELECT MAX(version) AS v FROM schema_version").fetch_all(&mut *tx).await.map_err(backend)?;
        let current: i64 = match rows.first() {
            Some(row) => row.try_get::<Option<i64>, _>("v").map_err(backend)?.unwrap_or(0),
            None => 0,
        };
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let migration = migration.replace("{blob}", if self.sqlite { "BLOB" } else { "BYTEA" });
            for statement in migration.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                sqlx::query(statement).execute(&mut *tx).await.map_err(backend)?;
            }
            sqlx::query(&self.sql("INSERT INTO schema_version (version) VALUES ($1)"))
                .bind(i as i64 + 1)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    /// PostgreSQL databases whose names start with `prefix` (tests clean up with it).
    pub async fn database_names(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT CAST(datname AS TEXT) AS datname FROM pg_database WHERE datname LIKE $1")
            .bind(format!("{prefix}%"))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| r.try_get("datname").map_err(backend)).collect()
    }

    /// Runs one statement (tests use it to tamper with stored rows).
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query(sql).execute(&self.pool).await.map_err(backend)?.rows_affected())
    }
}

pub(crate) fn entry_row(r: &AnyRow) -> Result<EntryRow, sqlx::Error> {
    Ok(EntryRow {
        seq: r.try_get("seq")?,
        op_id: r.try_get("op_id")?,
        text: r.try_get("body")?,
        tx_text: r.try_get("tx_body")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

pub(crate) fn posting_row(r: &AnyRow) -> Result<PostingRow, StoreError> {
    let get = |c: &str| r.try_get::<Option<String>, _>(c).map_err(backend);
    let species: String = r.try_get("species").map_err(backend)?;
    let origin = get("origin")?;
    Ok(PostingRow {
        seq: r.try_get("seq").map_err(backend)?,
        idx: r.try_get("idx").map_err(backend)?,
        posting: custody_core::model::Posting {
            account: r.try_get::<String, _>("account").map_err(backend)?.into(),
            species: species.parse::<Species>().map_err(|_| StoreError::Backend(format!("bad species `{species}`")))?,
            amount: r.try_get("amount").map_err(backend)?,
            dims: Dims {
                item: custody_core::name::opt(&get("item")?),
                lot: custody_core::name::opt(&get("lot")?),
                site: custody_core::name::opt(&get("site")?),
                origin: match origin {
                    Some(o) => Some(Origin::parse(&o).ok_or_else(|| StoreError::Backend(format!("bad origin `{o}`")))?),
                    None => None,
                },
                counterparty: custody_core::name::opt(&get("counterparty")?),
            }
            .into(),
            gas: None,
        },
    })
}

/// Closes a connection that met a storage error instead of returning it to the pool.
async fn discard(conn: sqlx::pool::PoolConnection<sqlx::Any>) {
    let _ = sqlx::Connection::close(conn.detach()).await;
}

impl Store for SqlStore {
    async fn create_entity(&self, id: &str) -> Result<(), StoreError> {
        self.writable()?;
        let res = sqlx::query(&self.sql("INSERT INTO entities (id, head_seq, head_hash) VALUES ($1, 0, $2)"))
            .bind(id)
            .bind(GENESIS)
            .execute(&self.pool)
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::AlreadyExists(id.to_string())),
            Err(e) => Err(backend(e)),
        }
    }

    async fn entity_ids(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT id FROM entities ORDER BY id").fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(|r| r.try_get("id").map_err(backend)).collect()
    }

    async fn head(&self, entity: &str) -> Result<Head, StoreError> {
        let row = sqlx::query(&self.sql("SELECT head_seq, head_hash FROM entities WHERE id = $1"))
            .bind(entity)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::NotFound(entity.to_string()))?;
        Ok(Head { seq: row.try_get("head_seq").map_err(backend)?, hash: row.try_get("head_hash").map_err(backend)? })
    }

    async fn entries(&self, entity: &str, after: i64, limit: i64) -> Result<Vec<EntryRow>, StoreError> {
        self.head(entity).await?;
        let rows = sqlx::query(&self.sql(
            "SELECT seq, op_id, body, tx_body, prev_hash, hash FROM entries \
             WHERE entity = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        ))
        .bind(entity)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(|r| entry_row(r).map_err(backend)).collect()
    }

    async fn append(&self, entity: &str, expected: &Head, entries: &[NewEntry]) -> Result<Head, StoreError> {
        self.writable()?;
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        let res = self.append_on(&mut conn, entity, expected, entries).await;
        if matches!(res, Err(StoreError::Backend(_))) {
            // A storage error (a full disk, an I/O error) may leave the connection inside a
            // transaction SQLite already rolled back, or one it still holds the write lock for:
            // the connection is closed, never returned to the pool, so nothing half-done is
            // committed by a later request and the lock is released.
            discard(conn).await;
        } else {
            drop(conn);
        }
        if matches!(res, Err(StoreError::Conflict)) {
            self.head(entity).await?;
        }
        res
    }

    async fn postings(&self, entity: &str, first: i64, last: i64) -> Result<Vec<PostingRow>, StoreError> {
        self.postings_packed(entity, first, last).await
    }

    async fn balances(&self, entity: &str) -> Result<Vec<BalanceRow>, StoreError> {
        let rows = sqlx::query(&self.sql(
            "SELECT account, species, dims, amount FROM balances WHERE entity = $1 AND amount <> 0 \
             ORDER BY account, species, dims",
        ))
        .bind(entity)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let mut out: Vec<BalanceRow> = rows
            .iter()
            .map(|r| {
                Ok(BalanceRow {
                    account: r.try_get("account").map_err(backend)?,
                    species: r.try_get("species").map_err(backend)?,
                    dims: r.try_get("dims").map_err(backend)?,
                    amount: r.try_get("amount").map_err(backend)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        // Collation differs between backends: sort here so every backend answers alike.
        out.sort();
        Ok(out)
    }

    async fn definitions(&self, entity: &str) -> Result<Vec<EntryRow>, StoreError> {
        self.definition_rows(entity).await
    }

    async fn transaction_texts(&self, entity: &str, after: i64, limit: i64) -> Result<Vec<(i64, String)>, StoreError> {
        self.transaction_rows(entity, after, limit).await
    }

    async fn put_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        self.writable()?;
        let res = sqlx::query(&self.sql(
            "INSERT INTO api_keys (id, hash, role, entity, grants, revoked, created) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
        ))
        .bind(&key.id)
        .bind(&key.hash)
        .bind(&key.role)
        .bind(&key.entity)
        .bind(key.grants.join(","))
        .bind(key.revoked as i64)
        .bind(crate::unix_now())
        .execute(&self.pool)
        .await;
        match res {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::AlreadyExists(key.id.clone())),
            Err(e) => Err(backend(e)),
        }
    }

    async fn key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>, StoreError> {
        let row =
            sqlx::query(&self.sql("SELECT id, hash, role, entity, grants, revoked FROM api_keys WHERE hash = $1"))
                .bind(hash)
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?
                .into_iter()
                .next();
        let Some(r) = row else { return Ok(None) };
        Ok(Some(key_row(&r)?))
    }

    async fn key_and_head(&self, hash: &str, entity: &str) -> Result<(Option<ApiKey>, Option<Head>), StoreError> {
        let rows = sqlx::query(&self.sql(
            "SELECT k.id, k.hash, k.role, k.entity, k.grants, k.revoked, e.head_seq, e.head_hash \
             FROM (SELECT 1 AS one) o LEFT JOIN api_keys k ON k.hash = $1 LEFT JOIN entities e ON e.id = $2",
        ))
        .bind(hash)
        .bind(entity)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let Some(r) = rows.first() else { return Ok((None, None)) };
        let key = match r.try_get::<Option<String>, _>("id").map_err(backend)? {
            Some(_) => Some(key_row(r)?),
            None => None,
        };
        let head = match r.try_get::<Option<i64>, _>("head_seq").map_err(backend)? {
            Some(seq) => Some(Head { seq, hash: r.try_get("head_hash").map_err(backend)? }),
            None => None,
        };
        Ok((key, head))
    }

    async fn list_keys(&self) -> Result<Vec<KeyInfo>, StoreError> {
        let rows =
            sqlx::query("SELECT id, hash, role, entity, grants, revoked, created, last_used FROM api_keys ORDER BY id")
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
        let mut out: Vec<KeyInfo> = rows
            .iter()
            .map(|r| {
                Ok(KeyInfo {
                    key: key_row(r)?,
                    created: r.try_get("created").map_err(backend)?,
                    last_used: r.try_get("last_used").map_err(backend)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        out.sort_by(|a, b| a.key.id.cmp(&b.key.id));
        Ok(out)
    }

    async fn touch_key(&self, id: &str, now: i64) -> Result<(), StoreError> {
        if self.read_only {
            return Ok(());
        }
        // One statement: recorded to the minute, so most requests of a busy key write nothing.
        sqlx::query(
            &self.sql("UPDATE api_keys SET last_used = $1 WHERE id = $2 AND (last_used IS NULL OR last_used <= $3)"),
        )
        .bind(now)
        .bind(id)
        .bind(now - 60)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn revoke_key(&self, id: &str) -> Result<bool, StoreError> {
        self.writable()?;
        let res = sqlx::query(&self.sql("UPDATE api_keys SET revoked = 1 WHERE id = $1"))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(res.rows_affected() == 1)
    }

    async fn put_record(&self, entity: &str, kind: &str, key: &str, body: &str) -> Result<bool, StoreError> {
        self.writable()?;
        let res = sqlx::query(&self.sql(
            "INSERT INTO records (entity, kind, key, n, body) \
             SELECT $1, $2, $3, COALESCE(MAX(n), 0) + 1, $4 FROM records WHERE entity = $1 AND kind = $2 \
             ON CONFLICT (entity, kind, key) DO NOTHING",
        ))
        .bind(entity)
        .bind(kind)
        .bind(key)
        .bind(body)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(res.rows_affected() == 1)
    }

    async fn records(&self, entity: &str, kind: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows =
            sqlx::query(&self.sql("SELECT key, body FROM records WHERE entity = $1 AND kind = $2 ORDER BY n, key"))
                .bind(entity)
                .bind(kind)
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
        rows.iter().map(|r| Ok((r.try_get("key").map_err(backend)?, r.try_get("body").map_err(backend)?))).collect()
    }

    async fn put_snapshot(&self, entity: &str, snapshot: &SnapshotRow) -> Result<(), StoreError> {
        self.write_snapshot(entity, snapshot).await
    }

    async fn snapshot(&self, entity: &str) -> Result<Option<SnapshotRow>, StoreError> {
        self.read_snapshot(entity).await
    }
}

fn key_row(r: &sqlx::any::AnyRow) -> Result<ApiKey, StoreError> {
    let grants: String = r.try_get("grants").map_err(backend)?;
    Ok(ApiKey {
        id: r.try_get("id").map_err(backend)?,
        hash: r.try_get("hash").map_err(backend)?,
        role: r.try_get("role").map_err(backend)?,
        entity: r.try_get("entity").map_err(backend)?,
        grants: grants.split(',').filter(|g| !g.is_empty()).map(str::to_string).collect(),
        revoked: r.try_get::<i64, _>("revoked").map_err(backend)? != 0,
    })
}
