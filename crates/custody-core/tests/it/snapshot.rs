//! A ledger's snapshot (issue 12 item 3): what a snapshot restores is the same ledger (the same
//! snapshot, the same statements), a damaged or foreign snapshot is refused rather than misread,
//! and a snapshot of another build (other rules, another state shape) is refused.

use crate::instruments::journal;
use custody_core::statements::{balances, entity_emissions, ledger_statement, product_intensity, Scope};
use custody_core::{Ledger, SnapshotError, SNAPSHOT_FORMAT};

fn example(path: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/");
    std::fs::read_to_string(format!("{root}{path}")).expect("example journal")
}

/// Every statement the snapshot's users read, for every period and the whole journal.
fn statements(l: &Ledger) -> String {
    let mut out = String::new();
    let mut periods: Vec<Option<String>> = vec![None];
    periods.extend(l.periods().iter().map(|p| Some(p.id.clone())));
    for p in periods {
        let scope = Scope::resolve(l, p.as_deref()).expect("scope");
        out += &format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n",
            ledger_statement(l, &scope),
            balances(l, &scope),
            product_intensity(l, &scope),
            entity_emissions(l, &scope)
        );
    }
    out
}

const EXAMPLES: [&str; 3] =
    ["efi-h2-dri-eaf/efi.journal", "mass-balance-dri/1-transition-steel.journal", "aluminium/smelter.journal"];

#[test]
fn a_restored_ledger_is_the_same_ledger() {
    for path in EXAMPLES {
        let ledger = journal(&example(path));
        let bytes = ledger.snapshot();
        let restored = Ledger::from_snapshot(&bytes).expect("restores");
        assert_eq!(restored.snapshot(), bytes, "{path}: the restored ledger's snapshot differs");
        assert_eq!(statements(&restored), statements(&ledger), "{path}: statements differ");
        assert_eq!(ledger.clone().snapshot(), bytes, "{path}: a clone snapshots the same");
    }
}

#[test]
fn a_damaged_or_foreign_snapshot_is_refused() {
    let ledger = journal(&example("efi-h2-dri-eaf/efi.journal"));
    let bytes = ledger.snapshot();
    for cut in [0, 1, 5, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            matches!(Ledger::from_snapshot(&bytes[..cut]), Err(SnapshotError::Decode(_))),
            "a snapshot cut at {cut} of {} bytes must not decode",
            bytes.len()
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Ledger::from_snapshot(&longer).is_err(), "trailing bytes are refused");
    // The first byte is the format number (a postcard varint below 128).
    let mut other = bytes.clone();
    other[0] = (SNAPSHOT_FORMAT + 1) as u8;
    match Ledger::from_snapshot(&other) {
        Err(SnapshotError::Format { format, .. }) => assert_eq!(format, SNAPSHOT_FORMAT + 1),
        other => panic!("another format must be refused as such, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn a_snapshot_of_another_build_is_refused() {
    let bytes = journal(&example("efi-h2-dri-eaf/efi.journal")).snapshot();
    // After the format byte: the build string, length first (a postcard varint below 128).
    let len = bytes[1] as usize;
    assert_eq!(&bytes[2..2 + len], custody_core::SNAPSHOT_BUILD.as_bytes());
    let mut other = bytes.clone();
    other[2 + len - 1] ^= 1;
    match Ledger::from_snapshot(&other) {
        Err(SnapshotError::Format { format, build }) => {
            assert_eq!(format, SNAPSHOT_FORMAT);
            assert_ne!(build, custody_core::SNAPSHOT_BUILD);
        }
        other => panic!("another build must be refused as such, got {:?}", other.map(|_| ())),
    }
}

/// Operations are kept packed (names as text, whatever codec the snapshot uses) and the chart
/// keeps an index by code: both must read back the same after a snapshot, a custom account and
/// raw postings naming interned dimensions included.
#[test]
fn packed_operations_and_the_chart_index_survive_a_snapshot() {
    let mut text = example("aluminium/smelter.journal");
    text += "\naccount adj.flow flow \"Manual adjustments (flow)\"\naccount adj.stock stock \"Manual adjustments (stock)\"\n";
    text += "period packed-test 2030-01-01 2030-01-31\n";
    text += "2030-01-02 txn adj-1 \"Manual correction\"\n  post adj.stock 5 tC C item=lot-packed-x site=site-packed-y\n  post adj.flow 5 tC C counterparty=cp-packed-z\n";
    let ledger = journal(&text);
    let restored = Ledger::from_snapshot(&ledger.snapshot()).expect("restores");
    assert!(ledger.op("adj-1").is_some(), "the raw transaction is kept as an operation");
    for tx in ledger.transactions() {
        assert_eq!(restored.op(&tx.id), ledger.op(&tx.id), "operation `{}` reads back the same", tx.id);
    }
    for a in ledger.chart().accounts() {
        assert_eq!(restored.chart().get(&a.code), Some(a), "account `{}` is found after restoring", a.code);
        assert_eq!(restored.chart().index(&a.code), ledger.chart().index(&a.code));
    }
    let adj = restored.chart().get("adj.stock").expect("the custom account");
    assert_eq!(restored.chart().accounts()[restored.chart().index("adj.stock").unwrap()].code, adj.code);
    assert_eq!(restored.chart().get("no.such"), None);
}
