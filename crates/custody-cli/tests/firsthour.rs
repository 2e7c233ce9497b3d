//! A new user's first hour (issue 19), end to end through the `custody` binary: keys printed by
//! `serve`, the default period, folders, one rendering over CLI and HTTP, `assess`'s summary,
//! help texts and counts that agree.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn custody(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custody")).args(args).output().expect("the binary runs")
}
fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("custody-firsthour-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
fn url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("c.db").display())
}
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running `custody serve` and the lines it printed up to "curl".
struct Server {
    child: Child,
    lines: Vec<String>,
    addr: String,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_custody"))
            .args(["serve", "--listen", &addr])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 {
                break;
            }
            let done = line.starts_with("curl") || line.contains("custody key create --role admin");
            lines.push(line.trim_end().to_string());
            if done {
                break;
            }
        }
        Server { child, lines, addr }
    }
    fn text(&self) -> String {
        self.lines.join("\n")
    }
    fn key(&self) -> String {
        let line = self.lines.iter().find(|l| l.starts_with("export CUSTODY_KEY=")).expect("an export line");
        line["export CUSTODY_KEY=".len()..].to_string()
    }
    /// GET `path` with the key; the status and the body.
    fn get(&self, path: &str, key: &str) -> (u16, String) {
        get(&self.addr, path, key)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn get(addr: &str, path: &str, key: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { unchunk(body) } else { body.into() };
    (status, body)
}

fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    loop {
        let Some((size, rest)) = body.split_once("\r\n") else { break };
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = &rest[n + 2..];
    }
    out
}

