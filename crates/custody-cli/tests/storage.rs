//! The storage and input faults of the store cases, end to end through the `custody` binary:
//! what a command leaves on disk (09), databases that are missing, empty or read-only (13, 14),
//! and CSV cells that are data, never journal text (04, 05, 06).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn custody(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custody")).args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("custody-storage-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

const SMALL: &str = "entity e \"E\"\n  ratios efi\n  gwp ar5\ncounterparty sup \"Supplier\"\n\
    item ore \"Ore\"\n  category raw-material\n  carbon-content 0.01\nperiod 2025 2025-01-01 2025-12-31\n\
    2025-01-02 purchase p1\n  supplier sup\n  item ore\n  quantity 7 t\n  factor 87.8 gCO2/kg\n\
    2025-01-03 purchase p2\n  supplier sup\n  item ore\n  quantity 3 t\n";

fn import_small(dir: &Path) -> PathBuf {
    let journal = dir.join("small.journal");
    std::fs::write(&journal, SMALL).unwrap();
    let db = dir.join("b.db");
    let o = custody(&["import", journal.to_str().unwrap(), "--database-url", &url(&db)]);
    assert!(o.status.success(), "{}", stderr(&o));
    db
}

/// Store case 09: after an import the write-ahead log is folded into the database file, so a
/// copy of the file alone is the whole database and verifies as the original does.
#[test]
fn a_finished_import_leaves_the_whole_database_in_its_file() {
    for round in 0..3 {
        let dir = temp_dir(&format!("wal{round}"));
        let db = import_small(&dir);
        let wal = dir.join("b.db-wal");
        assert!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) == 0, "b.db-wal left with content");
        std::fs::create_dir_all(dir.join("copy")).unwrap();
        let copy = dir.join("copy/b.db");
        std::fs::copy(&db, &copy).unwrap();
        let a = custody(&["verify", "--database-url", &url(&db)]);
        let b = custody(&["verify", "--database-url", &url(&copy)]);
        assert!(a.status.success() && b.status.success(), "{} / {}", stderr(&a), stderr(&b));
        assert_eq!(stdout(&a), stdout(&b));
        assert!(stdout(&a).starts_with("e: ok, 6 entries, 2 transactions"), "{}", stdout(&a));
    }
}

/// Store case 13: readers never create a database; a missing or empty one is an error with a
/// message, and a verify that finds no entity does not exit 0.
#[test]
fn readers_refuse_missing_and_empty_databases_and_create_nothing() {
    let dir = temp_dir("missing");
    let typo = url(&dir.join("typo.db"));
    let readers: [&[&str]; 4] = [
        &["verify", "--database-url", &typo],
        &["report", "balances", "--database-url", &typo],
        &["export", "--database-url", &typo],
        &["reconcile", "--database-url", &typo],
    ];
    for args in readers {
        let o = custody(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains("no database at"), "{args:?}: {}", stderr(&o));
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "a reader created files");

    let empty = dir.join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let o = custody(&["verify", "--database-url", &url(&empty)]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("no custody database"), "{}", stderr(&o));
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0, "the empty file was written");

    // A database with the schema but no entity: nothing verified is not "ok".
    let keys = dir.join("keys.db");
    assert!(custody(&["key", "create", "--role", "admin", "--database-url", &url(&keys)]).status.success());
    let o = custody(&["verify", "--database-url", &url(&keys)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no entity"), "{}", stderr(&o));
}

/// Store case 14: a database file that may not be written is read as it is: verify and report
/// answer as on a writable copy, and the file is unchanged.
#[test]
fn a_read_only_database_is_verified_and_reported_unchanged() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("ro");
    let db = import_small(&dir);
    let want_verify = stdout(&custody(&["verify", "--database-url", &url(&db)]));
    let want_report = stdout(&custody(&["report", "balances", "--format", "json", "--database-url", &url(&db)]));
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read(&db).unwrap();
    for u in [url(&db), format!("{}?mode=ro", url(&db))] {
        let v = custody(&["verify", "--database-url", &u]);
        assert!(v.status.success(), "{}", stderr(&v));
        assert_eq!(stdout(&v), want_verify);
        let r = custody(&["report", "balances", "--format", "json", "--database-url", &u]);
        assert!(r.status.success(), "{}", stderr(&r));
        assert_eq!(stdout(&r), want_report);
    }
    assert!(std::fs::read(&db).unwrap() == before, "the read-only database was changed");
    assert!(!dir.join("b.db-wal").exists() || std::fs::metadata(dir.join("b.db-wal")).unwrap().len() == 0);
}

