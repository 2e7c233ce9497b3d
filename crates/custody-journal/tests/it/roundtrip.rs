//! Export writes a journal that reads back to the identical ledger.

use custody_journal::{export, load, Source};

fn efi() -> custody_core::Ledger {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/efi-h2-dri-eaf/efi.journal");
    let text = std::fs::read_to_string(path).unwrap();
    load(&[Source { name: "efi.journal".into(), text }]).unwrap()
}

#[test]
fn export_reads_back_to_the_identical_ledger() {
    let original = efi();
    let text = export(&original);
    let again = load(&[Source { name: "export.journal".into(), text: text.clone() }]).unwrap_or_else(|(_, d)| {
        panic!("export does not load: {d:#?}\n{text}");
    });
    assert_eq!(original.transactions(), again.transactions());
    assert_eq!(original.positions(), again.positions());
    assert_eq!(original.quantities(), again.quantities());
    assert_eq!(original.periods(), again.periods());
    assert_eq!(original.items().collect::<Vec<_>>(), again.items().collect::<Vec<_>>());
    assert_eq!(original.assets().collect::<Vec<_>>(), again.assets().collect::<Vec<_>>());
    assert_eq!(original.entity(), again.entity());
    // And the export of the export is the same text: the format is a fixed point.
    assert_eq!(export(&again), text);
}

#[test]
fn export_of_a_reversal_and_an_instrument_round_trips() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/efi-h2-dri-eaf/efi.journal");
    let mut text = std::fs::read_to_string(path).unwrap().replace("close 2025-01", "");
    text.push_str("\n2025-01-31 reverse undo-sales\n  of sales\n\n2025-01-31 obtain rc-1\n  instrument removal\n  quantity 100 tCO2e\n  counterparty ccs-operator\n");
    let l = load(&[Source { name: "x".into(), text }]).unwrap();
    let again = load(&[Source { name: "y".into(), text: export(&l) }]).unwrap();
    assert_eq!(l.transactions(), again.transactions());
    assert_eq!(l.instruments(), again.instruments());
    assert!(again.is_reversed("sales"));
}
