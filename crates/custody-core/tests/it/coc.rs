//! Chain of custody against its rules: claims within eligible inputs plus carry-over, attribution
//! conserves emissions, no output below the cleanest input, a unit retired at most once, and the
//! physical ledger untouched by any pool or certificate operation. Plus the ASI and ISCC cases.

use custody_core::coc::*;
use custody_core::exact::{self, Q};
use custody_core::model::*;
use custody_core::ops::{CustodyOp, Op, Operation};
use custody_core::units::{CarbonRatios, Gwp, Measure};
use custody_core::{Entity, Ledger};
use proptest::prelude::*;

fn t(x: u32) -> Measure {
    Measure::parse(&x.to_string(), "t").unwrap()
}

fn day(n: u32) -> Date {
    Date::from_ordinal_date(2025, 1 + (n % 365) as u16).unwrap()
}

fn policy(
    method: Method,
    attribution: Attribution,
    output: OutputForm,
    carry: Option<CarryOver>,
    months: u32,
) -> Policy {
    Policy {
        id: "p".into(),
        name: "pool".into(),
        attribute: Attribute::EmissionIntensity,
        method,
        eligible: vec!["green".into()],
        benchmark: None,
        start: MonthIndex::parse("2025-01").unwrap(),
        period_months: months,
        carry_over: carry,
        boundary: Boundary::Site("s".into()),
        groups: vec![("g".into(), vec!["steel".into()])],
        group_key: GroupKey::Mass,
        attribution,
        output,
        claim: "Scope 3 category 1".into(),
        conversion: exact::q(1),
        conversion_dims: None,
        verified_by: None,
    }
}

fn ledger(p: Policy) -> Ledger {
    let mut l = Ledger::new(Entity {
        id: "mill".into(),
        name: "Mill".into(),
        ratios: CarbonRatios::Efi,
        gwp: Gwp::Ar6,
        co_voc: Default::default(),
    });
    for (id, cat) in [("green", Category::RawMaterial), ("grey", Category::RawMaterial), ("steel", Category::Product)] {
        l.add_item(Item::new(id, cat, Costing::Mwa)).unwrap();
    }
    l.add_counterparty(Counterparty { id: "buyer".into(), name: "Buyer".into() }).unwrap();
    l.add_period(Period {
        id: "2025".into(),
        start: day(0),
        end: Date::from_calendar_date(2025, time::Month::December, 31).unwrap(),
        closed: false,
        revenue: None,
    })
    .unwrap();
    l.add_pool(p).unwrap();
    l
}

fn custody(id: impl ToString, d: u32, c: CustodyOp) -> Op {
    Op { id: id.to_string(), date: day(d), memo: String::new(), body: Operation::Custody(c) }
}

#[derive(Debug, Clone)]
enum Step {
    Input { green: bool, qty: u32, intensity_dt: u32 },
    Output { qty: u32 },
    Claim { pick: usize, qty: u32, factor_dt: Option<u32> },
    Close,
    Issue { units: u32 },
    Split { pick: usize, units: u32 },
    Retire { pick: usize },
    Transfer { pick: usize },
    Cancel { pick: usize },
    NextMonth,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (any::<bool>(), 1..500u32, 1..30u32).prop_map(|(green, qty, intensity_dt)| Step::Input { green, qty, intensity_dt }),
        3 => (1..800u32).prop_map(|qty| Step::Output { qty }),
        4 => (0..10usize, 1..400u32, prop::option::of(0..30u32)).prop_map(|(pick, qty, factor_dt)| Step::Claim { pick, qty, factor_dt }),
        1 => Just(Step::Close),
        2 => (1..300u32).prop_map(|units| Step::Issue { units }),
        1 => (0..10usize, 1..200u32).prop_map(|(pick, units)| Step::Split { pick, units }),
        2 => (0..10usize).prop_map(|pick| Step::Retire { pick }),
        1 => (0..10usize).prop_map(|pick| Step::Transfer { pick }),
        1 => (0..10usize).prop_map(|pick| Step::Cancel { pick }),
        2 => Just(Step::NextMonth),
    ]
}

