//! Properties of instruments across ledgers: random issue, split, transfer, receive and retire
//! sequences among two issuers whose ids would collide if joined (`a` with pool `b-c`, `a-b` with
//! pool `c`) and two holders, issuers and holders naming blocks and split parts from one small set
//! of ids (`CERT-0`..`CERT-2`), never give two live units one serial, hold every issued serial in
//! exactly one place (a book, or on its way), receive every block sent and never retire a unit
//! twice (hostile finding F2: a holder's split part took the key of the issuer's later block);
//! an assessment never credits more than the claimed quantity, nor a product the claim is not for.

use super::instruments::{date, journal, lenient};
use custody_core::claims::{self, Claim, ClaimKind, FerrousInputs, Footprint};
use custody_core::coc::*;
use custody_core::exact::{self, Q};
use custody_core::ops::{CustodyOp, Op, Operation};
use custody_core::Ledger;
use proptest::prelude::*;

const BOOKS: [&str; 4] = ["a", "a-b", "d", "b"];

fn book(id: &str) -> Ledger {
    let pool = match id {
        "a" => "b-c",
        "a-b" => "c",
        _ => "none",
    };
    journal(&format!(
        "entity {id} \"{id}\"\n  ratios efi\n  gwp ar6\n{}\
         item dri-steel \"DRI\"\n  category product\nitem coil \"Coil\"\n  category product\n\
         period 2025 2025-01-01 2025-12-31\n\
         pool {pool} \"pool\"\n  attribute low-emission-iron\n  method credit\n  eligible dri-steel\n  start 2025-01\n  \
           period 12 months\n  boundary site s1\n  group flat coil\n  attribution proportional\n  \
           output unbundled-certificate\n  claim \"instruments\"\n\
         2025-03-31 pool-input in\n  pool {pool}\n  item dri-steel\n  quantity 1000000 t\n  site s1\n",
        super::instruments::others(id, &["a", "a-b", "d", "b"])
    ))
}

#[derive(Debug, Clone)]
enum Step {
    Issue { who: usize, units: u32, id: u8 },
    Split { who: usize, pick: usize, units: u32, names: (u8, u8) },
    Transfer { who: usize, pick: usize, to: usize },
    Receive { pick: usize },
    Retire { who: usize, pick: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..2usize, 1..50u32, 0..2u8).prop_map(|(who, units, id)| Step::Issue { who, units, id }),
        3 => (0..4usize, 0..16usize, 1..40u32, (0..2u8, 0..3u8))
            .prop_map(|(who, pick, units, names)| Step::Split { who, pick, units, names }),
        4 => (0..4usize, 0..16usize, 0..4usize).prop_map(|(who, pick, to)| Step::Transfer { who, pick, to }),
        4 => (0..16usize).prop_map(|pick| Step::Receive { pick }),
        2 => (0..4usize, 0..16usize).prop_map(|(who, pick)| Step::Retire { who, pick }),
    ]
}

fn op(id: String, c: CustodyOp) -> Op {
    Op { id, date: date("2025-06-01"), memo: String::new(), body: Operation::Custody(c) }
}

/// `NAMER/ID` of the `pick`-th active certificate held by the book.
fn pick_held(l: &Ledger, pick: usize) -> Option<String> {
    let me = l.entity().id.clone();
    let held: Vec<String> = l
        .certificates()
        .certificates
        .values()
        .filter(|c| c.state == CertState::Active && c.holder == me)
        .map(|c| format!("{}/{}", c.namer(), c.id))
        .collect();
    (!held.is_empty()).then(|| held[pick % held.len()].clone())
}

