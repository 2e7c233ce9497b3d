//! The core does no I/O: checked here so that it stays true.

#[test]
fn core_names_no_io() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let forbidden = [
        "std::fs",
        "std::net",
        "std::process",
        "std::env",
        "SystemTime",
        "Instant::now",
        "tokio",
        "sqlx",
        "async fn",
        "println!",
        "eprintln!",
    ];
    // Every file under src, module directories included.
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 10, "tidy found only {} source files", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("//!"), "{} must start with a //! module doc", path.display());
        for f in forbidden {
            assert!(!text.contains(f), "{} names `{f}`: custody-core does no I/O", path.display());
        }
    }
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let deps = manifest.split("[dependencies]").nth(1).unwrap().split("[dev-dependencies]").next().unwrap();
    for dep in deps.lines().filter_map(|l| l.split(['.', ' ', '=']).next()).filter(|d| !d.is_empty()) {
        assert!(
            ["num-rational", "num-traits", "num-integer", "time", "thiserror", "serde", "postcard", "rustc-hash"]
                .contains(&dep),
            "custody-core may not depend on `{dep}` without updating ARCHITECTURE.md"
        );
    }
}