fn run(p: Policy, steps: &[Step]) -> Result<Ledger, TestCaseError> {
    let mut l = ledger(p);
    let physical_before = (l.transactions().to_vec(), l.positions().clone());
    let mut d = 0u32;
    let mut outputs: Vec<String> = Vec::new();
    let mut certs: Vec<String> = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let id = format!("s{i}");
        let op = match s {
            Step::NextMonth => {
                d += 31;
                continue;
            }
            Step::Input { green, qty, intensity_dt } => CustodyOp::PoolInput {
                pool: "p".into(),
                item: if *green { "green" } else { "grey" }.into(),
                operation: None,
                quantity: Some(t(*qty)),
                intensity: Some(Q::new(*intensity_dt as i128, 10)),
                site: Some("s".into()),
                process: None,
                batch: None,
            },
            Step::Output { qty } => CustodyOp::PoolOutput {
                pool: "p".into(),
                item: "steel".into(),
                operation: None,
                quantity: Some(t(*qty)),
                site: Some("s".into()),
                process: None,
                batch: None,
            },
            Step::Claim { pick, qty, factor_dt } => CustodyOp::PoolClaim {
                pool: "p".into(),
                output: outputs.get(pick % outputs.len().max(1)).cloned(),
                quantity: t(*qty),
                factor: factor_dt.map(|f| Q::new(f as i128, 10)),
                sale: None,
                customer: None,
            },
            Step::Close => CustodyOp::PoolClose { pool: "p".into(), period: None },
            Step::Issue { units } => CustodyOp::CertificateIssue {
                pool: "p".into(),
                certificate: format!("C{i}"),
                units: *units as i64,
                bundled_with: None,
                expires: None,
            },
            Step::Split { pick, units } => {
                let c = certs.get(pick % certs.len().max(1)).cloned().unwrap_or_default();
                CustodyOp::CertificateSplit {
                    certificate: c,
                    units: *units as i64,
                    first: format!("C{i}a"),
                    rest: format!("C{i}b"),
                }
            }
            Step::Retire { pick } => CustodyOp::CertificateRetire {
                certificate: certs.get(pick % certs.len().max(1)).cloned().unwrap_or_default(),
                beneficiary: "b".into(),
                purpose: "p".into(),
                claim_period: "2025".into(),
            },
            Step::Transfer { pick } => CustodyOp::CertificateTransfer {
                certificate: certs.get(pick % certs.len().max(1)).cloned().unwrap_or_default(),
                to: "buyer".into(),
            },
            Step::Cancel { pick } => CustodyOp::CertificateCancel {
                certificate: certs.get(pick % certs.len().max(1)).cloned().unwrap_or_default(),
                reason: "r".into(),
            },
        };
        let before = (l.pools().cloned().collect::<Vec<_>>(), l.certificates().clone());
        match l.apply(custody(&id, d, op.clone())) {
            Ok(_) => match op {
                CustodyOp::PoolOutput { .. } => outputs.push(id.clone()),
                CustodyOp::CertificateIssue { certificate, .. } => certs.push(certificate),
                CustodyOp::CertificateSplit { first, rest, .. } => certs.extend([first, rest]),
                _ => {}
            },
            Err(_) => {
                let after = (l.pools().cloned().collect::<Vec<_>>(), l.certificates().clone());
                prop_assert_eq!(&before, &after, "a refused operation changed the pool or the book");
            }
        }
        check_pool(&l)?;
    }
    // No pool or certificate operation touches the physical ledger.
    prop_assert_eq!(physical_before, (l.transactions().to_vec(), l.positions().clone()));
    Ok(l)
}