fn no_overlap(mut ranges: Vec<(SerialSpace, u64, u64)>, what: &str) -> Result<(), TestCaseError> {
    ranges.sort();
    for w in ranges.windows(2) {
        let ((s1, _, l1), (s2, f2, _)) = (&w[0], &w[1]);
        prop_assert!(s1 != s2 || l1 < f2, "{what}: {:?} and {:?} share a serial", w[0], w[1]);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn serials_stay_unique_and_units_retire_once_across_issuers(steps in prop::collection::vec(step(), 1..60)) {
        let mut books: Vec<Ledger> = BOOKS.iter().map(|b| book(b)).collect();
        // Sent and not yet received: (sender, certificate reference, receiver).
        let mut in_transit: Vec<(usize, String, usize)> = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            let id = format!("o{i}");
            match s {
                Step::Issue { who, units, id: n } => {
                    let pool = if *who == 0 { "b-c" } else { "c" };
                    let c = CustodyOp::CertificateIssue { pool: pool.into(), certificate: format!("CERT-{n}"), units: *units as i64, bundled_with: None, expires: None };
                    let _ = books[*who].apply(op(id, c));
                }
                Step::Split { who, pick, units, names: (f, r) } => {
                    if let Some(held) = pick_held(&books[*who], *pick) {
                        // Names the issuers use too: a part may share an id with any block.
                        let rest = if f == r { format!("{id}b") } else { format!("CERT-{r}") };
                        let c = CustodyOp::CertificateSplit { certificate: held, units: *units as i64, first: format!("CERT-{f}"), rest };
                        let _ = books[*who].apply(op(id, c));
                    }
                }
                Step::Transfer { who, pick, to } => {
                    if who == to { continue; }
                    if let Some(r) = pick_held(&books[*who], *pick) {
                        let c = CustodyOp::CertificateTransfer { certificate: r.clone(), to: BOOKS[*to].into() };
                        if books[*who].apply(op(id, c)).is_ok() {
                            in_transit.push((*who, r, *to));
                        }
                    }
                }
                Step::Receive { pick } => {
                    if in_transit.is_empty() { continue; }
                    let (from, r, to) = in_transit.remove(pick % in_transit.len());
                    let sender = &books[from];
                    let c = sender.certificates().find(&r, |_| true).unwrap();
                    prop_assert_eq!(c.state, CertState::TransferredOut);
                    let block = c.block();
                    let rc = CustodyOp::CertificateReceive { certificate: r, from: BOOKS[from].into(), block: Some(block) };
                    let res = books[to].apply(op(id, rc));
                    prop_assert!(res.is_ok(), "a block sent is received: {res:?}");
                }
                Step::Retire { who, pick } => {
                    if let Some(r) = pick_held(&books[*who], *pick) {
                        let c = CustodyOp::CertificateRetire { certificate: r, beneficiary: "x".into(), purpose: "p".into(), claim_period: "2025".into() };
                        prop_assert!(books[*who].apply(op(id, c)).is_ok(), "an active block held retires");
                    }
                }
            }
            // Live units (held active anywhere, or on their way) never share a serial.
            let mut live = Vec::new();
            for b in &books {
                let me = b.entity().id.clone();
                for c in b.certificates().certificates.values() {
                    if (c.state == CertState::Active && c.holder == me) || c.state == CertState::Retired {
                        live.push((c.space(), c.first, c.last));
                    }
                }
            }
            for (from, r, _) in &in_transit {
                let c = books[*from].certificates().find(r, |_| true).unwrap();
                live.push((c.space(), c.first, c.last));
            }
            // ...and every serial issued is in exactly one place: no unit is stuck in no book.
            let mut issued: std::collections::BTreeMap<SerialSpace, u64> = Default::default();
            for b in &books {
                for ((pool, period), next) in &b.certificates().next_serial {
                    let space = SerialSpace { issuer: b.entity().id.clone(), pool: pool.clone(), period: *period };
                    issued.insert(space, next - 1);
                }
            }
            let mut placed: std::collections::BTreeMap<SerialSpace, u64> = Default::default();
            for (space, f, l) in &live {
                *placed.entry(space.clone()).or_default() += l - f + 1;
            }
            placed.retain(|_, n| *n > 0);
            issued.retain(|_, n| *n > 0);
            prop_assert_eq!(&placed, &issued, "serials placed once each vs serials issued");
            no_overlap(live, "live or retired blocks")?;
            // A unit is retired once, in all books together.
            let retired = books
                .iter()
                .flat_map(|b| b.certificates().retired.iter().flat_map(|(s, r)| r.iter().map(move |(f, l)| (s.clone(), f, l))))
                .collect();
            no_overlap(retired, "retirements")?;
        }
    }

    #[test]
    fn assessment_never_credits_more_than_the_claimed_quantity(
        physical_dt in 0..60i64, claimed_dt in 0..60i64, claim_t in 0..500i64, product_t in 1..500i64,
        claim_for_rail in any::<bool>(), assess_rail in any::<bool>(), residual_dt in prop::option::of(0..60i64),
    ) {
        let (physical, claimed) = (Q::new(physical_dt as i128, 10), Q::new(claimed_dt as i128, 10));
        let product = if assess_rail { "rail" } else { "coil" };
        let fp = Footprint {
            product: product.into(), material: "steel".into(), intensity: physical, ferrous: FerrousInputs::default(),
            scrap_share: None, gases: vec![], boundary_note: String::new(), quantity: Some(product_t * 1_000_000), data_gaps: vec![],
        };
        let claim = Claim {
            kind: ClaimKind::MassBalanceChainOfCustody, claimed_intensity: claimed, site_level: true,
            non_proportional: Some(false), period_months: Some(3), lowest_input: Some(exact::q(0)), technology: Some(exact::q(0)),
            verified_by: Some("v".into()), baseline_disclosed: true, model: None,
            items: vec![if claim_for_rail { "rail" } else { "coil" }.into()], quantity: Some(claim_t * 1_000_000),
            residual: residual_dt.map(|r| Q::new(r as i128, 10)),
            declared_inputs: Vec::new(),
            provisional: None,
        };
        let v = claims::assess(&lenient(), &fp, Some(&claim));
        let credited = (physical - v.intensity) * exact::q(product_t as i128);
        let most = if claim_for_rail == assess_rail && claimed < physical {
            (physical - claimed) * exact::q(claim_t.min(product_t) as i128)
        } else {
            exact::q(0)
        };
        prop_assert!(credited <= most, "credited {credited} t·tCO2e/t, at most {most}");
        if claim_for_rail != assess_rail {
            prop_assert_eq!(v.claim_recognised, Some(false));
        }
    }
}

