//! The database a command works on: opened for writing (import, serve, key: created if missing)
//! or for reading (verify, report, export, assess, reconcile: read-only, never created), and
//! closed before the process exits so SQLite folds its write-ahead log into the database file.

use anyhow::Context;
use custody_store::{Registry, SqlStore};
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

    /// For a command that writes: the database is created if missing, and migrated.
    pub async fn registry(&self) -> anyhow::Result<Registry<SqlStore>> {
        let url = self.url();
        let store = SqlStore::connect(&url).await.with_context(|| format!("cannot open database {url}"))?;
        Ok(Registry::new(opened(store)))
    }

    /// For a command that only reads: opened read-only; a missing database is an error.
    pub async fn reader(&self) -> anyhow::Result<Registry<SqlStore>> {
        let url = self.url();
        let store = SqlStore::connect_read_only(&url).await.with_context(|| format!("cannot open database {url}"))?;
        Ok(Registry::new(opened(store)))
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
