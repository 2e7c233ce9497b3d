//! Opening a database for reading, and closing one.
//!
//! Commands that only read (`verify`, `report`, `export`, ...) open SQLite read-only
//! (`mode=ro`): a missing file is an error, never a new empty database, and a file the reader
//! may not write is read as it is. When SQLite cannot open the file read-only because the folder
//! is not writable (a WAL database needs its `-shm` beside it), the file is opened `immutable`.
//! Every command closes its store before it exits, which folds the `-wal` file into the
//! database file, so a copy of the database file alone is the whole database.

use crate::sql::{pool, SCHEMA_VERSION};
use crate::{SqlStore, StoreError};

/// The file a `sqlite:` URL names and the query after it (`None` for an in-memory database).
fn sqlite_path(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    (path != ":memory:" && !path.is_empty()).then_some((path, query))
}

/// `url` with `key=value` added to its query unless the query sets `key` already.
fn with_param(url: &str, key: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    let pair = format!("{key}={value}");
    if !params.iter().any(|p| p.split('=').next() == Some(key)) {
        params.push(&pair);
    }
    format!("{base}?{}", params.join("&"))
}

/// The oldest schema a reader opens without upgrading it: version 5 lacks only the snapshots
/// table (version 6), which it reads as holding none (an auditor verifies a database as it was
/// written).
const READS_FROM: usize = 5;

/// Whether a database error says a table is missing (SQLite, PostgreSQL).
pub(crate) fn missing_table(message: &str) -> bool {
    message.contains("no such table") || message.contains("does not exist")
}

impl SqlStore {
    /// Opens an existing database for reading: never creates, migrates or writes it. A SQLite
    /// path that does not exist, and a file without the custody schema, are
    /// [`StoreError::NoDatabase`].
    pub async fn connect_read_only(url: &str) -> Result<SqlStore, StoreError> {
        let sqlite = url.starts_with("sqlite:");
        let Some((path, _)) = sqlite.then(|| sqlite_path(url)).flatten() else {
            let store = SqlStore { pool: pool(url, sqlite).await?, sqlite, read_only: true };
            // Named without the URL, which may carry a password.
            store.check_schema("the URL given").await?;
            return Ok(store);
        };
        if !std::path::Path::new(path).is_file() {
            return Err(StoreError::NoDatabase(format!("no database at {path}")));
        }
        let ro = with_param(url, "mode", "ro");
        let store = SqlStore { pool: pool(&ro, true).await?, sqlite, read_only: true };
        match store.check_schema(path).await {
            Err(StoreError::Backend(m)) if m.contains("unable to open") || m.contains("readonly") => {
                // A WAL database in a folder the reader cannot write: SQLite cannot create the
                // `-shm` file it reads through, so read the file as it is.
                store.pool.close().await;
                let immutable = with_param(&ro, "immutable", "1");
                let store = SqlStore { pool: pool(&immutable, true).await?, sqlite, read_only: true };
                store.check_schema(path).await.map_err(|e| match e {
                    StoreError::Backend(i) => StoreError::Backend(format!("{m} (and immutable: {i})")),
                    other => other,
                })?;
                Ok(store)
            }
            Err(e) => {
                store.pool.close().await;
                Err(e)
            }
            Ok(()) => Ok(store),
        }
    }

    /// Refuses a database that does not hold the schema this build reads.
    async fn check_schema(&self, place: &str) -> Result<(), StoreError> {
        match self.schema_version().await {
            Ok(v) if v == SCHEMA_VERSION || v == READS_FROM => Ok(()),
            Ok(0) => Err(StoreError::NoDatabase(format!("no custody database at {place}: it holds no schema"))),
            Ok(v) if v < SCHEMA_VERSION => Err(StoreError::NoDatabase(format!(
                "the database at {place} has schema version {v}, this custody reads {SCHEMA_VERSION}: \
                 a command that writes (import, serve) upgrades it"
            ))),
            Ok(v) => Err(StoreError::NoDatabase(format!(
                "the database at {place} has schema version {v}, newer than this custody's {SCHEMA_VERSION}"
            ))),
            Err(StoreError::Backend(m)) if missing_table(&m) => {
                Err(StoreError::NoDatabase(format!("no custody database at {place}: it holds no custody tables")))
            }
            Err(e) => Err(e),
        }
    }

    /// Closes every connection. A SQLite store that writes then checkpoints the write-ahead log
    /// into the database file (`TRUNCATE`: the `-wal` file is left empty, so a copy of the file
    /// alone is the whole database; store case 09) on one connection taken out of the pool after
    /// the pool's others are closed, waiting at most 2 s for readers. Run on the open pool with
    /// its 30 s busy timeout, the checkpoint waited for the other connections' read snapshots: an
    /// import refused before writing anything waited 30 s at exit, as did any writer while
    /// another process held a read. A read-only store writes nothing.
    pub async fn close(&self) {
        let last = match self.sqlite && !self.read_only {
            true => self.pool.acquire().await.ok().map(|c| c.detach()),
            false => None,
        };
        self.pool.close().await;
        if let Some(mut c) = last {
            // Waits at most 2 s (not the pool's 30 s) for a reader: another process reading, or a
            // connection the pool was still opening as it closed. Past that the log keeps what it
            // holds (committed and durable) and the next writer's close folds it in.
            let _ = sqlx::query("PRAGMA busy_timeout = 2000").fetch_all(&mut c).await;
            // A read first: a connection that has not read since the log was created cannot
            // checkpoint it (https://sqlite.org/forum/forumpost/7512d76a05268fc8).
            let _ = sqlx::query("SELECT COUNT(*) FROM sqlite_schema").fetch_all(&mut c).await;
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").fetch_all(&mut c).await;
            let _ = sqlx::Connection::close(c).await;
        }
    }

    /// Whether this store was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(sqlite_path("sqlite://a/b.db"), Some(("a/b.db", "")));
        assert_eq!(sqlite_path("sqlite:/x/b.db?mode=ro"), Some(("/x/b.db", "mode=ro")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://h/db"), None);
        assert_eq!(with_param("sqlite://a.db", "mode", "ro"), "sqlite://a.db?mode=ro");
        assert_eq!(with_param("sqlite://a.db?mode=rw", "mode", "ro"), "sqlite://a.db?mode=rw");
        assert_eq!(with_param("sqlite://a.db?mode=ro", "immutable", "1"), "sqlite://a.db?mode=ro&immutable=1");
    }
}
