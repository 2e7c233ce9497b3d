//! Snapshots through the binary (docs/import.md "Snapshots"): `import` ends with one and
//! `verify` checks it; a snapshot that cannot be written is a warning, never a failed import of
//! stored entries; a snapshot passed over at load says so on stderr; `custody snapshot` rebuilds
//! it from the journal; a database of the schema before snapshots is read without upgrading it.

use custody_store::SqlStore;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn custody(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custody")).args(args).output().expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("custody-snapshots-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// A journal of `n` purchases (n + 4 entries), enough for `import` to end with a snapshot.
fn journal(dir: &Path, n: usize) -> PathBuf {
    let mut s = String::from(
        "entity e \"E\"\n  ratios efi\n  gwp ar5\ncounterparty sup \"Supplier\"\n\
         item ore \"Ore\"\n  category raw-material\n  carbon-content 0.01\nperiod 2025 2025-01-01 2025-12-31\n",
    );
    for i in 0..n {
        s += &format!(
            "2025-02-01 purchase p{i}\n  supplier sup\n  item ore\n  quantity {} t\n  factor 87.8 gCO2/kg\n",
            i % 7 + 1
        );
    }
    let path = dir.join("e.journal");
    std::fs::write(&path, s).unwrap();
    path
}

fn sql(db: &Path, statement: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = SqlStore::connect(&url(db)).await.unwrap();
        store.execute_raw(statement).await.unwrap();
        store.close().await;
    });
}

#[test]
fn import_ends_with_a_snapshot_that_verify_checks_and_snapshot_rebuilds() {
    let dir = temp_dir("import");
    let j = journal(&dir, 1_200);
    let db = dir.join("a.db");
    let o = custody(&["import", j.to_str().unwrap(), "--database-url", &url(&db)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v = custody(&["verify", "--database-url", &url(&db)]);
    assert!(
        v.status.success() && text(&v.stdout).contains("snapshot at entry 1204 matches the replay"),
        "{}",
        text(&v.stdout)
    );
    let truth = custody(&["report", "balances", "--format", "json", "--database-url", &url(&db)]);
    assert!(truth.status.success() && text(&truth.stderr).is_empty(), "{}", text(&truth.stderr));

    // A damaged snapshot: the report is the same, with a warning; verify names it; `custody
    // snapshot` rebuilds it and verify passes again.
    sql(&db, "UPDATE snapshots SET digest = 'ab'");
    let r = custody(&["report", "balances", "--format", "json", "--database-url", &url(&db)]);
    assert_eq!(text(&r.stdout), text(&truth.stdout));
    assert!(text(&r.stderr).contains("replaying the whole journal"), "stderr: {}", text(&r.stderr));
    let v = custody(&["verify", "--database-url", &url(&db)]);
    assert!(!v.status.success() && text(&v.stdout).contains("snapshot"), "{}", text(&v.stdout));
    let s = custody(&["snapshot", "--database-url", &url(&db)]);
    assert!(
        s.status.success() && text(&s.stdout).contains("e: snapshot at entry 1204"),
        "{}{}",
        text(&s.stdout),
        text(&s.stderr)
    );
    let v = custody(&["verify", "--database-url", &url(&db)]);
    assert!(v.status.success() && text(&v.stdout).contains("snapshot at entry 1204 matches"), "{}", text(&v.stdout));

    // The schema before snapshots (5), as an older custody left it: read as it is.
    sql(&db, "DROP TABLE snapshots");
    sql(&db, "DELETE FROM schema_version WHERE version > 5");
    let v = custody(&["verify", "--database-url", &url(&db)]);
    assert!(
        v.status.success() && text(&v.stdout).starts_with("e: ok, 1204 entries"),
        "{}{}",
        text(&v.stdout),
        text(&v.stderr)
    );
    let r = custody(&["report", "balances", "--format", "json", "--database-url", &url(&db)]);
    assert_eq!(text(&r.stdout), text(&truth.stdout), "{}", text(&r.stderr));
}

#[test]
fn a_snapshot_that_cannot_be_written_is_a_warning_not_a_failed_import() {
    let dir = temp_dir("nowrite");
    let j = journal(&dir, 1_100);
    let db = dir.join("b.db");
    // A database whose snapshots table refuses every row (as a full disk would).
    let o = custody(&["snapshot", "--database-url", &url(&db)]);
    assert!(!o.status.success(), "no entity yet: {}", text(&o.stdout));
    sql(
        &db,
        "CREATE TRIGGER full BEFORE INSERT ON snapshots BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
    );
    let o = custody(&["import", j.to_str().unwrap(), "--database-url", &url(&db)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("imported: 1104 entries written"), "{}", text(&o.stdout));
    assert!(text(&o.stderr).contains("warning: e: no snapshot written"), "{}", text(&o.stderr));
    let v = custody(&["verify", "--database-url", &url(&db)]);
    assert!(v.status.success() && !text(&v.stdout).contains("snapshot"), "{}", text(&v.stdout));
    // Importing again changes nothing and still succeeds.
    let o = custody(&["import", j.to_str().unwrap(), "--database-url", &url(&db)]);
    assert!(
        o.status.success() && text(&o.stdout).contains("1104 already present"),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
}

/// After an upgrade the stored snapshot is another build's: loads pass it over and replay, and
/// `verify` answers ok, naming it, instead of calling every stored journal different (it did:
/// `DIFFERS ... the stored snapshot taken here is not the replay's ledger`). `custody snapshot`
/// then writes this build's, which verify compares again.
#[test]
fn a_snapshot_of_another_build_is_named_by_verify_not_a_difference() {
    let dir = temp_dir("other-build");
    let j = journal(&dir, 1_200);
    let db = dir.join("a.db");
    assert!(custody(&["import", j.to_str().unwrap(), "--database-url", &url(&db)]).status.success());
    // The same snapshot as another build writes it: its build string changed, its digest redone.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        use custody_store::Store as _;
        let store = SqlStore::connect(&url(&db)).await.unwrap();
        let mut row = store.snapshot("e").await.unwrap().expect("import wrote a snapshot");
        let build = custody_core::SNAPSHOT_BUILD.as_bytes();
        let at = row.body.windows(build.len()).position(|w| w == build).expect("the head names the build");
        let last = at + build.len() - 1;
        row.body[last] = if row.body[last] == b'0' { b'1' } else { b'0' };
        row.digest = custody_store::snapshot_digest(&row.body);
        store.put_snapshot("e", &row).await.unwrap();
        store.close().await;
    });
    let v = custody(&["verify", "--database-url", &url(&db)]);
    let out = text(&v.stdout);
    assert!(v.status.success(), "{out}");
    assert!(out.contains("the snapshot at entry 1204 was written by another build (format"), "{out}");
    assert!(!out.contains("matches the replay"), "{out}");
    let r = custody(&["report", "balances", "--format", "json", "--database-url", &url(&db)]);
    assert!(r.status.success() && text(&r.stderr).contains("replaying the whole journal"), "{}", text(&r.stderr));
    assert!(custody(&["snapshot", "--database-url", &url(&db)]).status.success());
    let v = custody(&["verify", "--database-url", &url(&db)]);
    assert!(text(&v.stdout).contains("snapshot at entry 1204 matches the replay"), "{}", text(&v.stdout));
}
