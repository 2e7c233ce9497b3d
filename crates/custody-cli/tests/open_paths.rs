//! One open path for every command that needs an existing database (hostile finding F6:
//! `snapshot` on a mistyped path created the database, and on a 0-byte file wrote the schema and
//! left `-wal`/`-shm`), and `serve` on a read-only database (it exited "attempt to write a
//! readonly database"; an auditor given a read-only copy expects reads served).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn custody(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custody")).args(args).output().expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("custody-open-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every file in `dir` with its length, sorted.
fn listing(dir: &Path) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.metadata().unwrap().len()))
        .collect();
    v.sort();
    v
}

/// Every command that opens a database it did not create: on a missing path and on a 0-byte
/// file each exits non-zero, says there is no database, and leaves the folder as it was.
#[test]
fn commands_on_a_missing_or_empty_database_create_nothing_and_change_nothing() {
    let keys = temp_dir("keys");
    let key = keys.join("k.key");
    let o = custody(&["signing-key", "create", "-o", key.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let key = key.to_str().unwrap();
    let commands: Vec<Vec<&str>> = vec![
        vec!["snapshot"],
        vec!["snapshot", "--entity", "e"],
        vec!["verify"],
        vec!["report", "balances"],
        vec!["report", "balances", "--stream", "--entity", "e"],
        vec!["export", "--entity", "e"],
        vec!["reconcile"],
        vec!["assess", "--entity", "e"],
        vec!["key", "list"],
        vec!["key", "revoke", "key_x"],
        vec!["key", "create", "--role", "member", "--entity", "e"],
        vec!["key", "create", "--role", "verifier", "--grant", "e"],
        vec!["pact", "client", "create", "--entity", "e"],
        vec![
            "pact",
            "peer",
            "add",
            "--entity",
            "e",
            "--customer",
            "c",
            "--url",
            "https://c.invalid",
            "--client-id",
            "i",
            "--client-secret",
            "s",
        ],
        vec!["pact", "peer", "list", "--entity", "e"],
        vec!["pact", "outbox"],
        vec!["pact", "deliveries", "--entity", "e"],
        vec!["pact", "deliver", "--entity", "e", "--signing-key", key, "--source", "https://e.invalid"],
        vec![
            "pact",
            "return",
            "--entity",
            "e",
            "--transfer",
            "s/x/e",
            "--signing-key",
            key,
            "--source",
            "https://e.invalid",
        ],
    ];
    for (case, file, says) in [("missing", "typo.db", "no database at"), ("empty", "empty.db", "no custody database")] {
        let dir = temp_dir(case);
        let path = dir.join(file);
        if case == "empty" {
            std::fs::write(&path, b"").unwrap();
        }
        let before = listing(&dir);
        let url = format!("sqlite://{}", path.display());
        for args in &commands {
            let mut all = args.clone();
            all.extend(["--database-url", &url]);
            let o = custody(&all);
            assert_ne!(o.status.code(), Some(0), "{case}: {args:?}");
            assert!(stderr(&o).contains(says), "{case}: {args:?}: {}", stderr(&o));
            assert!(
                stderr(&o).contains(&path.display().to_string()),
                "{case}: {args:?} names the file: {}",
                stderr(&o)
            );
            assert_eq!(listing(&dir), before, "{case}: {args:?} created or changed a file");
        }
    }
    // The commands that may start a database still do: import, and a first admin key.
    let dir = temp_dir("creators");
    let url = format!("sqlite://{}", dir.join("new.db").display());
    assert!(custody(&["key", "create", "--role", "admin", "--database-url", &url]).status.success());
    let o = custody(&["snapshot", "--database-url", &url]);
    assert_eq!(o.status.code(), Some(1), "a database without entities: nothing to snapshot");
}
