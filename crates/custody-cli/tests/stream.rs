//! `custody report balances --stream` through the binary: byte for byte the output of the
//! command without `--stream` (text, JSON, CSV; default period, each period, a year, an
//! undefined period), on the EFI example, on a database of three entities, and on a generated
//! journal with monthly periods, closes and reversals long enough for `import` to leave a
//! snapshot (which the loaded path starts from and the stream does not use: a damaged snapshot
//! shows which path read it). What `--stream` does not do is refused, naming the flag.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn custody(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custody")).args(args).output().expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("custody-stream-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn example(path: &str) -> String {
    format!("{}/../../examples/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn import(path: &str, db: &str) {
    let o = custody(&["import", path, "--database-url", db]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// Runs `report balances ARGS` with and without `--stream`; both must agree on stdout and exit
/// code. Answers stdout.
fn same(db: &str, args: &[&str]) -> String {
    let mut plain = vec!["report", "balances", "--database-url", db];
    plain.extend_from_slice(args);
    let mut streamed = plain.clone();
    streamed.push("--stream");
    let (a, b) = (custody(&plain), custody(&streamed));
    assert_eq!(a.status.code(), b.status.code(), "{args:?}: {} / {}", text(&a.stderr), text(&b.stderr));
    assert_eq!(text(&a.stdout), text(&b.stdout), "{args:?}");
    if !a.status.success() {
        assert_eq!(text(&a.stderr), text(&b.stderr), "{args:?}: the same error");
    }
    text(&a.stdout)
}

/// A journal over the first `days` days of 2025 with monthly periods (closed as the next month
/// starts), daily purchases, consumption and emissions, and every fifth day's extra purchase
/// reversed.
fn generated(dir: &Path, days: u32) -> PathBuf {
    let mut j = String::from(
        "entity gen \"Generated\"\n  ratios efi\n  gwp ar6\ncounterparty sup \"Supplier\"\n\
         item ore \"Ore\"\n  category raw-material\n  carbon-content 0.01\n",
    );
    let lens = [31u32, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for (m, len) in lens.iter().enumerate() {
        j += &format!("period m{:02} 2025-{:02}-01 2025-{:02}-{len}\n", m + 1, m + 1, m + 1);
    }
    j += "2025-01-01 opening open-ore\n  item ore\n  quantity 1000 t\n  factor 87.8 gCO2/kg\n";
    let (mut m, mut day) = (1usize, 1u32);
    for d in 0..days {
        if day > lens[m - 1] {
            j += &format!("close m{m:02}\n");
            (m, day) = (m + 1, 1);
        }
        let at = format!("2025-{m:02}-{day:02}");
        j += &format!("{at} purchase ore-{d}\n  supplier sup\n  item ore\n  quantity 100 t\n  factor 87.8 gCO2/kg\n");
        j += &format!("{at} consume use-{d}\n  use ore 80 t\n{at} emit emit-{d}\n  emission 1 tCO2\n");
        if d % 5 == 0 {
            j += &format!("{at} purchase x-{d}\n  supplier sup\n  item ore\n  quantity 7 t\n  factor 50 gCO2/kg\n");
            j += &format!("{at} reverse r-{d}\n  of x-{d}\n");
        }
        day += 1;
    }
    let path = dir.join("gen.journal");
    std::fs::write(&path, j).unwrap();
    path
}

fn sql(db: &str, statement: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = custody_store::SqlStore::connect(db).await.unwrap();
        store.execute_raw(statement).await.unwrap();
        store.close().await;
    });
}

fn has_snapshot(db: &str, entity: &str) -> bool {
    use custody_store::Store;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = custody_store::SqlStore::connect(db).await.unwrap();
        let snap = store.snapshot(entity).await.unwrap();
        store.close().await;
        snap.is_some()
    })
}

