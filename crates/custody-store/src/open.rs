//! Opening a database, the one path every command takes ([`SqlStore::open`] with an [`Access`]),
//! and closing one.
//!
//! A command that creates (`import`, `serve` on a missing file) connects read-write and
//! migrates. A command that writes to an existing database (`snapshot`, `key create|revoke`,
//! `pact client create`, `pact peer add`, `pact pull|deliver|return`) first looks read-only: a
//! missing file, a 0-byte file or one without the custody schema is [`StoreError::NoDatabase`],
//! and no file is created or changed (no schema, no `-wal`/`-shm`); only then it connects
//! read-write without `create` (`mode=rw`). `serve` on a database it may not write (the file's
//! or its folder's permissions, or `mode=ro`/`immutable=1` in the URL) serves reads, and its
//! writes are [`StoreError::ReadOnly`] naming the file and why.
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

/// How a command opens its database ([`SqlStore::open`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads only: read-only, never created (`verify`, `report`, `export`, `key list`, ...).
    Read,
    /// Writes to an existing database: never created, and nothing changed when there is none.
    Write,
    /// Writes, creating a missing database (`import`).
    Create,
    /// `serve`: created when missing, read-only (reads served) when it may not be written.
    Serve,
}

/// Whether a SQLite error says the database may not be written.
fn read_only_error(message: &str) -> bool {
    let m = message.to_lowercase();
    m.contains("readonly") || m.contains("read-only") || m.contains("permission denied") || m.contains("unable to open")
}

/// Why this process may not write the database at `path` or the `-wal`/`-shm` files beside it,
/// if it may not: each existing one is opened for writing (and closed, nothing written).
fn write_denied(path: &str) -> Option<String> {
    for f in [path.to_string(), format!("{path}-wal"), format!("{path}-shm")] {
        if !std::path::Path::new(&f).exists() {
            continue;
        }
        if let Err(e) = std::fs::OpenOptions::new().read(true).write(true).open(&f) {
            let what = if f == path { "the file".to_string() } else { format!("{f} beside it") };
            return Some(format!("{what} may not be written: {e}{}", mode_of(std::path::Path::new(&f))));
        }
    }
    None
}

/// ` (mode 0444)`, where file modes exist.
fn mode_of(p: &std::path::Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).map(|m| format!(" (mode {:04o})", m.permissions().mode() & 0o7777)).unwrap_or_default()
    }
    #[cfg(not(unix))]
    {
        let _ = p;
        String::new()
    }
}

/// Which permission makes `path` read-only, in words (as far as the modes tell).
fn permission(path: &str) -> String {
    let file = std::path::Path::new(path);
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let mode = mode_of;
    if std::fs::metadata(file).is_ok_and(|m| m.permissions().readonly()) {
        format!("the file may not be written{}", mode(file))
    } else if std::fs::metadata(dir).is_ok_and(|m| m.permissions().readonly()) {
        format!("its folder {} may not be written{}", dir.display(), mode(dir))
    } else {
        "this process may not write it".to_string()
    }
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
            let store = SqlStore { pool: pool(url, sqlite).await?, sqlite, read_only: true, why: None };
            // Named without the URL, which may carry a password.
            store.check_schema("the URL given").await?;
            return Ok(store);
        };
        if !std::path::Path::new(path).is_file() {
            return Err(StoreError::NoDatabase(format!("no database at {path}")));
        }
        let ro = with_param(url, "mode", "ro");
        let store = SqlStore { pool: pool(&ro, true).await?, sqlite, read_only: true, why: None };
        match store.check_schema(path).await {
            Err(StoreError::Backend(m)) if m.contains("unable to open") || m.contains("readonly") => {
                // A WAL database in a folder the reader cannot write: SQLite cannot create the
                // `-shm` file it reads through, so read the file as it is.
                store.pool.close().await;
                let immutable = with_param(&ro, "immutable", "1");
                let store = SqlStore { pool: pool(&immutable, true).await?, sqlite, read_only: true, why: None };
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

    /// Opens `url` as `access` asks: the one open path of every command.
    pub async fn open(url: &str, access: Access) -> Result<SqlStore, StoreError> {
        match access {
            Access::Read => SqlStore::connect_read_only(url).await,
            Access::Write => SqlStore::connect_existing(url).await,
            Access::Create => SqlStore::connect(url).await,
            Access::Serve => SqlStore::connect_serving(url).await,
        }
    }

    /// Opens an existing database to write to it: refused as [`StoreError::NoDatabase`], with no
    /// file created or changed, when there is none (a missing or 0-byte SQLite file, or no custody
    /// schema); else connected read-write (SQLite `mode=rw`: never created) and migrated.
    pub async fn connect_existing(url: &str) -> Result<SqlStore, StoreError> {
        let sqlite = url.starts_with("sqlite:");
        match sqlite.then(|| sqlite_path(url)).flatten() {
            Some(_) => {
                match SqlStore::connect_read_only(url).await {
                    Ok(probe) => probe.close().await,
                    // An older schema: upgraded by the writer below, not refused.
                    Err(StoreError::NoDatabase(m)) if m.contains("a command that writes") => {}
                    Err(e) => return Err(e),
                }
                SqlStore::connect(&with_param(url, "mode", "rw")).await
            }
            None if sqlite => SqlStore::connect(url).await,
            None => {
                let store = SqlStore { pool: pool(url, false).await?, sqlite, read_only: false, why: None };
                match store.schema_version().await {
                    Ok(v) if v > 0 => {}
                    Ok(_) => return Err(StoreError::NoDatabase("no custody database at the URL given".into())),
                    Err(StoreError::Backend(m)) if missing_table(&m) => {
                        return Err(StoreError::NoDatabase("no custody database at the URL given".into()))
                    }
                    Err(e) => return Err(e),
                }
                store.migrate().await?;
                Ok(store)
            }
        }
    }

    /// Opens the database `serve` answers from: created when missing (like `import`), written
    /// when it may be, and read-only when it may not (the file's or its folder's permissions, or
    /// the URL's `mode=ro`/`immutable=1`): reads are served, writes refused with
    /// [`StoreError::ReadOnly`] naming the file and why.
    pub async fn connect_serving(url: &str) -> Result<SqlStore, StoreError> {
        let Some((path, query)) = url.starts_with("sqlite:").then(|| sqlite_path(url)).flatten() else {
            return SqlStore::connect(url).await;
        };
        if !std::path::Path::new(path).exists() {
            return SqlStore::connect(url).await;
        }
        let asked = query.split('&').find(|p| *p == "mode=ro" || *p == "immutable=1");
        let why = match asked {
            Some(param) => format!("{path}: the URL opens it read-only (`{param}`)"),
            // SQLite opens a file it may not write read-only without a word, and a current schema
            // needs no write: so the files are asked first (opened for writing, nothing written).
            None => match write_denied(path) {
                Some(why) => format!("{path}: {why}"),
                None => match SqlStore::connect_existing(url).await {
                    Ok(store) => return Ok(store),
                    Err(StoreError::Backend(m)) if read_only_error(&m) => {
                        format!("{path}: {} (SQLite: {m})", permission(path))
                    }
                    Err(e) => return Err(e),
                },
            },
        };
        let mut store = SqlStore::connect_read_only(url).await?;
        store.why = Some(why.into());
        Ok(store)
    }

    /// Why writes are refused, when they are: `None` for a store that writes.
    pub fn read_only_reason(&self) -> Option<String> {
        self.read_only.then(|| self.why.as_deref().unwrap_or("opened read-only").to_string())
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
