//! The layout rules of ARCHITECTURE.md, checked on every test run: no source file under
//! `crates/*/src` longer than 600 lines, and no import circle between the files of a crate
//! (a module that uses another never is used back by it, directly or through others).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// A file's module path inside its crate: `ledger/mod.rs` and `ledger.rs` are both `ledger`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// Paths written in code (`crate::a::b`, `super::c`), outside comments and test modules.
fn references(text: &str) -> Vec<Vec<String>> {
    let code: String = text
        .lines()
        .take_while(|l| !l.starts_with("#[cfg(test)]"))
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            from = at + start.len();
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            let path: String =
                code[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':').collect();
            out.push(path.split("::").filter(|s| !s.is_empty()).map(str::to_string).collect());
        }
    }
    out
}

#[test]
fn no_source_file_is_longer_than_600_lines() {
    let mut files = Vec::new();
    for c in std::fs::read_dir(workspace().join("crates")).unwrap() {
        sources(&c.unwrap().path().join("src"), &mut files);
    }
    assert!(files.len() > 50, "the walk found {} files", files.len());
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > MAX_LINES).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these by concern: {long:?}");
}

#[test]
fn no_import_circle_between_the_files_of_a_crate() {
    for c in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let src = c.unwrap().path().join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        let modules: BTreeMap<Vec<String>, PathBuf> = files.iter().map(|f| (module_of(&src, f), f.clone())).collect();
        let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
        for (m, f) in &modules {
            let is_dir_root = f.file_name().is_some_and(|n| n == "mod.rs" || n == "lib.rs" || n == "main.rs");
            for r in references(&std::fs::read_to_string(f).unwrap()) {
                let mut base: Vec<String> = match r[0].as_str() {
                    "crate" => vec![],
                    _ if is_dir_root => m[..m.len().saturating_sub(1)].to_vec(),
                    _ => m[..m.len().saturating_sub(1)].to_vec(),
                };
                let mut target = None;
                for part in &r[1..] {
                    base.push(part.clone());
                    if modules.contains_key(&base) {
                        target = Some(base.clone());
                    }
                }
                // A module using its own parent (its mod.rs re-exports) is not an edge.
                if let Some(t) = target.filter(|t| t != m && !m.starts_with(t)) {
                    edges.entry(m.clone()).or_default().insert(t);
                }
            }
        }
        // Depth-first search for a back edge.
        fn visit(
            m: &Vec<String>,
            edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
            state: &mut BTreeMap<Vec<String>, u8>,
            stack: &mut Vec<Vec<String>>,
        ) -> Option<Vec<Vec<String>>> {
            state.insert(m.clone(), 1);
            stack.push(m.clone());
            for n in edges.get(m).into_iter().flatten() {
                match state.get(n) {
                    Some(1) => {
                        let at = stack.iter().position(|x| x == n).unwrap();
                        let mut cycle = stack[at..].to_vec();
                        cycle.push(n.clone());
                        return Some(cycle);
                    }
                    Some(_) => {}
                    None => {
                        if let Some(c) = visit(n, edges, state, stack) {
                            return Some(c);
                        }
                    }
                }
            }
            stack.pop();
            state.insert(m.clone(), 2);
            None
        }
        let mut state = BTreeMap::new();
        for m in modules.keys() {
            if !state.contains_key(m) {
                if let Some(cycle) = visit(m, &edges, &mut state, &mut Vec::new()) {
                    let names: Vec<String> = cycle.iter().map(|x| x.join("::")).collect();
                    panic!("import circle in {}: {}", src.display(), names.join(" -> "));
                }
            }
        }
    }
}
