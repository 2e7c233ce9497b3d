//! The database a command works on, opened through one path (`SqlStore::open` with an
//! `Access`): created if missing (`import`, and `serve`), written only if it exists (`snapshot`,
//! `key create|revoke`, `pact client create`, `pact peer add`, `pact pull|deliver|return`,
//! `import --catenax`: a missing or empty file is refused and no file is created or changed),
//! or read (verify, report, export, assess, reconcile, `key list`, `pact peer list|outbox|
//! deliveries`, sign: read-only, never created); and closed before the process exits so SQLite
//! folds its write-ahead log into the database file.

use anyhow::Context;
use custody_store::{Access, Registry, SqlStore};
use std::sync::Mutex;

/// Where ledgers live when no `--database-url` is given: a SQLite file in the working directory.
const DEFAULT_DATABASE_URL: &str = "sqlite://custody.db";

/// Every store this process opened, closed by [`close_all`] on the way out (whatever the exit).
static OPENED: Mutex<Vec<SqlStore>> = Mutex::new(Vec::new());

#[derive(clap::Args, Clone)]
pub struct Db {
    /// The database: `sqlite://PATH` or `postgres://...` (default: $CUSTODY_DATABASE_URL, else
    /// sqlite://custody.db in the working directory).
    #[arg(long)]
    database_url: Option<String>,
}

impl Db {
    pub fn url(&self) -> String {
        self.database_url
            .clone()
            .or_else(|| std::env::var("CUSTODY_DATABASE_URL").ok())
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string())
    }

    /// The database opened as `access` asks; every command comes through here.
    pub async fn open(&self, access: Access) -> anyhow::Result<Registry<SqlStore>> {
        let url = self.url();
        let store = SqlStore::open(&url, access).await.with_context(|| format!("cannot open database {url}"))?;
        Ok(Registry::new(opened(store)))
    }

    /// For `import`: the database is created if missing, and migrated.
    pub async fn registry(&self) -> anyhow::Result<Registry<SqlStore>> {
        self.open(Access::Create).await
    }

    /// For a command that writes to an existing database: a missing one is an error, and no
    /// file is created or changed.
    pub async fn writer(&self) -> anyhow::Result<Registry<SqlStore>> {
        self.open(Access::Write).await
    }

    /// For a command that only reads: opened read-only; a missing database is an error.
    pub async fn reader(&self) -> anyhow::Result<Registry<SqlStore>> {
        self.open(Access::Read).await
    }
}

fn opened(store: SqlStore) -> SqlStore {
    OPENED.lock().unwrap_or_else(|e| e.into_inner()).push(store.clone());
    store
}

/// Closes every store opened (checkpointing SQLite's log); waits for writes still running.
pub async fn close_all() {
    let stores = std::mem::take(&mut *OPENED.lock().unwrap_or_else(|e| e.into_inner()));
    for s in stores {
        s.close().await;
    }
}
