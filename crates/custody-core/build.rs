//! The snapshot fingerprint: a digest of the sources that decide what replaying a journal
//! produces (this crate's `src` and custody-journal's `src`), so that a ledger snapshot written by
//! one build is never read by a build whose rules or state differ (`ledger/snapshot.rs`).

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let roots = [manifest.join("src"), manifest.join("../custody-journal/src")];
    let mut all = Vec::new();
    for r in &roots {
        println!("cargo:rerun-if-changed={}", r.display());
        files(r, &mut all);
    }
    all.sort();
    // FNV-1a, 64 bits, over each file's path (relative to its root) and bytes.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for f in &all {
        let rel = roots.iter().find_map(|r| f.strip_prefix(r).ok()).unwrap_or(f);
        feed(rel.to_string_lossy().as_bytes());
        feed(&[0]);
        feed(&std::fs::read(f).unwrap_or_default());
        feed(&[0]);
    }
    println!("cargo:rustc-env=CUSTODY_SNAPSHOT_SOURCES={h:016x}");
}