#[derive(Debug, Clone)]
enum Bundle {
    Issue {
        units: u32,
    },
    Split {
        pick: usize,
        units: u32,
    },
    Transfer {
        pick: usize,
    },
    Return,
    Reverse,
    /// The customer receives a block the seller sent it.
    Receive {
        pick: usize,
    },
    /// The customer splits a block it holds (its parts named `b/..`, the seller's serials).
    HolderSplit {
        pick: usize,
        units: u32,
    },
    /// The customer sends a block it holds back to the seller, which receives it.
    SendBack {
        pick: usize,
    },
}

fn bundle_step() -> impl Strategy<Value = Bundle> {
    prop_oneof![
        3 => (1..80u32).prop_map(|units| Bundle::Issue { units }),
        2 => (0..8usize, 1..60u32).prop_map(|(pick, units)| Bundle::Split { pick, units }),
        2 => (0..8usize).prop_map(|pick| Bundle::Transfer { pick }),
        1 => Just(Bundle::Return),
        1 => Just(Bundle::Reverse),
        2 => (0..8usize).prop_map(|pick| Bundle::Receive { pick }),
        2 => (0..8usize, 1..60u32).prop_map(|(pick, units)| Bundle::HolderSplit { pick, units }),
        2 => (0..8usize).prop_map(|pick| Bundle::SendBack { pick }),
    ]
}

