//! Random sequences of operations never unbalance the ledger, never half-write a rejected one, keep
//! the period check, and each costing method agrees with a naive reference model.

use custody_core::exact::{self, Q};
use custody_core::model::*;
use custody_core::ops::*;
use custody_core::statements::{self, Scope};
use custody_core::units::{CarbonRatios, Gwp, Intensity, Measure, SpeciesMass};
use custody_core::{Entity, Ledger};
use proptest::prelude::*;
use std::collections::VecDeque;

fn tonnes(x: u32) -> Measure {
    Measure::parse(&x.to_string(), "t").unwrap()
}
fn sm(v: impl ToString, unit: &str) -> SpeciesMass {
    SpeciesMass::parse(&v.to_string(), unit).unwrap()
}
fn factor(v: u32, unit: &str) -> Intensity {
    Intensity::parse(&v.to_string(), unit).unwrap()
}
fn date(day: u32) -> Date {
    Date::from_ordinal_date(2025, (1 + day.min(364)) as u16).unwrap()
}
fn op(id: impl ToString, day: u32, body: Operation) -> Op {
    Op { id: id.to_string(), date: date(day), memo: String::new(), body }
}

fn item(id: &str, category: Category, costing: Costing) -> Item {
    Item::new(id, category, costing)
}

pub(super) const ITEMS: [&str; 3] = ["ore", "lump", "chip"];

pub(super) fn setup() -> Ledger {
    let mut l = Ledger::new(Entity {
        id: "e".into(),
        name: "E".into(),
        ratios: CarbonRatios::Efi,
        gwp: Gwp::Ar6,
        co_voc: Default::default(),
    });
    l.add_item(item("ore", Category::RawMaterial, Costing::Mwa)).unwrap();
    l.add_item(item("lump", Category::Fuel, Costing::Fifo)).unwrap();
    l.add_item(item("chip", Category::RawMaterial, Costing::Specific)).unwrap();
    l.add_item(item("steel", Category::Product, Costing::Mwa)).unwrap();
    l.add_item(item("slag", Category::Byproduct, Costing::Mwa)).unwrap();
    for cp in ["sup", "a", "b", "store", "rail"] {
        l.add_counterparty(Counterparty { id: cp.into(), name: cp.into() }).unwrap();
    }
    l.add_asset(Asset { id: "plant".into(), name: "Plant".into(), in_service: MonthIndex(2024 * 12), life_months: 24 })
        .unwrap();
    l.add_period(Period {
        id: "2025".into(),
        start: date(0),
        end: Date::from_calendar_date(2025, time::Month::December, 31).unwrap(),
        closed: false,
        revenue: None,
    })
    .unwrap();
    let cap =
        Capitalise { asset: "plant".into(), amounts: vec![sm(1200, "tCO2"), sm(3, "tCH4")], ..Default::default() };
    l.apply(op("cap", 0, Operation::Capitalise(cap))).unwrap();
    l
}

#[derive(Debug, Clone)]
pub(super) enum Step {
    Buy { item: usize, qty: u32, co2: u32, ch4: u32, content: u32 },
    Use { item: usize, qty: u32, pick: usize },
    Emit { co2: u32 },
    Capture { co2: u32, process: u32 },
    Produce { steel: u32, slag: u32, steel_c: u32, slag_c: u32, carbon_key: bool },
    Depreciate,
    Sell { share_a: u8, transport: u32 },
    Reverse { pick: usize },
    Unbalanced { amount: i64 },
    Return { pick: usize, to_a: bool },
    Receive { qty: u32, content: i64, co2: i64 },
}

