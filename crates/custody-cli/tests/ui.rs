//! The web interface end to end in a real browser (issue 11, `docs/ui.md`): starts the `custody`
//! binary twice (`serve --load examples/efi-h2-dri-eaf` and `--load examples/three-tier`, each on a
//! free port with a temporary SQLite database), makes member keys for the three-tier mine and mill,
//! and runs `ui-tests/` (node's test runner, playwright-core driving Debian's `/usr/bin/chromium`).
//! Screenshots go to `target/ui-screenshots/` (or `$CUSTODY_UI_SCREENSHOTS`).
//!
//! Needs `node`, a browser (`$CUSTODY_CHROMIUM`, default `/usr/bin/chromium`) and
//! `ui-tests/node_modules` (`npm ci` in `ui-tests`). Without them the test prints a visible SKIPPED
//! line and passes, unless `CUSTODY_REQUIRE_BROWSER=1` (which `.ci/run` sets): then it fails.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running `custody serve --load DIR` on a temporary database.
struct Server {
    child: Child,
    base: String,
    key: String,
    db: String,
}

impl Server {
    fn start(dir: &Path, example: &str) -> Server {
        let db = format!("sqlite://{}", dir.join(format!("{example}.db")).display());
        let addr = format!("127.0.0.1:{}", free_port());
        let mut child = Command::new(env!("CARGO_BIN_EXE_custody"))
            .args(["serve", "--listen", &addr, "--database-url", &db, "--load"])
            .arg(root().join("examples").join(example))
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("custody serve starts");
        let mut key = None;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(k) = line.strip_prefix("export CUSTODY_KEY=") {
                key = Some(k.to_string());
                break;
            }
        }
        // Keep reading: a server whose stdout is closed dies on its next line.
        std::thread::spawn(move || lines.for_each(drop));
        let key = key.unwrap_or_else(|| panic!("serve --load {example} printed no key"));
        Server { child, base: format!("http://{addr}"), key, db }
    }

    /// `custody key create --role member --entity ENTITY` on this server's database: the secret.
    fn member_key(&self, entity: &str) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_custody"))
            .args(["key", "create", "--role", "member", "--entity", entity, "--database-url", &self.db])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.split_whitespace().find(|w| w.starts_with("cst_")).unwrap_or_else(|| panic!("no secret in {text}")).into()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Why the browser tests cannot run here, if they cannot.
fn missing(chromium: &Path, tests: &Path) -> Option<String> {
    if Command::new("node").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        return Some("node is not installed (apt-get install nodejs npm)".into());
    }
    if !chromium.exists() {
        return Some(format!("no browser at {} (apt-get install chromium)", chromium.display()));
    }
    if !tests.join("node_modules/playwright-core").exists() {
        return Some(format!("{}/node_modules is missing (run `npm ci` there)", tests.display()));
    }
    None
}

#[test]
fn the_web_interface_works_in_a_real_browser() {
    let tests = root().join("ui-tests");
    let chromium = PathBuf::from(std::env::var("CUSTODY_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    if let Some(why) = missing(&chromium, &tests) {
        if std::env::var("CUSTODY_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("CUSTODY_REQUIRE_BROWSER=1 but the browser tests cannot run: {why}");
        }
        // Written to the stream itself, not through eprintln!, which the test harness captures.
        let _ = writeln!(std::io::stderr(), "SKIPPED the_web_interface_works_in_a_real_browser: {why}");
        return;
    }
    let dir = std::env::temp_dir().join(format!("custody-ui-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let efi = Server::start(&dir, "efi-h2-dri-eaf");
    let tt = Server::start(&dir, "three-tier");
    let shots = std::env::var("CUSTODY_UI_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target/ui-screenshots"));
    let status = Command::new("node")
        .args(["--test", "--test-concurrency=1", "."])
        .current_dir(&tests)
        .env("CUSTODY_CHROMIUM", &chromium)
        .env("CUSTODY_UI_EFI", &efi.base)
        .env("CUSTODY_UI_EFI_KEY", &efi.key)
        .env("CUSTODY_UI_TT", &tt.base)
        .env("CUSTODY_UI_TT_KEY", &tt.key)
        .env("CUSTODY_UI_MINE_KEY", tt.member_key("mine"))
        .env("CUSTODY_UI_MILL_KEY", tt.member_key("mill"))
        .env("CUSTODY_UI_SHOTS", &shots)
        .status()
        .expect("node runs");
    drop((efi, tt));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(status.success(), "the browser tests failed (output above); screenshots in {}", shots.display());
    eprintln!("browser tests passed; screenshots in {}", shots.display());
}