/// The distinct serials of `l`'s own certificates bundled with `sale1`, counted one by one.
fn bundled_serials(l: &Ledger) -> usize {
    let me = l.entity().id.clone();
    let mut serials = std::collections::BTreeSet::new();
    for c in
        l.certificates().certificates.values().filter(|c| c.issuer == me && c.bundled_with.as_deref() == Some("sale1"))
    {
        serials.extend((c.first..=c.last).map(|n| (c.pool.clone(), c.period, n)));
    }
    serials.len()
}

/// The block `from`'s book sent to `to` as `r`, as a registry fills a receive with it.
fn sent_block(from: &Ledger, r: &str, to: &str) -> CertificateBlock {
    from.certificates().find(r, |c| c.state == CertState::TransferredOut && c.holder == to).unwrap().block()
}

/// Where each serial bundled with `sale1` is now, counted one by one: in the smallest entry (not
/// split) of `l`'s book holding it, the newest (a part sent back lies inside the block sent out).
fn serials_now(l: &Ledger) -> std::collections::BTreeMap<CertKey, i128> {
    let me = l.entity().id.clone();
    let book = l.certificates();
    let entries: Vec<&Certificate> = book
        .certificates
        .values()
        .filter(|c| c.issuer == me && c.bundled_with.as_deref() == Some("sale1") && c.state != CertState::Split)
        .collect();
    let mut now = std::collections::BTreeMap::new();
    for c in &entries {
        for n in c.first..=c.last {
            let inner = entries
                .iter()
                .filter(|x| x.space() == c.space() && x.first <= n && n <= x.last)
                .min_by_key(|x| x.units());
            if inner.map(|x| x.key()) == Some(c.key()) {
                *now.entry(c.key()).or_insert(0) += 1;
            }
        }
    }
    now
}