#[test]
fn streamed_balances_are_the_loaded_ledgers_byte_for_byte() {
    let dir = temp_dir("same");
    let db = format!("sqlite://{}", dir.join("efi.db").display());
    import(&example("efi-h2-dri-eaf/efi.journal"), &db);
    for args in [
        &[][..],
        &["--format", "json"],
        &["--format", "csv"],
        &["--period", "2025-01"],
        &["--period", "2025-01", "--format", "json"],
        &["--year", "2025"],
        &["--year", "2025", "--format", "json"],
    ] {
        let out = same(&db, args);
        assert!(
            out.contains("Stocks equal the flows") || out.contains("\"balanced\": true") || args.contains(&"csv"),
            "{out}"
        );
    }
    assert_eq!(same(&db, &["--period", "2031-07"]), "", "an undefined period is the same error");
    assert_eq!(same(&db, &["--year", "1999"]), "");

    // Three entities in one database: --entity picks one, and none is refused alike.
    let three = format!("sqlite://{}", dir.join("three.db").display());
    import(&example("three-tier"), &three);
    for e in ["mine", "mill", "transition-steel", "transformer-co"] {
        assert!(!same(&three, &["--entity", e]).is_empty(), "{e}");
    }
    same(&three, &[]);

    // Some 1,150 entries: import ends with a snapshot, which the loaded path starts from.
    let gen = generated(&dir, 330);
    let g = format!("sqlite://{}", dir.join("gen.db").display());
    import(gen.to_str().unwrap(), &g);
    assert!(has_snapshot(&g, "gen"), "import left a snapshot");
    let chosen = same(&g, &[]);
    assert!(chosen.contains("Period m11: the latest period with activity"), "{chosen}");
    for p in ["m01", "m03", "m11", "m12"] {
        same(&g, &["--period", p]);
        same(&g, &["--period", p, "--format", "json"]);
    }
    same(&g, &["--year", "2025", "--format", "csv"]);

    // The stream does not load the ledger: a snapshot that does not check out makes the loaded
    // path say so (and replay), while the stream reads nothing of it; the statements agree.
    sql(&g, "UPDATE snapshots SET digest = 'not-the-digest'");
    let args = ["report", "balances", "--database-url", g.as_str(), "--period", "m05"];
    let (plain, streamed) = (custody(&args), custody(&[&args[..], &["--stream"]].concat()));
    assert!(text(&plain.stderr).contains("snapshot passed over"), "{}", text(&plain.stderr));
    assert!(!text(&streamed.stderr).contains("snapshot"), "{}", text(&streamed.stderr));
    assert_eq!(text(&plain.stdout), text(&streamed.stdout));
    assert!(text(&streamed.stdout).contains("Period m05"), "{}", text(&streamed.stdout));
}

#[test]
fn what_stream_does_not_do_is_refused_by_name() {
    let dir = temp_dir("refused");
    let db = format!("sqlite://{}", dir.join("efi.db").display());
    import(&example("efi-h2-dri-eaf/efi.journal"), &db);
    let efi = example("efi-h2-dri-eaf/efi.journal");
    for args in [
        vec!["report", "ledger", "--stream", "--database-url", &db],
        vec!["report", "balances", &efi, "--stream"],
        vec!["report", "balances", "--stream", "--view", "claimed", "--database-url", &db],
        vec!["report", "balances", "--stream", "--sign", "k.key", "--period", "2025-01", "--database-url", &db],
    ] {
        let o = custody(&args);
        assert!(!o.status.success(), "{args:?}");
        assert!(text(&o.stderr).contains("--stream"), "{args:?}: {}", text(&o.stderr));
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}

/// The stream reads stored transaction texts, not a replay: one altered to post to an account the
/// chart does not hold is an error naming the account and `custody verify`, never a panic.
#[test]
fn a_stored_text_naming_an_unknown_account_is_an_error() {
    let dir = temp_dir("unknown-account");
    let db = format!("sqlite://{}", dir.join("efi.db").display());
    import(&example("efi-h2-dri-eaf/efi.journal"), &db);
    sql(
        &db,
        "UPDATE entries SET tx_body = replace(tx_body, 'in.content', 'no.such') \
         WHERE seq = (SELECT MIN(seq) FROM entries WHERE tx_body LIKE '%in.content%')",
    );
    let o = custody(&["report", "balances", "--stream", "--period", "2025-01", "--database-url", &db]);
    let err = text(&o.stderr);
    assert!(!o.status.success() && o.stdout.is_empty(), "{err}");
    assert!(err.contains("`no.such`") && err.contains("custody verify") && !err.contains("panicked"), "{err}");
    let v = custody(&["verify", "--database-url", &db]);
    assert!(!v.status.success(), "verify names the altered entry: {}", text(&v.stdout));
}
