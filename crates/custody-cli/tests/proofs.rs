//! Statements a buyer verifies offline (issue 13 item 5), end to end through the binary: a seller
//! signs a statement and proves an entry; the buyer checks both with only the files and the
//! seller's public key. Every way of bending them is refused with exit 1 and the failure named.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn custody(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custody")).args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("custody-proofs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `verify-statement` on `text` written to a file; (exit code, stdout).
fn verify(dir: &Path, name: &str, text: &str, key: Option<&Path>) -> (i32, String) {
    let f = dir.join(name);
    std::fs::write(&f, text).unwrap();
    let mut args = vec!["verify-statement", s(&f)];
    if let Some(k) = key {
        args.extend(["--public-key", s(k)]);
    }
    let o = custody(&args);
    (o.status.code().unwrap(), stdout(&o))
}

#[test]
fn a_signed_statement_and_an_inclusion_proof_verify_offline_and_nothing_bent_does() {
    let dir = temp_dir("sign");
    let db = format!("sqlite://{}", s(&dir.join("c.db")));
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/efi-h2-dri-eaf");
    assert!(custody(&["import", s(&example), "--database-url", &db]).status.success());
    let (key, other) = (dir.join("seller.key"), dir.join("other.key"));
    for k in [&key, &other] {
        let o = custody(&["signing-key", "create", "-o", s(k)]);
        assert!(o.status.success(), "{o:?}");
    }
    // A key is never overwritten, and is readable by its owner only.
    assert!(!custody(&["signing-key", "create", "-o", s(&key)]).status.success());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let (public, other_public) = (dir.join("seller.key.pub"), dir.join("other.key.pub"));

    let o = custody(&["report", "entity-emissions", "--sign", s(&key), "--database-url", &db]);
    assert!(o.status.success(), "{o:?}");
    let statement = stdout(&o);
    let n = serde_json::from_str::<serde_json::Value>(&statement).unwrap()["head"]["tree_size"].as_u64().unwrap();
    assert!(n > 30, "the whole EFI journal is signed: {n} entries");
    let (rc, out) = verify(&dir, "st.json", &statement, Some(&public));
    assert_eq!(rc, 0, "{out}");
    let named = format!("journal of {n} entries");
    assert!(out.contains("report entity-emissions of steel-producer") && out.contains(&named), "{out}");
    // `-o FILE` writes the same signed statement to the file, nothing to stdout.
    let file = dir.join("signed-o.json");
    let o = custody(&["report", "entity-emissions", "--sign", s(&key), "-o", s(&file), "--database-url", &db]);
    assert!(o.status.success() && stdout(&o).is_empty(), "{o:?}");
    let written = std::fs::read_to_string(&file).unwrap();
    let body = |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap()["document"].clone();
    assert_eq!(body(&written), body(&statement));
    // Without a key the file's own is used, and the output says who is not yet authenticated.
    let (rc, out) = verify(&dir, "st.json", &statement, None);
    assert_eq!(rc, 0);
    assert!(out.contains("pass --public-key"), "{out}");

    // Bent statements: a figure, the head, the signature, the signer.
    let cases = [
        ("figure", statement.replacen("\"tCO2\": 82682.28", "\"tCO2\": 8268.228", 1), "V005"),
        ("size", statement.replacen(&format!("\"tree_size\": {n}"), &format!("\"tree_size\": {}", n - 1), 1), "V003"),
        ("kind", statement.replacen("\"kind\": \"report entity-emissions\"", "\"kind\": \"report ledger\"", 1), "V004"),
    ];
    for (what, text, code) in cases {
        assert_ne!(text, statement, "{what}: the test bends something");
        let (rc, out) = verify(&dir, "bent.json", &text, Some(&public));
        assert_eq!(rc, 1, "{what}: {out}");
        assert!(out.contains(code), "{what}: {out}");
    }
    let (rc, out) = verify(&dir, "st.json", &statement, Some(&other_public));
    assert_eq!((rc, out.contains("V002")), (1, true), "{out}");
    let (rc, out) = verify(&dir, "x.json", "{\"format\": \"something\"}", None);
    assert_eq!((rc, out.contains("V001")), (1, true), "{out}");

    // An entry's inclusion proof, by operation id and by sequence number.
    for entry in ["sales".to_string(), "#1".to_string(), format!("#{n}")] {
        let entry = entry.as_str();
        let o = custody(&["proof", entry, "--signing-key", s(&key), "--database-url", &db]);
        assert!(o.status.success(), "{entry}: {o:?}");
        let proof = stdout(&o);
        let (rc, out) = verify(&dir, "p.json", &proof, Some(&public));
        assert_eq!(rc, 0, "{entry}: {out}");
        // The entry's text bent: its chain hash no longer matches.
        let v: serde_json::Value = serde_json::from_str(&proof).unwrap();
        let mut bent = v.clone();
        bent["text"] = format!("{}  # edited\n", v["text"].as_str().unwrap()).into();
        let (rc, out) = verify(&dir, "p.json", &bent.to_string(), Some(&public));
        assert_eq!((rc, out.contains("V006")), (1, true), "{out}");
        // Another position in the tree: not included.
        let mut moved = v.clone();
        moved["leaf_index"] = ((v["leaf_index"].as_u64().unwrap() + 1) % n).into();
        moved["seq"] = (moved["leaf_index"].as_u64().unwrap() + 1).into();
        let (rc, out) = verify(&dir, "p.json", &moved.to_string(), Some(&public));
        assert_eq!((rc, out.contains("V007")), (1, true), "{out}");
    }
    // Found by a breaker: a key given twice (parsers disagree which counts), a proof whose entry
    // number or operation does not match its leaf, a line moved between text and tx_text.
    let dup = statement.replacen(
        "\"format\": \"custody-signed-v1\",",
        "\"format\": \"custody-signed-v1\", \"document\": {\"fake\": 1},",
        1,
    );
    let (rc, out) = verify(&dir, "dup.json", &dup, Some(&public));
    assert_eq!((rc, out.contains("V001") && out.contains("twice")), (1, true), "{out}");
    let o = custody(&["proof", "sales", "--signing-key", s(&key), "--database-url", &db]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut renumbered = v.clone();
    renumbered["seq"] = 3.into();
    let mut renamed = v.clone();
    renamed["op_id"] = "buy-green".into();
    let mut moved = v.clone();
    let tx = v["tx_text"].as_str().unwrap();
    let (first, rest) = tx.split_once('\n').unwrap();
    moved["text"] = format!("{}{first}\n", v["text"].as_str().unwrap()).into();
    moved["tx_text"] = rest.into();
    for (what, bent) in [("seq", renumbered), ("op_id", renamed), ("boundary", moved)] {
        let (rc, out) = verify(&dir, "p.json", &bent.to_string(), Some(&public));
        assert_eq!(rc, 1, "{what}: {out}");
    }
    // Keys: an empty --public-key is an error, a secret key is never echoed, a .pub never overwritten.
    let o = custody(&["verify-statement", s(&dir.join("st.json")), "--public-key", ""]);
    assert_eq!(o.status.code(), Some(2));
    let (rc, out) = verify(&dir, "st.json", &statement, Some(&key));
    let secret = std::fs::read_to_string(&key).unwrap();
    assert!(rc == 1 && !out.contains(secret.split_whitespace().nth(1).unwrap()), "{out}");
    std::fs::remove_file(&key).unwrap();
    assert!(!custody(&["signing-key", "create", "-o", s(&key)]).status.success(), "seller.key.pub is kept");
    let o = custody(&["proof", "no-such-op", "--signing-key", s(&other), "--database-url", &db]);
    assert_eq!(o.status.code(), Some(1));
    // Signing needs the stored journal: files alone have no signed head.
    let o = custody(&["report", "entity-emissions", s(&example), "--sign", s(&key)]);
    assert!(!o.status.success());
}
