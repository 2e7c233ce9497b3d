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

#[test]
fn printing_an_entry_parses_back_to_the_same_entry() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/efi-h2-dri-eaf/efi.journal");
    let mut text = std::fs::read_to_string(path).unwrap();
    // Add the entry kinds the example lacks.
    text.push_str(
        "account memo.stock stock \"Memo\"\n2025-01-31 reverse r1 \"undo\"\n  of sales\n\
         2025-01-31 obtain o1\n  instrument eac\n  quantity 1.5 tCO2e\n\
         2025-01-31 txn t1\n  kind txn\n  post raw.content 5 gC C item=coal lot=L site=s origin=fuels counterparty=x\n  post in.content 5 gC C\n  move coal 7 g lot=L\n  meta k \"v w\"\n\
         2025-01-31 sell s2\n  item steel\n  quantity 2 t\n  customer manufacturer 2 t\n\
         2025-01-31 receive rc1\n  transfer mine/s1/steel-producer\n  item iron-ore\n  supplier iron-ore-co\n  quantity 5000 g\n  amount content C 12 gC\n  amount emissions N2O 3 g\n\
         2025-01-31 return rt1\n  sale sales\n  customer manufacturer\n\
         2025-01-31 certificate-receive cr1\n  certificate X\n  from iron-ore-co\n  block iron-ore-co pool 0 1 10 bundled-with=s9 expires=2026-01-01 sent-by=t1\n\
         2025-01-31 certificate-receive cr2\n  certificate X1\n  from iron-ore-co\n  block mine pool 0 11 20 sent-by=t2 named-by=iron-ore-co\n",
    );
    let (entries, diags) = custody_journal::parse(&[Source { name: "efi".into(), text }]);
    assert!(diags.is_empty(), "{diags:#?}");
    for e in &entries {
        let printed = custody_journal::print_entry(&e.entry);
        let (again, diags) = custody_journal::parse(&[Source { name: "p".into(), text: printed.clone() }]);
        assert!(diags.is_empty(), "{printed}: {diags:#?}");
        assert_eq!(again.len(), 1, "{printed}");
        assert_eq!(again[0].entry, e.entry, "{printed}");
    }
}

#[test]
fn chain_of_custody_entries_print_and_export_round_trip() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/mass-balance-dri/1-transition-steel.journal");
    let text = std::fs::read_to_string(path).unwrap();
    let (entries, diags) = custody_journal::parse(&[Source { name: "mb".into(), text: text.clone() }]);
    assert!(diags.is_empty(), "{diags:#?}");
    for e in &entries {
        let printed = custody_journal::print_entry(&e.entry);
        let (again, diags) = custody_journal::parse(&[Source { name: "p".into(), text: printed.clone() }]);
        assert!(diags.is_empty(), "{printed}: {diags:#?}");
        assert_eq!(again[0].entry, e.entry, "{printed}");
    }
    let original = load(&[Source { name: "mb".into(), text }]).unwrap();
    let again = load(&[Source { name: "export".into(), text: export(&original) }]).unwrap();
    assert_eq!(original.recorded(), again.recorded());
    assert_eq!(original.certificates(), again.certificates());
    assert_eq!(original.avoided(), again.avoided());
    assert_eq!(original.pools().collect::<Vec<_>>(), again.pools().collect::<Vec<_>>());
}

#[test]
fn ghg_item_fields_print_parse_and_export_round_trip() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/efi-h2-dri-eaf/efi.journal");
    let text = std::fs::read_to_string(path).unwrap().replace(
        "item steel \"Steel (hot-rolled, cold-rolled, galvanized)\"\n  category product\n",
        "item steel \"Steel (hot-rolled, cold-rolled, galvanized)\"\n  category product\n  end-of-life oxidised 2.5%\n\
         item steam \"Steam\"\n  category fuel\n  ghg scope2\n  ghg-split scope3-3 8%\n  grid-factor 0.2 kgCO2/kg \"district heat \\\"average\\\"\"\n\
         item plant-parts \"Spare parts\"\n  category raw-material\n  ghg scope3-2\n",
    ).replace(
        "period 2025-01 2025-01-01 2025-01-31\n",
        "period 2025-01 2025-01-01 2025-01-31\n  revenue 125000000.50 EUR\n\
         target sbt \"Near-term\"\n  baseline 120000 tCO2e\n  baseline-period 2025-01\n  baseline-year 2025\n  reduction 42%\n  year 2030\n  scope scope1+2-market\n  recalculate-above 5%\n\
         target per-rev \"Intensity\"\n  baseline-period 2025-01\n  baseline-year 2025\n  reduction 10%\n  year 2030\n  scope scope3-1\n  basis intensity\n",
    );
    let l = load(&[Source { name: "x".into(), text }]).unwrap_or_else(|(_, d)| panic!("{d:#?}"));
    let steam = l.item("steam").unwrap();
    assert_eq!(steam.ghg, Some(custody_core::model::GhgClass::Scope2));
    assert_eq!(steam.grid_factors[0].source, "district heat \"average\"");
    assert_eq!(steam.ghg_split, Some((custody_core::model::GhgClass::Scope3(3), custody_core::exact::Q::new(2, 25))));
    assert_eq!(l.item("plant-parts").unwrap().ghg_class(), custody_core::model::GhgClass::Scope3(2));
    assert_eq!(l.item("steel").unwrap().fate.end_of_life, Some(custody_core::exact::Q::new(1, 40)));
    assert_eq!(l.item("electricity").unwrap().grid_factors.len(), 2);
    assert_eq!(l.period("2025-01").unwrap().revenue.as_ref().map(|r| r.currency.as_str()), Some("EUR"));
    let exported = export(&l);
    let again = load(&[Source { name: "y".into(), text: exported.clone() }]).unwrap();
    assert_eq!(l.items().collect::<Vec<_>>(), again.items().collect::<Vec<_>>());
    assert_eq!(l.periods(), again.periods());
    assert_eq!(l.targets().len(), 2);
    assert_eq!(l.targets()[0].measure, Some(custody_core::model::TargetMeasure::Scope12Market));
    assert!(l.targets()[1].intensity);
    assert_eq!(l.targets(), again.targets());
    assert_eq!(export(&again), exported);
}