pub(super) fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..3usize, 1..500u32, 0..200u32, 0..5u32, 0..300u32)
            .prop_map(|(item, qty, co2, ch4, content)| Step::Buy { item, qty, co2, ch4, content }),
        4 => (0..3usize, 1..600u32, 0..8usize).prop_map(|(item, qty, pick)| Step::Use { item, qty, pick }),
        2 => (0..400u32).prop_map(|co2| Step::Emit { co2 }),
        1 => (0..300u32, 0..30u32).prop_map(|(co2, process)| Step::Capture { co2, process }),
        2 => (1..400u32, 0..50u32, 0..5u32, 0..50u32, any::<bool>())
            .prop_map(|(steel, slag, steel_c, slag_c, carbon_key)| Step::Produce { steel, slag, steel_c, slag_c, carbon_key }),
        1 => Just(Step::Depreciate),
        2 => (0..=100u8, 0..20u32).prop_map(|(share_a, transport)| Step::Sell { share_a, transport }),
        1 => (0..40usize).prop_map(|pick| Step::Reverse { pick }),
        1 => (-1000..1000i64).prop_map(|amount| Step::Unbalanced { amount }),
        1 => (0..40usize, any::<bool>()).prop_map(|(pick, to_a)| Step::Return { pick, to_a }),
        1 => (1..100u32, 0..1_000_000i64, 0..1_000_000i64).prop_map(|(qty, content, co2)| Step::Receive { qty, content, co2 }),
    ]
}

