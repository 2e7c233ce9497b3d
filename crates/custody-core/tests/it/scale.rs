//! Linear time, counted as work (entries visited by position and lot lookups), not as seconds:
//! twice the operations cost about twice the work, whatever the costing method.

use custody_core::model::*;
use custody_core::ops::*;
use custody_core::units::{CarbonRatios, Gwp, Measure, SpeciesMass};
use custody_core::{Entity, Ledger};

fn mill(costing: Costing) -> Ledger {
    let mut l = Ledger::new(Entity {
        id: "m".into(),
        name: "M".into(),
        ratios: CarbonRatios::Efi,
        gwp: Gwp::Ar6,
        co_voc: Default::default(),
    });
    for (id, category) in [("ore", Category::RawMaterial), ("steel", Category::Product)] {
        l.add_item(Item::new(id, category, if id == "ore" { costing } else { Costing::Mwa })).unwrap();
    }
    for cp in ["sup", "cust"] {
        l.add_counterparty(Counterparty { id: cp.into(), name: cp.into() }).unwrap();
    }
    l.add_period(Period {
        id: "y".into(),
        start: Date::from_ordinal_date(2025, 1).unwrap(),
        end: Date::from_ordinal_date(2025, 365).unwrap(),
        closed: false,
        revenue: None,
    })
    .unwrap();
    l
}

/// A year of a plant at `days` days: purchases (one lot each), consumption, production, sales.
fn work_for(costing: Costing, days: u32) -> u64 {
    let mut l = mill(costing);
    let t = |x: u32| Measure::parse(&x.to_string(), "t").unwrap();
    let date = |i: u32| Date::from_ordinal_date(2025, 1 + (i % 360) as u16).unwrap();
    let apply = |l: &mut Ledger, id: String, d: Date, body: Operation| {
        l.apply(Op { id, date: d, memo: String::new(), body }).unwrap();
    };
    // Stock builds up first (many lots on hand), then is drawn down day by day.
    for i in 0..days {
        let buy = Receipt {
            counterparty: Some("sup".into()),
            item: "ore".into(),
            quantity: Some(t(10)),
            attributed: vec![SpeciesMass::parse("1", "tCO2").unwrap()],
            ..Default::default()
        };
        apply(&mut l, format!("buy-{i}"), date(i), Operation::Purchase(buy));
    }
    for i in 0..days {
        let uses = vec![Use { item: "ore".into(), quantity: t(10), lot: None }];
        apply(&mut l, format!("use-{i}"), date(i), Operation::Consume(Consume { site: None, uses }));
        let out = Output { item: "steel".into(), quantity: t(9), content: None, value: None, cut_off: false };
        let produce = Produce { site: None, key: AllocationKey::Mass, outputs: vec![out] };
        apply(&mut l, format!("make-{i}"), date(i), Operation::Produce(produce));
        let line = SaleLine { customer: "cust".into(), share: None, quantity: Some(t(9)) };
        let sell = Sell {
            item: "steel".into(),
            site: None,
            lot: None,
            quantity: Some(t(9)),
            lines: vec![line],
            transport: vec![],
            carrier: None,
            custody: None,
        };
        apply(&mut l, format!("sell-{i}"), date(i), Operation::Sell(sell));
    }
    l.work()
}

#[test]
fn work_grows_linearly_with_operations() {
    for costing in [Costing::Fifo, Costing::Mwa] {
        let (small, large) = (work_for(costing, 500), work_for(costing, 2_000));
        // Four times the operations: at most about four times the work (quadratic would be 16x).
        eprintln!("{costing:?}: {small} entries visited for 500 days, {large} for 2,000");
        assert!(large <= small * 5, "{costing:?}: {small} entries visited for 500 days, {large} for 2,000");
    }
}