/// The seller's bundled units are the distinct serials bundled with its 100 t sale, at most 100;
/// each serial is now in one entry of its book; and none is with the customer while the sale is
/// returned or reversed.
fn bundle_holds(l: &Ledger) -> Result<(), TestCaseError> {
    let distinct = bundled_serials(l);
    prop_assert!(distinct <= 100, "{distinct} serials bundled with a 100 t sale");
    let counted = l.certificates().bundled_units("s", "sale1");
    prop_assert_eq!(counted, distinct as i128, "bundled units are the distinct serials bundled");
    let now = serials_now(l);
    let current = l.certificates().current_units(|c| c.issuer == "s" && c.bundled_with.as_deref() == Some("sale1"));
    prop_assert_eq!(
        current.into_iter().filter(|(_, n)| *n > 0).collect::<std::collections::BTreeMap<_, _>>(),
        now.clone()
    );
    prop_assert_eq!(now.values().sum::<i128>(), distinct as i128, "each serial is now in one entry");
    let undone = l.is_reversed("sale1") || l.has_returned("sale1", "b");
    let away = now.keys().any(|k| l.certificates().certificates[k].state == CertState::TransferredOut);
    prop_assert!(!(undone && away), "a bundled certificate with the customer while its sale is undone");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Bundled certificates never carry more units than their 100 t sale, and none is with the
    /// customer while the sale is returned or reversed. The customer `b` splits what it receives
    /// and sends parts back: the seller's book may then hold a block it sent out and a part of it
    /// back (two entries, one serial range), and its bundled units are still the distinct
    /// serials bundled with the sale, never more.
    #[test]
    fn bundled_units_stay_within_the_sale_and_follow_the_goods(steps in prop::collection::vec(bundle_step(), 1..40)) {
        let mut l = journal(super::instruments::SELLER);
        let mut b = journal(super::instruments::CUSTOMER);
        // Sent by the seller to `b` and not yet received.
        let mut in_transit: Vec<String> = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            let id = format!("o{i}");
            let split = |r: String, units: u32| CustodyOp::CertificateSplit { certificate: r, units: units as i64, first: format!("{id}a"), rest: format!("{id}b") };
            match s {
                Bundle::Issue { units } => {
                    let c = CustodyOp::CertificateIssue { pool: "bp".into(), certificate: format!("B{i}"), units: *units as i64, bundled_with: Some("sale1".into()), expires: None };
                    let _ = l.apply(op(id, c));
                }
                Bundle::Split { pick, units } => {
                    if let Some(r) = pick_held(&l, *pick) {
                        let _ = l.apply(op(id.clone(), split(r, *units)));
                    }
                }
                Bundle::Transfer { pick } => {
                    if let Some(r) = pick_held(&l, *pick) {
                        if l.apply(op(id, CustodyOp::CertificateTransfer { certificate: r.clone(), to: "b".into() })).is_ok() {
                            in_transit.push(r);
                        }
                    }
                }
                Bundle::Return | Bundle::Reverse => {
                    let body = if matches!(s, Bundle::Return) {
                        Operation::Return(custody_core::ops::Return { sale: "sale1".into(), customer: "b".into() })
                    } else {
                        Operation::Reverse { of: "sale1".into() }
                    };
                    let _ = l.apply(Op { id, date: date("2025-06-01"), memo: String::new(), body });
                }
                Bundle::Receive { pick } => {
                    if !in_transit.is_empty() {
                        let r = in_transit.remove(pick % in_transit.len());
                        let rc = CustodyOp::CertificateReceive { block: Some(sent_block(&l, &r, "b")), certificate: r, from: "s".into() };
                        let res = b.apply(op(id, rc));
                        prop_assert!(res.is_ok(), "a block sent is received: {res:?}");
                    }
                }
                Bundle::HolderSplit { pick, units } => {
                    if let Some(r) = pick_held(&b, *pick) {
                        let _ = b.apply(op(id.clone(), split(r, *units)));
                    }
                }
                Bundle::SendBack { pick } => {
                    let Some(r) = pick_held(&b, *pick) else { continue };
                    if b.apply(op(id.clone(), CustodyOp::CertificateTransfer { certificate: r.clone(), to: "s".into() })).is_ok() {
                        let rc = CustodyOp::CertificateReceive { block: Some(sent_block(&b, &r, "s")), certificate: r, from: "b".into() };
                        let res = l.apply(op(format!("{id}r"), rc));
                        prop_assert!(res.is_ok(), "a block sent back is received: {res:?}");
                    }
                }
            }
            bundle_holds(&l)?;
        }
    }

    /// Avoided-emission certificates: never a negative intensity, one per project, product and
    /// period, never more product than made (100 t) nor more avoided than its footprint (1.9 t/t).
    #[test]
    fn avoided_certificates_are_counted_once_and_within_the_product(
        certs in prop::collection::vec((0..3usize, -10..40i64, -10..40i64, 1..150u32), 1..12)
    ) {
        let mut l = journal(super::instruments::PLANT);
        for (i, (project, baseline_dt, actual_dt, tonnes)) in certs.iter().enumerate() {
            let c = CustodyOp::Avoided {
                project: format!("project {project}"),
                basis: AvoidedBasis::CompanyBaseline,
                baseline: Q::new(*baseline_dt as i128, 10),
                actual: Q::new(*actual_dt as i128, 10),
                quantity: custody_core::units::Measure::parse(&tonnes.to_string(), "t").unwrap(),
                allocated_to: Some("dri-steel".into()),
            };
            let _ = l.apply(op(format!("a{i}"), c));
        }
        let all = l.avoided();
        let mut projects: Vec<&str> = all.iter().map(|a| a.project.as_str()).collect();
        projects.sort();
        projects.dedup();
        prop_assert_eq!(projects.len(), all.len(), "a project certified twice for one product and period");
        prop_assert!(all.iter().map(|a| a.quantity).sum::<i64>() <= 100_000_000, "more certified than made");
        for a in all {
            prop_assert!(a.actual >= exact::q(0) && a.baseline >= exact::q(0));
            prop_assert!(exact::q(a.avoided as i128) <= Q::new(19, 10) * exact::q(a.quantity as i128), "{} avoided on {}", a.avoided, a.quantity);
        }
    }
}