pub(super) fn to_op(i: usize, s: &Step, chips: &[String], posted: &[String]) -> Op {
    let id = format!("s{i}");
    let day = (i / 3) as u32;
    let body = match s {
        Step::Buy { item, qty, co2, ch4, content } => Operation::Purchase(Receipt {
            counterparty: Some("sup".into()),
            item: ITEMS[*item].into(),
            quantity: Some(tonnes(*qty)),
            factors: vec![factor(*co2, "kgCO2/t"), factor(*ch4, "kgCH4/t")],
            content: Some(sm(*content, "tC")),
            ..Default::default()
        }),
        Step::Use { item, qty, pick } => Operation::Consume(Consume {
            site: None,
            uses: vec![Use {
                item: ITEMS[*item].into(),
                quantity: tonnes(*qty),
                lot: if *item == 2 && !chips.is_empty() { Some(chips[pick % chips.len()].clone()) } else { None },
            }],
        }),
        // N2O rides along so that a non-carbon gas is posted, reversed and verified too.
        Step::Emit { co2 } => {
            Operation::Emit(Emit { site: None, emissions: vec![sm(*co2, "tCO2"), sm(co2 % 3, "kgN2O")] })
        }
        Step::Capture { co2, process } => Operation::Capture(Capture {
            site: None,
            operator: "store".into(),
            captured: vec![sm(*co2, "tCO2")],
            process: vec![sm(*process, "tCO2")],
        }),
        Step::Produce { steel, slag, steel_c, slag_c, carbon_key } => Operation::Produce(Produce {
            site: None,
            key: if *carbon_key { AllocationKey::Carbon } else { AllocationKey::Mass },
            outputs: vec![
                Output {
                    item: "steel".into(),
                    quantity: tonnes(*steel),
                    content: Some(sm(*steel_c, "tC")),
                    value: None,
                    cut_off: false,
                },
                Output {
                    item: "slag".into(),
                    quantity: tonnes(*slag),
                    content: Some(sm(*slag_c, "tC")),
                    value: None,
                    cut_off: true,
                },
            ],
        }),
        Step::Depreciate => Operation::Depreciate(Depreciate {
            asset: "plant".into(),
            site: None,
            to: vec![("steel".into(), exact::q(1))],
        }),
        Step::Sell { share_a, transport } => Operation::Sell(Sell {
            item: "steel".into(),
            lines: vec![
                SaleLine { customer: "a".into(), share: Some(Q::new(*share_a as i128, 100)), quantity: None },
                SaleLine { customer: "b".into(), share: Some(Q::new(100 - *share_a as i128, 100)), quantity: None },
            ],
            transport: vec![factor(*transport, "kgCO2/t")],
            carrier: Some("rail".into()),
            ..Default::default()
        }),
        Step::Reverse { pick } => Operation::Reverse {
            of: if posted.is_empty() { "none".into() } else { posted[pick % posted.len()].clone() },
        },
        Step::Return { pick, to_a } => Operation::Return(Return {
            sale: if posted.is_empty() { "none".into() } else { posted[pick % posted.len()].clone() },
            customer: if *to_a { "a".into() } else { "b".into() },
        }),
        Step::Receive { qty, content, co2 } => Operation::Receive(Receive {
            transfer: format!("sup/sale-{i}/e"),
            supplier: Some("sup".into()),
            item: "ore".into(),
            quantity: Some(*qty as i64 * 1_000_000),
            amounts: vec![
                (TransferForm::Content, custody_core::units::Species::C, *content, None),
                (TransferForm::Emissions, custody_core::units::Species::CO2, *co2, None),
            ],
            ..Default::default()
        }),
        Step::Unbalanced { amount } => Operation::Raw(Raw {
            kind: TxKind::Raw,
            description: String::new(),
            postings: vec![Posting {
                account: "raw.content".into(),
                species: custody_core::units::Species::C,
                amount: *amount,
                dims: Dims::default().into(),
                gas: None,
            }],
            movements: vec![],
            reverses: None,
            meta: Default::default(),
        }),
    };
    op(id, day, body)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_operations_never_unbalance_or_half_write(steps in prop::collection::vec(step(), 1..60)) {
        let mut l = setup();
        let mut chips = Vec::new();
        let mut posted = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            let o = to_op(i, s, &chips, &posted);
            let before = (l.transactions().len(), l.positions().clone(), l.quantities().clone());
            match l.apply(o.clone()) {
                Ok(_) => {
                    posted.push(o.id.clone());
                    if matches!(s, Step::Buy { item: 2, .. }) {
                        chips.push(o.id.clone());
                    }
                    let unbalanced = matches!(s, Step::Unbalanced { amount } if *amount != 0);
                    prop_assert!(!unbalanced, "an unbalanced posting was accepted");
                }
                Err(r) => {
                    prop_assert!(!r.violations.is_empty());
                    prop_assert_eq!(&before, &(l.transactions().len(), l.positions().clone(), l.quantities().clone()));
                }
            }
            prop_assert_eq!(l.side_total_carbon(custody_core::chart::Side::Stock), l.side_total_carbon(custody_core::chart::Side::Flow));
            prop_assert!(l.verify().is_ok());
            prop_assert!(l.quantities().values().all(|q| *q >= 0));
            if let Err(why) = physical(&l) {
                prop_assert!(false, "after {:?}: {}", s, why);
            }
        }
        let scope = Scope::resolve(&l, None).unwrap();
        let cb = statements::carbon_balance(&l, &scope);
        prop_assert!(cb.period_check(), "closing - opening != net flows: {:?}", cb);
        prop_assert!(cb.content_check(), "content check fails: {:?}", cb);
        let b = statements::balances(&l, &scope);
        prop_assert_eq!(b.stocks_total, b.flows_total);
    }

    #[test]
    fn allocation_always_sums_exactly(total in any::<i64>().prop_map(|x| x / 4), weights in prop::collection::vec(0..1_000_000_000i128, 1..12)) {
        match exact::allocate(total, &weights) {
            None => prop_assert!(weights.iter().all(|w| *w == 0)),
            Some(parts) => {
                prop_assert_eq!(parts.iter().map(|p| *p as i128).sum::<i128>(), total as i128);
                let sum: i128 = weights.iter().sum();
                for (p, w) in parts.iter().zip(&weights) {
                    // Each part is within one unit of its exact share.
                    let exact_share = Q::new(total as i128 * w, sum);
                    prop_assert!(exact::abs_q(Q::from_integer(*p as i128) - exact_share) < Q::from_integer(1));
                }
            }
        }
    }

    /// The largest-remainder method against a reference in exact rationals: parts are the floors of
    /// the exact shares, and the missing units go to the largest remainders, ties to the earlier
    /// part (small totals and weights make ties). Weights up to 2^100 reach both of `allocate`'s paths (integers, and rationals when
    /// `total * weight` overflows an i128).
    #[test]
    fn allocation_is_the_largest_remainder_method(
        total in prop_oneof![-20..20i64, any::<i64>()],
        weights in prop_oneof![
            prop::collection::vec(0..4i128, 1..9),
            prop::collection::vec(prop_oneof![0..1_000_000_000_000i128, 0..(1i128 << 100)], 1..9),
        ],
    ) {
        let sum: i128 = weights.iter().sum();
        // None: no weight, or a share beyond exact i128 rationals (allocate's own limit).
        let expected = (sum > 0).then(|| {
            let abs = (total as i128).abs();
            let shares: Vec<Q> = weights.iter().map(|w| num_traits::CheckedMul::checked_mul(&Q::from_integer(abs), &Q::new(*w, sum))).collect::<Option<_>>()?;
            let mut parts: Vec<i128> = shares.iter().map(|s| s.floor().to_integer()).collect();
            let mut order: Vec<usize> = (0..weights.len()).collect();
            order.sort_by(|a, b| (shares[*b] - shares[*b].floor()).cmp(&(shares[*a] - shares[*a].floor())).then(a.cmp(b)));
            let missing = abs - parts.iter().sum::<i128>();
            for i in order.into_iter().take(missing as usize) {
                parts[i] += 1;
            }
            Some(parts.into_iter().map(|p| if total < 0 { -(p as i64) } else { p as i64 }).collect::<Vec<i64>>())
        }).flatten();
        prop_assert_eq!(exact::allocate(total, &weights), expected);
    }
}