const MILL: &str = "entity mini-mill \"Mini mill\"\n  ratios efi\n  gwp ar5\ncounterparty scrap-co \"Scrap\"\n\
    item scrap \"Scrap\"\n  category raw-material\n  carbon-content 0.002\nperiod 2025 2025-01-01 2025-12-31\n";

fn mill(dir: &Path) -> String {
    let j = dir.join("mill.journal");
    std::fs::write(&j, MILL).unwrap();
    let u = url(&dir.join("m.db"));
    let o = custody(&["import", j.to_str().unwrap(), "--database-url", &u]);
    assert!(o.status.success(), "{}", stderr(&o));
    u
}

fn transactions(u: &str) -> usize {
    let o = custody(&["report", "ledger", "--format", "json", "--database-url", u]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["rows"].as_array().map(Vec::len).unwrap_or(0)
}

/// Store case 04 and its kind: a cell holding a line break, a quote, `#`, a control character or
/// more than one value, or an id outside the grammar, is a row error naming file, row and column,
/// and the file imports nothing (its good rows neither).
#[test]
fn csv_cells_are_data_and_a_bad_cell_refuses_the_file() {
    let dir = temp_dir("cells");
    let u = mill(&dir);
    let head = "date,id,supplier,item,quantity,unit,lot,per,CO2,content_tC\n";
    let good = "2025-02-03,p-ok,scrap-co,scrap,8000,t,,,,\n";
    let cases: &[(&str, &str)] = &[
        ("2025-02-03,p1,\"scrap-co\n  attributed 1000000 tCO2\",scrap,8000,t,,,,\n", "supplier"),
        ("2025-02-04,p1,scrap-co,scrap,8000,t,,kg,3.24,\"5 tC\n2025-02-04 txn injected \"\"x\"\"\"\n", "content_tC"),
        ("2025-02-03,p1,scrap-co,scrap,8000,t,\"L1 #c\",,,\n", "lot"),
        ("2025-02-03,p1,scrap-co,scrap,\"80\"\"00\",t,,,,\n", "quantity"),
        ("2025-02-03,p1,scrap-co,scrap,8000 9000,t,,,,\n", "quantity"),
        ("2025-02-03,p1,scrap-co,scrap,8000,t,\"a\tb\",,,\n", "lot"),
        ("2025-02-03,p1,scrap-co,scrap,8000,t,a\u{1}b,,,\n", "lot"),
        ("2025-02-03,p1,scrap-co,scrap,8000,t,..,,,\n", "lot"),
        ("2025-02-03,p\u{202e}1,scrap-co,scrap,8000,t,,,,\n", "id"),
        ("2025-02-03,p1,scrap co,scrap,8000,t,,,,\n", "supplier"),
        ("2025-02-03 extra,p1,scrap-co,scrap,8000,t,,,,\n", "date"),
    ];
    for (i, (row, column)) in cases.iter().enumerate() {
        let f = dir.join(format!("bad{i}.csv"));
        std::fs::write(&f, format!("{head}{good}{row}")).unwrap();
        let o = custody(&["import", "--entity", "mini-mill", "--database-url", &u, f.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "case {i}: {err}");
        let named = format!("bad{i}.csv:3: row 2, column `{column}`");
        assert!(err.contains(&named), "case {i}: wanted `{named}` in {err}");
        assert_eq!(transactions(&u), 0, "case {i}: something of a refused file was written");
    }
    let f = dir.join("good.csv");
    std::fs::write(&f, format!("{head}{good}")).unwrap();
    let o = custody(&["import", "--entity", "mini-mill", "--database-url", &u, f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(transactions(&u), 1);
}

/// Store case 06: grouping rows by id is linear: 80,000 rows, each its own id, and a last row
/// without one, are read whole and refused in seconds (quadratic grouping took minutes).
#[test]
fn many_csv_ids_are_grouped_in_linear_time() {
    let dir = temp_dir("many");
    let u = mill(&dir);
    let f = dir.join("rows.csv");
    let mut text = String::from("date,id,supplier,item,quantity,unit\n");
    for i in 0..80_000 {
        text.push_str(&format!("2025-02-03,p{i},scrap-co,scrap,1,t\n"));
    }
    text.push_str("2025-02-03,,scrap-co,scrap,1,t\n");
    std::fs::write(&f, text).unwrap();
    let t0 = std::time::Instant::now();
    let o = custody(&["import", "--entity", "mini-mill", "--database-url", &u, f.to_str().unwrap()]);
    let took = t0.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("row 80001, column `id`: the cell is empty"), "{}", stderr(&o));
    assert!(took.as_secs() < 20, "80,000 rows took {took:?}");
    assert_eq!(transactions(&u), 0);
}

/// Store case 05: memory does not grow with rows times header width. 1,000 rows under a header
/// with a 1,000,000-character column name import within 200 MB (measured with /usr/bin/time
/// where it exists; rows copying the header took about 1 GB).
#[test]
fn a_wide_csv_header_is_not_copied_per_row() {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        custody_store::conformance::skipped("a_wide_csv_header_is_not_copied_per_row", "needs /usr/bin/time");
        return;
    }
    let dir = temp_dir("wide");
    let u = mill(&dir);
    let f = dir.join("wide.csv");
    let mut text = format!("date,id,supplier,item,quantity,unit,{}\n", "x".repeat(1_000_000));
    for i in 0..1_000 {
        text.push_str(&format!("2025-02-03,p{i},scrap-co,scrap,1,t,\n"));
    }
    std::fs::write(&f, text).unwrap();
    let rss = dir.join("rss");
    let o = Command::new(time)
        .args(["-f", "%M", "-o", rss.to_str().unwrap(), env!("CARGO_BIN_EXE_custody")])
        .args(["import", "--entity", "mini-mill", "--database-url", &u, f.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let kb: u64 = std::fs::read_to_string(&rss).unwrap().lines().last().unwrap().trim().parse().unwrap();
    assert!(kb < 200 * 1024, "peak {kb} KB");
    assert_eq!(transactions(&u), 1_000);
}

/// `custody import` parses a journal lazily, in batches (issue 12 item 2): an error anywhere in
/// the file, the last line included, is still found before anything is written, and a journal
/// imported in batches of one, two or all its entries leaves the same journal.
#[test]
fn a_lazily_parsed_import_finds_every_error_first_and_batches_do_not_change_the_journal() {
    let dir = temp_dir("lazy-import");
    let bad = dir.join("bad.journal");
    std::fs::write(&bad, format!("{SMALL}2025-01-04 purchase p3\n  supplier sup\n  item ore\n  quantity seven t\n"))
        .unwrap();
    let db = dir.join("bad.db");
    let o = custody(&["import", bad.to_str().unwrap(), "--batch", "1", "--database-url", &url(&db)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("bad.journal:21:12: `seven` is not a number"),
        "the error names its line: {}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("nothing imported"), "{}", stderr(&o));
    // Closing the new database checkpoints its log at once: `PRAGMA journal_mode = WAL` run
    // with `execute` left its row unread and a read transaction open on an idle connection,
    // and the checkpoint waited out the 30 s busy timeout (sqlx then warned of a slow statement).
    assert!(!stderr(&o).contains("wal_checkpoint"), "the checkpoint was blocked: {}", stderr(&o));
    // The kind, found by a hostile test one run in ten: any command refused right after it
    // created the database (here a CSV without --entity) closes it with the log folded in.
    let csv = dir.join("p.csv");
    std::fs::write(&csv, "date,id,supplier,item,quantity,unit\n").unwrap();
    for round in 0..20 {
        let fresh = dir.join(format!("fresh{round}.db"));
        let o = custody(&["import", csv.to_str().unwrap(), "--database-url", &url(&fresh)]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(!stderr(&o).contains("wal_checkpoint"), "round {round}: the checkpoint was blocked: {}", stderr(&o));
        let wal = dir.join(format!("fresh{round}.db-wal"));
        assert_eq!(
            std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0),
            0,
            "round {round}: the log was left with content"
        );
    }
    let none = custody(&["report", "ledger", "--format", "json", "--database-url", &url(&db)]);
    assert!(!stdout(&none).contains("p1"), "nothing of the refused file was written: {}", stdout(&none));
    let good = dir.join("good.journal");
    std::fs::write(&good, SMALL).unwrap();
    let mut ledgers = Vec::new();
    for batch in ["1", "2", "1000"] {
        let u = url(&dir.join(format!("b{batch}.db")));
        let o = custody(&["import", good.to_str().unwrap(), "--batch", batch, "--database-url", &u]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("imported: 6 entries written"), "batch {batch}: {}", stdout(&o));
        let v = custody(&["verify", "--database-url", &u]);
        assert!(v.status.success(), "{}", stderr(&v));
        ledgers.push(stdout(&custody(&["report", "ledger", "--database-url", &u])));
    }
    assert!(ledgers.iter().all(|l| *l == ledgers[0] && l.contains("p2")), "{ledgers:#?}");
}
