//! Helpers shared by the registry tests: journal text to entries, an entity's journal submitted
//! (its `entity` entry ensured first), more entries for an entity, and a rejection's codes.
#![allow(dead_code)]

use custody_journal::{parse, Entry, Source};
use custody_store::{conformance, Registry, SqlStore, Store, SubmitError};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Parses journal text; panics on any diagnostic (fixtures are valid).
pub fn entries(text: &str) -> Vec<Entry> {
    let (e, d) = parse(&[Source { name: "t".into(), text: text.into() }]);
    assert!(d.is_empty(), "{d:#?}");
    e.into_iter().map(|s| s.entry).collect()
}

/// Ensures the journal's entity and submits the rest of its entries; the entity's id.
pub async fn submit_entries<S: Store + 'static>(r: &Registry<S>, all: Vec<Entry>) -> Result<String, SubmitError> {
    let Entry::Entity(e) = &all[0] else { panic!("a journal starts with its entity") };
    r.ensure(e).await.unwrap();
    r.submit(&e.id, all[1..].to_vec()).await.map(|_| e.id.clone())
}

/// [`submit_entries`] of journal text.
pub async fn submit<S: Store + 'static>(r: &Registry<S>, text: &str) -> Result<String, SubmitError> {
    submit_entries(r, entries(text)).await
}

/// More entries for an entity already there.
pub async fn more<S: Store + 'static>(r: &Registry<S>, entity: &str, text: &str) -> Result<(), SubmitError> {
    r.submit(entity, entries(text)).await.map(|_| ())
}

/// The codes of a rejection, in precedence order; panics on any other error.
pub fn codes(e: SubmitError) -> Vec<&'static str> {
    match e {
        SubmitError::Rejected { rejection, .. } => rejection.codes().iter().map(|c| c.as_str()).collect(),
        other => panic!("not a rejection: {other:?}"),
    }
}

/// Fresh databases for the store suites: a SQLite file in a folder of this process, and a
/// PostgreSQL database per test (old runs' databases dropped first).
static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn temp_sqlite_url() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("custody-store-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("t{n}.db"));
    let _ = std::fs::remove_file(&path);
    format!("sqlite://{}", path.display())
}

/// A fresh PostgreSQL database for one test, or None (with a visible SKIPPED line) without DATABASE_URL.
pub async fn fresh_postgres(test: &str) -> Option<SqlStore> {
    let url = conformance::postgres_url(test)?;
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let pid = std::process::id();
    let name = format!("custody_test_{pid}_{n}");
    let admin = SqlStore::connect(&url).await.expect("DATABASE_URL connects");
    if n == 0 {
        // Databases left by earlier runs (other process ids) go first.
        for old in admin.database_names("custody_test_").await.unwrap() {
            if !old.starts_with(&format!("custody_test_{pid}_")) {
                admin.execute_raw(&format!("DROP DATABASE IF EXISTS {old} WITH (FORCE)")).await.unwrap();
            }
        }
    }
    admin.execute_raw(&format!("DROP DATABASE IF EXISTS {name}")).await.unwrap();
    admin.execute_raw(&format!("CREATE DATABASE {name}")).await.unwrap();
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&url);
    Some(SqlStore::connect(&format!("{base}/{name}")).await.unwrap())
}