/// Stock is physical, checked apart from the core: every item holding (item, lot, site) and every
/// work-in-process site holds no negative carbon content, no negative emissions (carbon species
/// together, each non-carbon gas apart), and no negative quantity; an item holding with nothing
/// on hand holds nothing.
pub(super) fn physical(l: &Ledger) -> Result<(), String> {
    use custody_core::chart::Role;
    use std::collections::BTreeMap;
    let mut sums: BTreeMap<(Option<String>, Option<String>, Option<String>, u8, Option<String>), i128> =
        BTreeMap::new();
    for ((acc, species, dims), amount) in l.positions() {
        let role = l.chart().get(acc).unwrap().role;
        let (holding_item, kind) = match role {
            Role::WipContent => (None, 0),
            Role::WipAttributed => (None, 2),
            Role::WipDirect => (None, 3),
            Role::RawContent | Role::FuelContent | Role::ProductContent | Role::ByproductContent => {
                (dims.item.clone(), 0)
            }
            Role::RawAttributed
            | Role::FuelAttributed
            | Role::ElectricityAttributed
            | Role::ProductAttributed
            | Role::ProductDepreciation
            | Role::ProductDirect => (dims.item.clone(), 1),
            _ => continue,
        };
        let gas = (!species.is_carbon()).then(|| species.to_string());
        let text = |n: &Option<custody_core::name::Name>| n.map(String::from);
        *sums.entry((text(&holding_item), text(&dims.lot), text(&dims.site), kind, gas)).or_default() +=
            *amount as i128;
    }
    if let Some((k, v)) = sums.iter().find(|(_, v)| **v < 0) {
        return Err(format!("holding {k:?} holds {v}"));
    }
    // A product (or any item) holding with nothing on hand holds no carbon (F16: depreciation
    // once parked on a product with zero stock).
    let on_hand = |item: &str, lot: &Option<String>, site: &Option<String>| {
        l.quantities()
            .iter()
            .find(|((i, s, lt), _)| i.as_str() == item && s.map(String::from) == *site && lt.map(String::from) == *lot)
            .map_or(0, |(_, q)| *q)
    };
    for ((item, lot, site, _, _), v) in &sums {
        if let Some(item) = item {
            if *v != 0 && on_hand(item, lot, site) == 0 {
                return Err(format!("item `{item}` lot {lot:?} site {site:?} holds {v} with nothing on hand"));
            }
        }
    }
    Ok(())
}

// ---- costing against a naive reference model -------------------------------------------------

/// Round half to even, written out separately from the core for the reference model.
fn reference_round(n: i128, d: i128) -> i128 {
    let q = n.div_euclid(d);
    let r = n.rem_euclid(d);
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q & 1),
    }
}

#[derive(Debug, Clone)]
enum CostStep {
    Buy { qty: u32, co2: u32 },
    Use { qty: u32, pick: usize },
}

fn cost_step() -> impl Strategy<Value = CostStep> {
    prop_oneof![
        (1..1000u32, 0..500u32).prop_map(|(qty, co2)| CostStep::Buy { qty, co2 }),
        (1..1500u32, 0..10usize).prop_map(|(qty, pick)| CostStep::Use { qty, pick }),
    ]
}

/// A lot in the reference model: grams on hand and gC of CO2 attributed.
#[derive(Debug, Clone)]
struct RefLot {
    id: String,
    qty: i128,
    amount: i128,
}