fn check_pool(l: &Ledger) -> Result<(), TestCaseError> {
    let pool = l.pool("p").unwrap();
    let statements = pool.statements();
    for st in &statements {
        // Claims never exceed the eligible inputs plus what the policy carried in.
        prop_assert!(st.claimed <= st.credited + st.carried_in, "{st:?}");
        prop_assert!(st.balance >= 0, "negative balance: {st:?}");
        prop_assert!(st.carry_out <= st.balance);
        if let Some(rule) = &pool.policy.carry_over {
            let cap = exact::round_half_even(Q::from_integer(st.credited as i128) * rule.max_share) as i64;
            prop_assert!(st.carry_out <= cap + st.carried_in);
        } else {
            prop_assert_eq!(st.carry_out, 0);
        }
        // Attribution conserves the group's emissions, and nothing is below the cleanest input.
        let period = &pool.periods[&st.period];
        if let (Some(e), Some(r)) = (st.emissions, st.residual_factor) {
            let claimed_q: i64 = period.claims.iter().filter(|c| c.factor.is_some()).map(|c| c.quantity).sum();
            let claimed_e: Q =
                period.claims.iter().filter_map(|c| c.factor.map(|f| f * Q::from_integer(c.quantity as i128))).sum();
            prop_assert_eq!(
                claimed_e + r * Q::from_integer((st.outputs - claimed_q) as i128),
                Q::from_integer(e as i128)
            );
        }
        if let Some(low) = st.lowest_input_factor {
            for c in &period.claims {
                if let Some(f) = c.factor {
                    prop_assert!(f >= low, "claim {} at {f} below the lowest input {low}", c.id);
                }
            }
        }
    }
    for (p, period) in &pool.periods {
        if let Some(prev) = p.checked_sub(1).and_then(|q| statements.iter().find(|s| s.period == q)) {
            if prev.closed && !period.carried_in.is_empty() {
                prop_assert_eq!(period.carried_in.iter().map(|(_, a)| *a).sum::<i64>(), prev.carry_out);
            }
        }
    }
    // A serial unit is retired at most once.
    let mut seen = std::collections::BTreeSet::new();
    for c in l.certificates().certificates.values().filter(|c| c.state == CertState::Retired) {
        for s in c.first..=c.last {
            prop_assert!(seen.insert((c.space(), s)), "unit {s} retired twice");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn credit_pools_keep_every_rule(steps in prop::collection::vec(step(), 1..60), share in 0..=100u32, periods in 0..3u32, months in 1..4u32) {
        let carry = (periods > 0).then(|| CarryOver { max_share: Q::new(share as i128, 100), max_periods: periods });
        run(policy(Method::Credit, Attribution::NonProportional, OutputForm::UnbundledCertificate, carry, months), &steps)?;
    }

    #[test]
    fn percentage_pools_keep_every_rule(steps in prop::collection::vec(step(), 1..60)) {
        run(policy(Method::Percentage, Attribution::NonProportional, OutputForm::UnbundledCertificate, None, 3), &steps)?;
    }
}

/// ASI: 50% certified input allows at most 50% of output to be claimed as 100% certified.
#[test]
fn asi_percentage_method_allows_the_input_share() {
    let mut p = policy(Method::Percentage, Attribution::Proportional, OutputForm::UpdatedFactor, None, 12);
    p.attribute = Attribute::CertifiedMaterial;
    p.boundary = Boundary::Company;
    let mut l = ledger(p);
    let input = |id: &str, item: &str, q| {
        custody(
            id,
            10,
            CustodyOp::PoolInput {
                pool: "p".into(),
                item: item.into(),
                operation: None,
                quantity: Some(t(q)),
                intensity: None,
                site: None,
                process: None,
                batch: None,
            },
        )
    };
    l.apply(input("certified", "green", 500)).unwrap();
    l.apply(input("other", "grey", 500)).unwrap();
    l.apply(custody(
        "out",
        20,
        CustodyOp::PoolOutput {
            pool: "p".into(),
            item: "steel".into(),
            operation: None,
            quantity: Some(t(900)),
            site: None,
            process: None,
            batch: None,
        },
    ))
    .unwrap();
    let claim = |id: &str, q| {
        custody(
            id,
            21,
            CustodyOp::PoolClaim {
                pool: "p".into(),
                output: Some("out".into()),
                quantity: t(q),
                factor: None,
                sale: None,
                customer: None,
            },
        )
    };
    let err = l.apply(claim("too-much", 451)).unwrap_err();
    assert_eq!(err.code().as_str(), "claim_exceeds_balance", "{err}");
    l.apply(claim("half", 450)).unwrap();
    let st = &l.pool("p").unwrap().statements()[0];
    assert_eq!(st.eligible_share, Some(Q::new(1, 2)));
    assert_eq!(st.claimed, 450_000_000);
    assert!(
        l.pool("p").unwrap().policy.flags().iter().any(|f| f.contains("whole company")),
        "a company boundary is flagged"
    );
}

/// ISCC: a three-month period; no negative balance at its end; nothing carried without a rule.
#[test]
fn iscc_three_month_period_never_ends_negative() {
    let mut l = ledger(policy(Method::Credit, Attribution::NonProportional, OutputForm::UnbundledCertificate, None, 3));
    l.apply(custody(
        "in",
        5,
        CustodyOp::PoolInput {
            pool: "p".into(),
            item: "green".into(),
            operation: None,
            quantity: Some(t(100)),
            intensity: Some(Q::new(5, 10)),
            site: Some("s".into()),
            process: None,
            batch: None,
        },
    ))
    .unwrap();
    // 200 t of non-eligible input: outputs cannot exceed what the inputs make.
    l.apply(custody(
        "in-grey",
        5,
        CustodyOp::PoolInput {
            pool: "p".into(),
            item: "grey".into(),
            operation: None,
            quantity: Some(t(200)),
            intensity: Some(Q::new(22, 10)),
            site: Some("s".into()),
            process: None,
            batch: None,
        },
    ))
    .unwrap();
    l.apply(custody(
        "out",
        40,
        CustodyOp::PoolOutput {
            pool: "p".into(),
            item: "steel".into(),
            operation: None,
            quantity: Some(t(300)),
            site: Some("s".into()),
            process: None,
            batch: None,
        },
    ))
    .unwrap();
    // February and March are the same period: 100 t of credit, 60 + 50 would go negative.
    l.apply(custody(
        "c1",
        45,
        CustodyOp::PoolClaim {
            pool: "p".into(),
            output: Some("out".into()),
            quantity: t(60),
            factor: None,
            sale: None,
            customer: None,
        },
    ))
    .unwrap();
    let err = l
        .apply(custody(
            "c2",
            80,
            CustodyOp::PoolClaim {
                pool: "p".into(),
                output: Some("out".into()),
                quantity: t(50),
                factor: None,
                sale: None,
                customer: None,
            },
        ))
        .unwrap_err();
    assert_eq!(err.code().as_str(), "claim_exceeds_balance");
    // The period cannot close before March ends; then it closes at a balance of 40 t, which lapses.
    let early =
        l.apply(custody("close-early", 85, CustodyOp::PoolClose { pool: "p".into(), period: Some(0) })).unwrap_err();
    assert_eq!(early.code().as_str(), "period_not_ended");
    l.apply(custody("close", 95, CustodyOp::PoolClose { pool: "p".into(), period: Some(0) })).unwrap();
    let st = &l.pool("p").unwrap().statements()[0];
    assert_eq!((st.balance, st.carry_out, st.lapsed), (40_000_000, 0, 40_000_000));
    let late = l
        .apply(custody(
            "late",
            60,
            CustodyOp::PoolClaim {
                pool: "p".into(),
                output: Some("out".into()),
                quantity: t(1),
                factor: None,
                sale: None,
                customer: None,
            },
        ))
        .unwrap_err();
    assert_eq!(late.code().as_str(), "pool_period_closed");
}
