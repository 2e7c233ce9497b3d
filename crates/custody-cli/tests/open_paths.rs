//! One open path for every command that needs an existing database (hostile finding F6:
//! `snapshot` on a mistyped path created the database, and on a 0-byte file wrote the schema and
//! left `-wal`/`-shm`), and `serve` on a read-only database (it exited "attempt to write a
//! readonly database"; an auditor given a read-only copy expects reads served).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

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

const SMALL: &str = "entity e \"E\"\n  ratios efi\n  gwp ar5\ncounterparty sup \"Supplier\"\n\
    item ore \"Ore\"\n  category raw-material\n  carbon-content 0.01\nperiod 2025 2025-01-01 2025-12-31\n\
    2025-01-02 purchase p1\n  supplier sup\n  item ore\n  quantity 7 t\n  factor 87.8 gCO2/kg\n";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One HTTP request; the status and the body.
fn http(addr: &str, method: &str, path: &str, key: &str, body: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, resp.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default())
}

/// `custody serve` on `url`; as user `nobody` (through setpriv) when `nobody`.
fn serve(url: &str, nobody: bool) -> (Child, String) {
    let addr = format!("127.0.0.1:{}", free_port());
    let mut cmd = match nobody {
        true => {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_custody")]);
            c
        }
        false => Command::new(env!("CARGO_BIN_EXE_custody")),
    };
    let child = cmd
        .args(["serve", "--listen", &addr, "--database-url", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    (child, addr)
}

/// Waits for the server to answer; panics with its output when it exited instead.
fn wait_up(child: &mut Child, addr: &str) {
    let start = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            panic!("serve exited {status}: {err}");
        }
        assert!(start.elapsed() < Duration::from_secs(30), "serve did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `serve` on a database it may not write serves reads and refuses writes with 503 `read_only`
/// naming the file, and changes no byte of it. Root ignores file modes, so besides chmod 0444 on
/// the file and 0555 on its folder (read-only for any other user: as root the server also runs as
/// `nobody` through setpriv, when there is one) the URL's `mode=ro` makes it read-only for root.
#[test]
fn serve_on_a_read_only_database_serves_reads_and_refuses_writes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("ro-serve");
    let journal = dir.join("small.journal");
    std::fs::write(&journal, SMALL).unwrap();
    let db_dir = dir.join("db");
    std::fs::create_dir_all(&db_dir).unwrap();
    let db = db_dir.join("ro.db");
    let url = format!("sqlite://{}", db.display());
    assert!(custody(&["import", journal.to_str().unwrap(), "--database-url", &url]).status.success());
    let secret = |args: &[&str]| {
        let mut all = vec!["key", "create"];
        all.extend(args);
        all.extend(["--database-url", &url]);
        let o = custody(&all);
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).split_whitespace().nth(1).unwrap().to_string()
    };
    let (verifier, member) =
        (secret(&["--role", "verifier", "--grant", "e"]), secret(&["--role", "member", "--entity", "e"]));
    let want = custody(&["report", "balances", "--format", "json", "--database-url", &url]);
    assert!(want.status.success());
    let want: serde_json::Value = serde_json::from_slice(&want.stdout).unwrap();

    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&db_dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(true);
    if root {
        eprintln!("running as root, which ignores file modes: the read-only copy is opened with ?mode=ro");
    }
    let setpriv = Command::new("setpriv").arg("--version").output().is_ok_and(|o| o.status.success());
    let mut urls = vec![(format!("{url}?mode=ro"), false)];
    match (root, setpriv) {
        (false, _) => urls.push((url.clone(), false)),
        (true, true) => urls.push((url.clone(), true)),
        (true, false) => eprintln!("no setpriv: the chmod 0444/0555 case is not run as another user"),
    }
    let before = std::fs::read(&db).unwrap();
    let files = listing(&db_dir);
    for (u, nobody) in &urls {
        let (mut child, addr) = serve(u, *nobody);
        wait_up(&mut child, &addr);
        let (s, body) = http(&addr, "GET", "/entities/e/reports/balances", &verifier, "");
        assert_eq!(s, 200, "{u}: {body}");
        let got: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(got["stocks_total_tC"], want["stocks_total_tC"], "{u}");
        assert_eq!(http(&addr, "GET", "/entities/e/verify", &verifier, "").0, 200, "{u}");
        let buy = "2025-01-05 purchase p2\n  supplier sup\n  item ore\n  quantity 1 t\n  factor 87.8 gCO2/kg\n";
        let (s, body) = http(&addr, "POST", "/entities/e/journal", &member, buy);
        assert_eq!(s, 503, "{u}: {body}");
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["code"], "read_only", "{body}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(&db.display().to_string()) && detail.contains("read-only"), "{detail}");
        unsafe_kill(&child);
        let status = child.wait().unwrap();
        let mut out = String::new();
        child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        assert!(out.contains("read-only:") && out.contains(&db.display().to_string()), "{out}");
        assert!(status.success() || status.code().is_none(), "{status}");
        if *nobody {
            continue;
        }
        // --load writes: refused at start, naming the file.
        let o =
            custody(&["serve", "--listen", "127.0.0.1:0", "--load", journal.to_str().unwrap(), "--database-url", u]);
        assert_ne!(o.status.code(), Some(0));
        assert!(stderr(&o).contains("read-only") && stderr(&o).contains(&db.display().to_string()), "{}", stderr(&o));
    }
    assert!(std::fs::read(&db).unwrap() == before, "the read-only database was changed");
    eprintln!("beside the database before serve: {files:?}, after: {:?}", listing(&db_dir));
    assert_eq!(listing(&db_dir), files, "files created or changed beside the database");
    std::fs::set_permissions(&db_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// SIGTERM (serve stops gracefully on it).
fn unsafe_kill(child: &Child) {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
}