/// What the naive model says a consumption takes, or None if it must be refused.
fn reference_take(costing: Costing, lots: &mut VecDeque<RefLot>, qty: i128, lot: Option<&str>) -> Option<i128> {
    match costing {
        Costing::Mwa => {
            let (q, a): (i128, i128) = lots.iter().fold((0, 0), |(q, a), l| (q + l.qty, a + l.amount));
            if qty > q {
                return None;
            }
            let taken = if qty == q { a } else { reference_round(a * qty, q) };
            lots.clear();
            lots.push_back(RefLot { id: "pool".into(), qty: q - qty, amount: a - taken });
            Some(taken)
        }
        Costing::Fifo => {
            if lots.iter().map(|l| l.qty).sum::<i128>() < qty {
                return None;
            }
            let mut rest = qty;
            let mut taken = 0;
            for l in lots.iter_mut() {
                if rest == 0 {
                    break;
                }
                let take = rest.min(l.qty);
                if take == 0 {
                    continue;
                }
                let t = if take == l.qty { l.amount } else { reference_round(l.amount * take, l.qty) };
                l.qty -= take;
                l.amount -= t;
                taken += t;
                rest -= take;
            }
            Some(taken)
        }
        Costing::Specific => {
            let l = lots.iter_mut().find(|l| Some(l.id.as_str()) == lot)?;
            if l.qty < qty || l.qty == 0 {
                return None;
            }
            let t = if qty == l.qty { l.amount } else { reference_round(l.amount * qty, l.qty) };
            l.qty -= qty;
            l.amount -= t;
            Some(t)
        }
    }
}

fn costing_agrees(costing: Costing, steps: &[CostStep]) -> Result<(), TestCaseError> {
    let mut l = setup();
    let name = match costing {
        Costing::Mwa => "ore",
        Costing::Fifo => "lump",
        Costing::Specific => "chip",
    };
    let mut lots: VecDeque<RefLot> = VecDeque::new();
    for (i, s) in steps.iter().enumerate() {
        let id = format!("c{i}");
        match s {
            CostStep::Buy { qty, co2 } => {
                let o = op(
                    &id,
                    1,
                    Operation::Purchase(Receipt {
                        item: name.into(),
                        quantity: Some(tonnes(*qty)),
                        factors: vec![factor(*co2, "gCO2/t")],
                        ..Default::default()
                    }),
                );
                l.apply(o).unwrap();
                // gC = t x gCO2/t x 0.273, rounded once.
                let amount = reference_round(*qty as i128 * *co2 as i128 * 273, 1000);
                lots.push_back(RefLot { id: id.clone(), qty: *qty as i128 * 1_000_000, amount });
            }
            CostStep::Use { qty, pick } => {
                let lot = if lots.is_empty() { None } else { Some(lots[pick % lots.len()].id.clone()) };
                let o = op(
                    &id,
                    1,
                    Operation::Consume(Consume {
                        site: None,
                        uses: vec![Use {
                            item: name.into(),
                            quantity: tonnes(*qty),
                            lot: if costing == Costing::Specific { lot.clone() } else { None },
                        }],
                    }),
                );
                let want = reference_take(costing, &mut lots, *qty as i128 * 1_000_000, lot.as_deref());
                match (l.apply(o), want) {
                    (Ok(_), Some(want)) => {
                        let tx = l.transactions().last().unwrap();
                        let got: i64 =
                            tx.postings.iter().filter(|p| p.account == "wip.attributed").map(|p| p.amount).sum();
                        prop_assert_eq!(got as i128, want, "step {}: {:?}", i, s);
                    }
                    (Err(_), None) => {}
                    (got, want) => prop_assert!(false, "step {i}: ledger {got:?}, reference {want:?}"),
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn moving_weighted_average_agrees_with_reference(steps in prop::collection::vec(cost_step(), 1..40)) {
        costing_agrees(Costing::Mwa, &steps)?;
    }

    #[test]
    fn fifo_agrees_with_reference(steps in prop::collection::vec(cost_step(), 1..40)) {
        costing_agrees(Costing::Fifo, &steps)?;
    }

    #[test]
    fn specific_lot_agrees_with_reference(steps in prop::collection::vec(cost_step(), 1..40)) {
        costing_agrees(Costing::Specific, &steps)?;
    }
}
