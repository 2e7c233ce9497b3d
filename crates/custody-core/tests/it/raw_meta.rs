//! A raw `txn` cannot carry the metadata operations write (E035): statements read those keys as
//! facts an operation derived (a biogenic uptake, a data gap, a sale's customers, a transfer), so
//! a hand-written one would forge them. Found by a hostile test: `meta biogenic_uptake_gCO2
//! "-999000000"` on a txn between custom accounts showed -999 t of biogenic uptake in the
//! entity and GHG inventory statements.

use custody_core::ledger::{is_operation_meta, OPERATION_META};
use custody_journal::{load, Source};

const BASE: &str = "entity e \"E\"\n  ratios efi\n  gwp ar5\naccount adj.flow flow \"Adj (flow)\"\n\
account adj.stock stock \"Adj (stock)\"\nperiod 2025 2025-01-01 2025-12-31\n";

fn refused(meta: &str) -> Vec<String> {
    let text = format!(
        "{BASE}2025-01-05 txn t1 \"Correction\"\n  post adj.stock 5 tC C\n  post adj.flow 5 tC C\n  meta {meta} \"-999000000\"\n"
    );
    match load(&[Source { name: "t.journal".into(), text }]) {
        Ok(_) => Vec::new(),
        Err((_, d)) => d.into_iter().map(|d| d.message).collect(),
    }
}

/// The case: every key operations write, and `sold_to.*`, is refused on a raw txn, naming the
/// field; a key of the expert's own still loads.
#[test]
fn a_raw_txn_cannot_carry_operation_metadata() {
    for key in OPERATION_META.iter().copied().chain(["sold_to.builder"]) {
        let why = refused(key);
        assert!(
            why.len() == 1 && why[0].contains("[E035") && why[0].contains("(field `meta`)"),
            "meta `{key}` on a raw txn must be refused with E035: {why:?}"
        );
    }
    assert_eq!(refused("note"), Vec::<String>::new(), "an expert's own note is allowed");
    assert_eq!(refused("biogenic_uptake_gCO2"), refused(custody_core::ledger::BIOGENIC_META));
}

/// The kind: every `meta.insert` in the ledger's planners writes a key on the list (a literal or
/// constant named in `OPERATION_META`, or a `sold_to.` key), so a key added to an operation later
/// cannot be forged by a raw txn because nobody updated the list.
#[test]
fn every_key_an_operation_writes_is_reserved() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ledger");
    let raw = std::fs::read_to_string(format!("{dir}/raw.rs")).unwrap();
    let list = &raw[raw.find("pub const OPERATION_META").unwrap()..];
    let list = &list[..list.find("];").unwrap()];
    let mut seen = 0;
    for f in std::fs::read_dir(dir).unwrap() {
        let path = f.unwrap().path();
        let src = std::fs::read_to_string(&path).unwrap();
        for (at, _) in src.match_indices("meta.insert(") {
            let arg = src[at + "meta.insert(".len()..].split(',').next().unwrap().trim();
            seen += 1;
            if let Some(lit) = arg.strip_prefix('"') {
                let key = &lit[..lit.find('"').unwrap()];
                assert!(is_operation_meta(key), "{}: meta `{key}` is not in OPERATION_META", path.display());
            } else if arg == "key" {
                assert!(
                    src.contains("format!(\"{}{}\", SOLD_TO_PREFIX"),
                    "{}: a computed key that is not sold_to.*",
                    path.display()
                );
            } else {
                let name = arg.trim_end_matches(".into()").rsplit("::").next().unwrap();
                assert!(list.contains(name), "{}: meta {name} is not in OPERATION_META", path.display());
            }
        }
    }
    assert!(seen >= 15, "the scan found the planners' meta writes ({seen})");
}