#[test]
fn serve_prints_the_export_line_and_a_working_curl_and_reuses_its_key() {
    let dir = temp_dir("serve-key");
    let db = url(&dir);
    let efi = example("efi-h2-dri-eaf");
    let first = Server::start(&["--load", &efi, "--database-url", &db]);
    let key = first.key();
    assert!(first.text().contains("curl -H \"Authorization: Bearer $CUSTODY_KEY\" http://"), "{}", first.text());
    let curl = first.lines.iter().find(|l| l.starts_with("curl")).unwrap();
    let path = &curl[curl.find("/entities/").unwrap()..];
    assert_eq!(first.get(path, &key).0, 200, "the printed curl works");
    // The secret is kept readable by its owner only.
    let file = dir.join("c.db.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    drop(first);
    let second = Server::start(&["--load", &efi, "--database-url", &db]);
    assert_eq!(second.key(), key, "a restart reuses the key: {}", second.text());
    assert!(second.text().contains("the same key as before"), "{}", second.text());
    drop(second);
    // `key list` shows it, used, and never a secret.
    let o = custody(&["key", "list", "--database-url", &db]);
    assert!(o.status.success(), "{}", stderr(&o));
    let list = stdout(&o);
    assert!(list.contains("verifier") && list.contains("steel-producer") && list.contains("1 keys"), "{list}");
    assert!(!list.contains("never"), "the key was used: {list}");
    assert!(!list.contains(&key) && !list.contains("cst_"), "a secret was listed: {list}");
}

#[test]
fn a_busy_port_fails_before_importing_or_making_a_key() {
    let dir = temp_dir("busy");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let o = custody(&["serve", "--listen", &addr, "--load", &example("efi-h2-dri-eaf"), "--database-url", &url(&dir)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot listen on"), "{}", stderr(&o));
    assert!(!stdout(&o).contains("CUSTODY_KEY") && !stdout(&o).contains("imported"), "{}", stdout(&o));
    assert!(!dir.join("c.db").exists(), "nothing was imported");
}

#[test]
fn an_empty_database_says_how_to_make_an_admin_key() {
    let dir = temp_dir("empty");
    let server = Server::start(&["--database-url", &url(&dir)]);
    assert!(server.text().contains("custody key create --role admin"), "{}", server.text());
}

const TWO_PERIODS: &str = "entity e \"E\"\n  ratios efi\n  gwp ar5\ncounterparty sup \"Supplier\"\n\
    item ore \"Ore\"\n  category raw-material\n  carbon-content 0.01\n\
    period 2025-01 2025-01-01 2025-01-31\nperiod 2025-02 2025-02-01 2025-02-28\n\
    2025-01-02 purchase p1\n  supplier sup\n  item ore\n  quantity 7 t\n  factor 87.8 gCO2/kg\n";

#[test]
fn reports_default_to_the_latest_period_with_activity_and_say_so_over_cli_and_http() {
    let dir = temp_dir("periods");
    let journal = dir.join("e.journal");
    std::fs::write(&journal, format!("{TWO_PERIODS}period 2025-03 2025-03-01 2025-03-31\n")).unwrap();
    let o = custody(&["report", "entity-emissions", journal.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let cli_text = stdout(&o);
    assert!(cli_text.contains("Period 2025-01: the latest period with activity"), "{cli_text}");
    let o = custody(&["report", "entity-emissions", journal.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["period_chosen"]["id"], "2025-01");
    // The same rule, and the same text, over HTTP (?format=text).
    let server = Server::start(&["--load", journal.to_str().unwrap(), "--database-url", &url(&dir)]);
    let (status, http_text) = server.get("/entities/e/reports/entity-emissions?format=text", &server.key());
    assert_eq!(status, 200);
    assert_eq!(http_text, cli_text);
    let (_, json) = server.get("/entities/e/reports/entity-emissions", &server.key());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["period_chosen"]["id"], "2025-01");
}

#[test]
fn every_report_route_takes_format_text_json_csv() {
    let dir = temp_dir("formats");
    let efi = example("efi-h2-dri-eaf");
    let server = Server::start(&["--load", &efi, "--database-url", &url(&dir)]);
    let key = server.key();
    for kind in ["ledger", "balances", "product-intensity", "entity-emissions", "eledger", "carbon-balance"] {
        let cli = stdout(&custody(&["report", kind, &efi, "--format", "csv"]));
        let (status, http) = server.get(&format!("/entities/steel-producer/reports/{kind}?format=csv"), &key);
        assert_eq!(status, 200, "{kind}: {http}");
        assert_eq!(http, cli, "{kind}: CSV differs between CLI and HTTP");
        assert!(http.lines().count() >= 2, "{kind}: a header and rows: {http}");
    }
    let (status, _) = server.get("/entities/steel-producer/reports/ledger?format=xml", &key);
    assert_eq!(status, 400);
    let (status, text) = server.get("/entities/steel-producer/assess?product=steel&format=text", &key);
    assert_eq!(status, 200);
    assert!(text.starts_with("Assessment of steel"), "{text}");
    let cli = stdout(&custody(&["assess", &efi, "--product", "steel"]));
    assert_eq!(text, cli, "assess renders alike over HTTP and CLI");
    assert!(cli.contains("Period 2025-01: the latest period with activity"), "{cli}");
}

#[test]
fn folders_take_journals_and_csv_in_order_and_several_entities_as_several_ledgers() {
    let dir = temp_dir("folders");
    let db = url(&dir);
    let o = custody(&["import", &example("csv-import"), "--database-url", &db]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = custody(&["report", "product-intensity", "--database-url", &db, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(v["products"][0]["sold_t"], serde_json::json!(9500), "the CSV files were imported");
    // The counts import and verify print agree.
    let written: usize = stdout(&o).split("imported: ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let verify = stdout(&custody(&["verify", "--database-url", &db]));
    assert!(verify.contains(&format!("ok, {written} entries")), "import wrote {written}: {verify}");

    let o = custody(&["check", &example("three-tier")]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().filter(|l| l.contains(": ok: ")).count(), 4, "{out}");

    let o = custody(&["check", &example("efi-h2-dri-eaf")]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("skipped") && stderr(&o).contains("README.md"), "{}", stderr(&o));
}

#[test]
fn assess_leads_with_a_summary_and_reads_true() {
    let o = custody(&["assess", &example("efi-h2-dri-eaf"), "--product", "steel"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let summary = text.find("Summary:").expect("a summary");
    let first_reason = text.find("  [").unwrap();
    assert!(summary < first_reason, "{text}");
    assert!(!text.contains("(not applicable)"), "{text}");
    assert!(text.contains("\nNot applicable to this product: ") || !text.contains("not applicable"), "{text}");
    // No threshold line states a false inequality.
    for line in text.lines().filter(|l| l.contains("threshold:")) {
        assert!(line.ends_with(": met") || line.contains(": not met"), "{line}");
        assert!(!(line.contains(" < ") && line.contains("not met")), "{line}");
    }
    let o = custody(&["assess", &example("efi-h2-dri-eaf"), "--product", "stel"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("products sold then: steel"), "{}", stderr(&o));
}

#[test]
fn help_lists_every_report_kind_and_each_subcommand_has_an_example() {
    let top = stdout(&custody(&["--help"]));
    // Every kind the renderer knows, so a new kind cannot go unlisted.
    for kind in custody_report::KINDS {
        assert!(top.contains(kind), "custody --help lacks {kind}: {top}");
    }
    for sub in ["check", "report", "export", "import", "serve", "key", "assess", "reconcile", "verify"] {
        let h = stdout(&custody(&[sub, "--help"]));
        assert!(h.contains("Example:"), "{sub} --help has no example: {h}");
    }
    for sub in [["key", "create"], ["key", "list"], ["key", "revoke"]] {
        let h = stdout(&custody(&[sub[0], sub[1], "--help"]));
        assert!(h.contains("Example:"), "{sub:?} --help has no example: {h}");
    }
}

#[test]
fn a_report_on_a_folder_of_several_entities_names_them_instead_of_mixing_them() {
    let o = custody(&["report", "entity-emissions", &example("three-tier")]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("4 entities") && err.contains("mine (") && err.contains("--entity"), "{err}");
}
