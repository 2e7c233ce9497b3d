//! Walks docs/quickstart.md on a fresh directory: writes the files it shows, runs every command
//! it quotes (`custody ...` with this build's binary; `serve` in the background on a free port;
//! `curl` as the same GET), and checks every output line it quotes.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// Expected lines match actual lines: `...` alone is any lines; a line ending in `...` matches by prefix.
fn matches(expected: &[String], actual: &[String]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((e, rest)) if e == "..." => (0..=actual.len()).any(|i| matches(rest, &actual[i..])),
        Some((e, rest)) => actual.split_first().is_some_and(|(a, more)| {
            let ok = match e.strip_suffix("...") {
                Some(prefix) => a.starts_with(prefix),
                None => a == e,
            };
            ok && matches(rest, more)
        }),
    }
}

fn get(addr: &str, path: &str, key: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, mut body) = raw.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{path}: {head}");
    if !head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        return body.to_string();
    }
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
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
fn the_quickstart_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/quickstart.md")).unwrap();
    let dir = std::env::temp_dir().join(format!("custody-quickstart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.join("examples").canonicalize().unwrap(), dir.join("examples")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let fix = |s: &str| s.replace("127.0.0.1:8080", &addr);

    let mut server: Option<std::process::Child> = None;
    let mut key = String::new();
    let (mut ran, mut lines) = (0, doc.lines());
    while let Some(line) = lines.next() {
        if let Some(file) = line.strip_prefix("```text file=") {
            let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body.join("\n") + "\n").unwrap();
            continue;
        }
        if line != "```console" {
            continue;
        }
        let block: Vec<String> = lines.by_ref().take_while(|l| *l != "```").map(fix).collect();
        let mut i = 0;
        while i < block.len() {
            let command = block[i].strip_prefix("$ ").expect("a console block starts with a command").to_string();
            let expected: Vec<String> = block[i + 1..].iter().take_while(|l| !l.starts_with("$ ")).cloned().collect();
            i += 1 + expected.len();
            ran += 1;
            let actual: Vec<String> = if let Some(args) = command.strip_prefix("custody serve ") {
                let args = args.strip_suffix(" &").unwrap_or(args);
                let mut child = Command::new(env!("CARGO_BIN_EXE_custody"))
                    .arg("serve")
                    .args(args.split_whitespace())
                    .args(["--listen", &addr])
                    .current_dir(&dir)
                    .env_remove("CUSTODY_DATABASE_URL")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                let mut out = Vec::new();
                let mut reader = BufReader::new(child.stdout.take().unwrap());
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l).unwrap() == 0 {
                        break;
                    }
                    let l = l.trim_end().to_string();
                    if let Some(k) = l.strip_prefix("export CUSTODY_KEY=") {
                        key = k.to_string();
                    }
                    let done = l.starts_with("curl");
                    out.push(l);
                    if done {
                        break;
                    }
                }
                server = Some(child);
                out
            } else if let Some(rest) = command.strip_prefix("curl -H \"Authorization: Bearer $CUSTODY_KEY\" ") {
                let url = rest.trim_matches('"');
                let path = &url[url.find(&addr).expect("the server's address") + addr.len()..];
                get(&addr, path, &key).lines().map(str::to_string).collect()
            } else if let Some(args) = command.strip_prefix("custody ") {
                let o = Command::new(env!("CARGO_BIN_EXE_custody"))
                    .args(args.split_whitespace())
                    .current_dir(&dir)
                    .env_remove("CUSTODY_DATABASE_URL")
                    .output()
                    .unwrap();
                assert!(o.status.success(), "{command}: {}", String::from_utf8_lossy(&o.stderr));
                String::from_utf8_lossy(&o.stdout).lines().map(str::to_string).collect()
            } else {
                panic!("the quickstart quotes a command this test cannot run: {command}");
            };
            assert!(
                matches(&expected, &actual),
                "`{command}` printed:\n{}\n\nthe quickstart quotes:\n{}",
                actual.join("\n"),
                expected.join("\n")
            );
        }
    }
    if let Some(mut s) = server {
        let _ = s.kill();
        let _ = s.wait();
    }
    assert!(ran >= 8, "only {ran} commands found in the quickstart");
}
