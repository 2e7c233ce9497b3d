//! The fuzz targets of the journal parser, the Catena-X reader, the API's JSON bodies and the batch executor (the CSV
//! importer's is in custody-cli, beside the code it reaches). Each runs a fixed number of
//! executions from a fixed seed in `cargo test`; `CUSTODY_FUZZ_SECS=600` (or `cargo xtask fuzz`)
//! runs longer. See docs/fuzzing.md.

mod api;
mod batch;
mod catenax;
mod journal;
mod proof;

use custody_fuzz::{corpus_dir, run, Budget, Target};

/// Runs target `name` with its corpus directories (the first receives saved failures).
fn fuzz(
    name: &str,
    dirs: &[&str],
    default_execs: u64,
    max_len: usize,
    dict: &[&str],
    f: &mut dyn FnMut(&[u8]) -> custody_fuzz::Outcome,
) {
    let corpus = dirs.iter().map(|d| corpus_dir(env!("CARGO_MANIFEST_DIR"), d)).collect();
    let budget = Budget::from_env(name, default_execs);
    run(Target { name, corpus, max_len, dict }, &budget, f);
}

#[test]
fn fuzz_journal() {
    fuzz("journal", &["journal"], 4_000, 8_192, journal::DICT, &mut journal::target);
}

#[test]
fn fuzz_catenax() {
    fuzz("catenax", &["catenax"], 3_000, 8_192, catenax::DICT, &mut catenax::target);
}

#[test]
fn fuzz_batch() {
    let mut t = batch::Target::new();
    fuzz("batch", &["batch", "journal"], 2_000, 8_192, journal::DICT, &mut |d| t.run(d));
}

#[test]
fn fuzz_api() {
    let mut t = api::Target::new();
    fuzz("api", &["api"], 3_000, 4_096, api::DICT, &mut |d| t.run(d));
}

#[test]
fn fuzz_proof() {
    fuzz("proof", &["proof"], 3_000, 4_096, proof::DICT, &mut proof::target);
}
