//! A `custody serve --tls-self-signed` process for tests: its certificate written to a file (for
//! `--ca-cert`/`--pact-ca-cert`), stopped when dropped (or when the test process exits: the
//! parent shell waits on our end of its stdin).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct Server {
    /// `https://127.0.0.1:PORT`
    pub base: String,
    /// The server's certificate (PEM).
    #[allow(dead_code)]
    pub cert: PathBuf,
    child: Child,
}

pub fn custody(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_custody")).args(args).output().expect("the binary runs")
}

/// Runs `custody ARGS`, asserts success, returns stdout.
pub fn ok(args: &[&str]) -> String {
    let o = custody(args);
    assert!(
        o.status.success(),
        "custody {args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

impl Server {
    pub fn start(dir: &Path, name: &str, db: &str, extra: &[&str]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cert = dir.join(format!("{name}-{port}.pem"));
        let extra: Vec<String> = extra.iter().map(|a| format!("'{a}'")).collect();
        let script = format!(
            "'{}' serve --listen 127.0.0.1:{port} --tls-self-signed --tls-cert-out '{}' --database-url '{db}' {} \
             2>>'{}' & pid=$!; read _; kill $pid; wait $pid",
            env!("CARGO_BIN_EXE_custody"),
            cert.display(),
            extra.join(" "),
            dir.join(format!("{name}.log")).display(),
        );
        let mut child =
            Command::new("sh").args(["-c", &script]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        loop {
            let mut line = String::new();
            assert!(reader.read_line(&mut line).unwrap() > 0, "serve {name} stopped before the PACT line");
            if line.starts_with("PACT v3 host:") {
                break;
            }
        }
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        Server { base: format!("https://127.0.0.1:{port}"), cert, child }
    }

    /// Stops the server and waits until it has exited (the database is closed).
    pub fn stop(mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// PACT client credentials of `entity`; with `peer`, bound to that counterpart (only then may
/// they deliver transfers or returns, as that counterpart only).
#[allow(dead_code)]
pub fn client(db: &str, entity: &str, peer: Option<&str>) -> (String, String) {
    let mut args = vec!["pact", "client", "create", "--entity", entity, "--format", "json", "--database-url", db];
    if let Some(p) = peer {
        args.extend(["--peer", p]);
    }
    let c: serde_json::Value = serde_json::from_str(&ok(&args)).unwrap();
    assert_eq!(c["peer"].as_str(), peer, "{c}");
    (c["client_id"].as_str().unwrap().into(), c["client_secret"].as_str().unwrap().into())
}

/// A client that trusts the test servers' self-signed certificates.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap()
}

/// A bearer token from `{base}/auth/token` for the client credentials `(id, secret)`.
pub async fn token(base: &str, (id, secret): &(String, String)) -> String {
    let r = http()
        .post(format!("{base}/auth/token"))
        .basic_auth(id, Some(secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    r.json::<serde_json::Value>().await.unwrap()["access_token"].as_str().unwrap().to_string()
}

/// `GET {base}{path}` with `token`: the status and the JSON body (null when none).
#[allow(dead_code)]
pub async fn get(base: &str, path: &str, token: &str) -> (u16, serde_json::Value) {
    let r = http().get(format!("{base}{path}")).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(serde_json::Value::Null))
}

/// POSTs a CloudEvent to `{base}/3/events` with `token`: the status and the JSON body.
#[allow(dead_code)]
pub async fn post_event(base: &str, token: &str, event: &serde_json::Value) -> (u16, serde_json::Value) {
    let r = http()
        .post(format!("{base}/3/events"))
        .bearer_auth(token)
        .header("content-type", "application/cloudevents+json")
        .body(event.to_string())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(serde_json::Value::Null))
}
