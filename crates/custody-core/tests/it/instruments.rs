//! Instruments that behave like property (issue 17, items 3-8), each case's right value: serials
//! unambiguous across issuers, books keyed by issuer and id, retirements as ranges, checked
//! arithmetic, bundled certificates bound to their sale, avoided-emission certificates once per
//! project, product and period, and claims bound to their product and quantity.

use custody_core::claims::{self, Claim, ClaimKind, FerrousInputs, Footprint};
use custody_core::coc::*;
use custody_core::model::*;
use custody_core::ops::{CustodyOp, Op, Operation};
use custody_core::statements::Scope;
use custody_core::{Code, Ledger};
use custody_journal::{load, Source};

pub fn journal(text: &str) -> Ledger {
    match load(&[Source { name: "t.journal".into(), text: text.into() }]) {
        Ok(l) => l,
        Err((_, d)) => panic!("journal must load: {d:#?}"),
    }
}

/// The codes a journal's first refused entry carries (empty: it loads).
fn refused(text: &str) -> Vec<String> {
    match load(&[Source { name: "t.journal".into(), text: text.into() }]) {
        Ok(_) => vec![],
        Err((_, d)) => d[0]
            .message
            .split('[')
            .skip(1)
            .map(|s| s.split(']').next().unwrap().split(' ').nth(1).unwrap().to_string())
            .collect(),
    }
}

pub fn date(s: &str) -> Date {
    parse_date(s).unwrap()
}

pub fn op(id: &str, d: &str, c: CustodyOp) -> Op {
    Op { id: id.into(), date: date(d), memo: String::new(), body: Operation::Custody(c) }
}

/// An issuer `id` with certificate pool `pool` fed `tonnes` t of eligible DRI steel.
pub fn issuer(id: &str, pool: &str, tonnes: u64) -> String {
    format!(
        "entity {id} \"{id}\"\n  ratios efi\n  gwp ar6\n{}\
         item dri-steel \"DRI\"\n  category product\nitem coil \"Coil\"\n  category product\n\
         period 2025 2025-01-01 2025-12-31\n\
         pool {pool} \"pool\"\n  attribute low-emission-iron\n  method credit\n  eligible dri-steel\n  start 2025-01\n  \
           period 12 months\n  boundary site s1\n  group flat coil\n  attribution proportional\n  \
           output unbundled-certificate\n  claim \"instruments\"\n\
         2025-03-31 pool-input in\n  pool {pool}\n  item dri-steel\n  quantity {tonnes} t\n  site s1\n",
        others(id, &["d", "a", "b", "c"])
    )
}

/// Counterparty lines for `ids`, leaving out the entity itself (a company is not its own counterparty).
pub fn others(me: &str, ids: &[&str]) -> String {
    ids.iter().filter(|c| **c != me).map(|c| format!("counterparty {c} \"{}\"\n", c.to_uppercase())).collect()
}

pub fn holder(id: &str) -> Ledger {
    journal(&format!(
        "entity {id} \"{id}\"\n  ratios efi\n  gwp ar6\n{}period 2025 2025-01-01 2025-12-31\n",
        others(id, &["a", "a-b", "d", "b", "c"])
    ))
}

pub fn issue(cert: &str, pool: &str, units: i64) -> CustodyOp {
    CustodyOp::CertificateIssue {
        pool: pool.into(),
        certificate: cert.into(),
        units,
        bundled_with: None,
        expires: None,
    }
}

pub fn send(cert: &str, to: &str) -> CustodyOp {
    CustodyOp::CertificateTransfer { certificate: cert.into(), to: to.into() }
}

pub fn retire(cert: &str) -> CustodyOp {
    CustodyOp::CertificateRetire {
        certificate: cert.into(),
        beneficiary: "D".into(),
        purpose: "p".into(),
        claim_period: "2025".into(),
    }
}

/// What a registry does on a certificate receive: the block as the sender's book holds it.
pub fn receive_from(sender: &Ledger, cert: &str, to: &str) -> CustodyOp {
    let c = sender.certificates().find(cert, |c| c.state == CertState::TransferredOut && c.holder == to).unwrap();
    CustodyOp::CertificateReceive { certificate: cert.into(), from: sender.entity().id.clone(), block: Some(c.block()) }
}

pub fn code(r: Result<custody_core::Applied, custody_core::Rejection>) -> Option<Code> {
    r.err().map(|e| e.code())
}

#[test]
fn case_11_two_issuers_never_share_a_serial_and_both_cert_1_are_held() {
    // `a` with pool `b-c` and `a-b` with pool `c`: joined with `-` both would read a-b-c-0.
    let mut a = journal(&issuer("a", "b-c", 100));
    let mut ab = journal(&issuer("a-b", "c", 100));
    let mut d = holder("d");
    for (l, pool) in [(&mut a, "b-c"), (&mut ab, "c")] {
        l.apply(op("i", "2025-04-01", issue("CERT-1", pool, 10))).unwrap();
        l.apply(op("t", "2025-04-02", send("CERT-1", "d"))).unwrap();
    }
    d.apply(op("r1", "2025-04-03", receive_from(&a, "CERT-1", "d"))).unwrap();
    d.apply(op("r2", "2025-04-03", receive_from(&ab, "CERT-1", "d"))).unwrap();
    let held: Vec<&Certificate> = d.certificates().certificates.values().collect();
    assert_eq!(held.len(), 2, "each CERT-1 known by issuer and id");
    assert_ne!(held[0].space(), held[1].space(), "distinct issuers never share a serial");
    assert_eq!(held.iter().map(|c| c.units()).sum::<i64>(), 20);
    // Both active: the bare id is ambiguous; ISSUER/ID names each.
    assert_eq!(code(d.apply(op("x0", "2025-04-04", retire("CERT-1")))), Some(Code::AllocationInvalid));
    d.apply(op("x1", "2025-04-04", retire("a/CERT-1"))).unwrap();
    d.apply(op("x2", "2025-04-04", retire("a-b/CERT-1"))).unwrap();
    assert!(d.certificates().certificates.values().all(|c| c.state == CertState::Retired));
}

#[test]
fn case_12_a_billion_unit_block_retires_as_one_range() {
    let mut a = journal(&issuer("a", "certs", 1_000_001_000));
    a.apply(op("big", "2025-07-02", issue("BIG", "certs", 1_000_000_000))).unwrap();
    a.apply(op("r", "2025-07-03", retire("BIG"))).unwrap();
    for i in 0..10 {
        a.apply(op(&format!("s{i}"), "2025-07-04", issue(&format!("S{i}"), "certs", 1))).unwrap();
    }
    let space = SerialSpace { issuer: "a".into(), pool: "certs".into(), period: 0 };
    assert_eq!(a.certificates().retired[&space].iter().collect::<Vec<_>>(), vec![(1, 1_000_000_000)]);
    let s9 = a.certificates().find("S9", |_| true).unwrap();
    assert_eq!((s9.first, s9.last), (1_000_000_010, 1_000_000_010));
}

#[test]
fn serial_arithmetic_is_checked_never_wrapped() {
    let mut a = journal(&issuer("a", "certs", 100));
    assert_eq!(code(a.apply(op("i", "2025-04-01", issue("X", "certs", i64::MAX)))), Some(Code::Overflow));
    let mut d = holder("d");
    let block = |first: u64, last: u64| CertificateBlock {
        issuer: "a".into(),
        pool: "certs".into(),
        period: 0,
        first,
        last,
        bundled_with: None,
        expires: None,
        sent_by: None,
        named_by: None,
    };
    for (first, last) in [(0, 5), (7, 6), (1, u64::MAX)] {
        let r = CustodyOp::CertificateReceive {
            certificate: "X".into(),
            from: "a".into(),
            block: Some(block(first, last)),
        };
        assert_eq!(code(d.apply(op("r", "2025-04-03", r))), Some(Code::AllocationInvalid), "{first}..{last}");
    }
    // Overlapping blocks typed into one book: the second is refused, no unit held twice.
    let r = |id: &str, f, l| CustodyOp::CertificateReceive {
        certificate: id.into(),
        from: "a".into(),
        block: Some(block(f, l)),
    };
    d.apply(op("r1", "2025-04-03", r("X", 1, 10))).unwrap();
    assert_eq!(code(d.apply(op("r2", "2025-04-03", r("Y", 5, 20)))), Some(Code::CertificateUnavailable));
}

#[test]
fn a_block_comes_back_to_a_former_holder() {
    let mut a = journal(&issuer("a", "certs", 100));
    let mut d = holder("d");
    a.apply(op("i", "2025-04-01", issue("X", "certs", 10))).unwrap();
    a.apply(op("t1", "2025-04-02", send("X", "d"))).unwrap();
    d.apply(op("r1", "2025-04-03", receive_from(&a, "X", "d"))).unwrap();
    d.apply(op("t2", "2025-04-04", send("X", "a"))).unwrap();
    a.apply(op("r2", "2025-04-05", receive_from(&d, "X", "a"))).unwrap();
    let x = a.certificates().find("X", |_| true).unwrap();
    assert_eq!((x.state, x.holder.as_str()), (CertState::Active, "a"));
    // ...and may travel to d again, under a new transfer.
    a.apply(op("t3", "2025-04-06", send("X", "d"))).unwrap();
    d.apply(op("r3", "2025-04-07", receive_from(&a, "X", "d"))).unwrap();
    d.apply(op("x", "2025-04-08", retire("X"))).unwrap();
}

/// Hostile finding F2: `b` splits `a`'s `X` (100 units) into `X1` (60) / `X2` (40) and sends `X1`
/// to `c`; `a` then issues its own `X1` (10) and sends it to `c`, and its own `X2` (5) while `b`
/// sends its `X2` back to `a`. Each book holds both blocks of one id under two keys (namer, id),
/// their serials are those of `a`'s issuance (1..60 and 61..100 of the split, 101..110 and
/// 111..115 of the later issues), and each retires once.
#[test]
fn f2_a_holders_split_parts_never_take_the_issuers_keys() {
    let mut a = journal(&issuer("a", "certs", 1000));
    let (mut b, mut c) = (holder("b"), holder("c"));
    a.apply(op("i", "2025-07-01", issue("X", "certs", 100))).unwrap();
    a.apply(op("t1", "2025-07-02", send("X", "b"))).unwrap();
    b.apply(op("r1", "2025-07-03", receive_from(&a, "X", "b"))).unwrap();
    let split =
        CustodyOp::CertificateSplit { certificate: "X".into(), units: 60, first: "X1".into(), rest: "X2".into() };
    b.apply(op("sp", "2025-07-04", split)).unwrap();
    b.apply(op("t2", "2025-07-05", send("X1", "c"))).unwrap();
    a.apply(op("iss-x1", "2025-07-05", issue("X1", "certs", 10))).unwrap();
    a.apply(op("t3", "2025-07-05", send("X1", "c"))).unwrap();
    c.apply(op("r1", "2025-07-06", receive_from(&b, "X1", "c"))).unwrap();
    c.apply(op("r2", "2025-07-06", receive_from(&a, "X1", "c"))).expect("a's own X1 is another block");
    let held: Vec<(String, u64, u64, i64)> =
        c.certificates().certificates.values().map(|x| (x.reference(), x.first, x.last, x.units())).collect();
    assert_eq!(held, vec![("X1".to_string(), 101, 110, 10), ("b/X1".to_string(), 1, 60, 60)]);
    assert!(c.certificates().certificates.values().all(|x| x.issuer == "a" && x.pool == "certs"), "traceable to a");
    // The bare id is ambiguous; NAMER/ID names each; each retires once.
    assert_eq!(code(c.apply(op("x0", "2025-07-07", retire("X1")))), Some(Code::AllocationInvalid));
    c.apply(op("x1", "2025-07-07", retire("b/X1"))).unwrap();
    c.apply(op("x2", "2025-07-07", retire("a/X1"))).unwrap();
    assert_eq!(code(c.apply(op("x3", "2025-07-07", retire("b/X1")))), Some(Code::CertificateUnavailable));
    assert_eq!(code(c.apply(op("x4", "2025-07-07", retire("a/X1")))), Some(Code::CertificateUnavailable));
    let space = SerialSpace { issuer: "a".into(), pool: "certs".into(), period: 0 };
    assert_eq!(c.certificates().retired[&space].iter().collect::<Vec<_>>(), vec![(1, 60), (101, 110)]);
    // b's X2 goes back to a, which has issued its own X2 meanwhile: a holds both.
    a.apply(op("iss-x2", "2025-07-08", issue("X2", "certs", 5))).unwrap();
    b.apply(op("t4", "2025-07-08", send("X2", "a"))).unwrap();
    a.apply(op("r3", "2025-07-09", receive_from(&b, "X2", "a"))).expect("a takes its units back");
    let x2: Vec<(String, u64, u64)> = a
        .certificates()
        .certificates
        .values()
        .filter(|x| x.id == "X2" && x.state == CertState::Active)
        .map(|x| (x.reference(), x.first, x.last))
        .collect();
    assert_eq!(x2, vec![("X2".to_string(), 111, 115), ("b/X2".to_string(), 61, 100)]);
    a.apply(op("x5", "2025-07-10", retire("b/X2"))).unwrap();
    a.apply(op("x6", "2025-07-10", retire("a/X2"))).unwrap();
}

/// The credit is 1000 t of HBI declared from outside the ledger: the seller's own 100 t of DRI
/// were sold unprocessed before the pool input, so they credit no pool (hostile2 F1, the other
/// order); the case is the certificate's bound to its sale.
pub const SELLER: &str =
    "entity s \"Seller\"\n  ratios efi\n  gwp ar5\ncounterparty grid \"Grid\"\ncounterparty b \"B\"\n\
item elec \"Electricity\"\n  category electricity\nitem dri-steel \"DRI steel\"\n  category product\n\
item hbi \"HBI from outside the ledger\"\n  category raw-material\n\
item ore \"Ore pellets\"\n  category raw-material\n  carbon-content 0\n\
period 2025 2025-01-01 2025-12-31\n\
2025-03-10 purchase buy-elec\n  supplier grid\n  item elec\n  quantity 100 MWh\n  factor 500 gCO2/kWh\n\
2025-03-10 purchase buy-ore\n  supplier grid\n  item ore\n  quantity 140 t\n  attributed 0 tCO2\n\
2025-03-10 consume use\n  use elec 100 MWh\n  use ore 140 t\n2025-03-10 produce make\n  output dri-steel 100 t\n\
2025-03-11 sell sale1\n  item dri-steel\n  customer b 100 t\n  custody mass-balance\n\
pool bp \"Bundled\"\n  attribute low-emission-iron\n  method credit\n  eligible hbi\n  start 2025-01\n  \
  period 12 months\n  boundary site s1\n  group flat dri-steel\n  group-key mass\n  attribution proportional\n  \
  output bundled-certificate\n  claim \"travels with the sale\"\n  conversion 1\n\
2025-03-31 pool-input in\n  pool bp\n  item hbi\n  quantity 1000 t\n  site s1\n";

/// `certificate-issue ID` of `units` from pool `bp`, bundled with `sale1` (as [`bundled`] writes).
pub fn bundled_issue(id: &str, units: i64) -> CustodyOp {
    CustodyOp::CertificateIssue {
        pool: "bp".into(),
        certificate: id.into(),
        units,
        bundled_with: Some("sale1".into()),
        expires: None,
    }
}

/// `certificate-split` of `cert`: its first `units` as `first`, the rest as `rest`.
pub fn split(cert: &str, units: i64, first: &str, rest: &str) -> CustodyOp {
    CustodyOp::CertificateSplit { certificate: cert.into(), units, first: first.into(), rest: rest.into() }
}

pub fn bundled(id: &str, units: u32) -> String {
    format!("2025-04-01 certificate-issue {id}\n  pool bp\n  certificate {id}\n  units {units}\n  bundled-with sale1\n")
}

#[test]
fn case_45_a_bundled_certificate_covers_at_most_its_sale_and_follows_the_goods() {
    // a) 500 units on a 100 t sale; and 60 + 60 units on it.
    assert_eq!(refused(&format!("{SELLER}{}", bundled("BIG", 500))), ["claim_exceeds_balance"]);
    assert_eq!(refused(&format!("{SELLER}{}{}", bundled("A", 60), bundled("B", 60))), ["claim_exceeds_balance"]);
    assert!(refused(&format!("{SELLER}{}", bundled("ALL", 100))).is_empty());
    // b) the sale returned: the certificate no longer goes to the buyer.
    let ret = "2025-04-02 return ret\n  sale sale1\n  customer b\n";
    let tb = "2025-04-03 certificate-transfer tb\n  certificate ALL\n  to b\n";
    assert_eq!(refused(&format!("{SELLER}{}{ret}{tb}", bundled("ALL", 100))), ["certificate_unavailable"]);
    // ...nor once reversed; nor is a certificate issued on a returned sale.
    let rev = "2025-04-02 reverse rv\n  of sale1\n";
    assert_eq!(refused(&format!("{SELLER}{}{rev}{tb}", bundled("ALL", 100))), ["certificate_unavailable"]);
    assert_eq!(refused(&format!("{SELLER}{ret}{}", bundled("ALL", 100))), ["certificate_unavailable"]);
    // Once the certificate went with the goods, the goods are not returned without it.
    assert_eq!(refused(&format!("{SELLER}{}{tb}{ret}", bundled("ALL", 100))), ["certificate_unavailable"]);
    assert_eq!(refused(&format!("{SELLER}{}{tb}{rev}", bundled("ALL", 100))), ["certificate_unavailable"]);
}

#[test]
fn a_customer_gets_no_more_bundled_units_than_it_bought() {
    let split_sale = SELLER
        .replace("counterparty b \"B\"\n", "counterparty b \"B\"\ncounterparty c \"C\"\n")
        .replace("  customer b 100 t\n", "  customer b 60 t\n  customer c 40 t\n");
    let mut l = journal(&format!("{split_sale}{}", bundled("ALL", 100)));
    assert_eq!(code(l.apply(op("t0", "2025-04-02", send("ALL", "b")))), Some(Code::ClaimExceedsBalance));
    let split =
        CustodyOp::CertificateSplit { certificate: "ALL".into(), units: 60, first: "B60".into(), rest: "C40".into() };
    l.apply(op("sp", "2025-04-02", split)).unwrap();
    l.apply(op("t1", "2025-04-03", send("B60", "b"))).unwrap();
    assert_eq!(code(l.apply(op("t2", "2025-04-03", send("C40", "b")))), Some(Code::ClaimExceedsBalance));
    l.apply(op("t3", "2025-04-03", send("C40", "c"))).unwrap();
}

pub const PLANT: &str =
    "entity ph \"Phantom\"\n  ratios efi\n  gwp ar6\ncounterparty gas-co \"Gas\"\ncounterparty buyer \"Buyer\"\n\
item gas \"Natural gas\"\n  category fuel\n  carbon-content 0.75\nitem dri-steel \"DRI steel\"\n  category product\n\
item ore \"Ore pellets\"\n  category raw-material\n  carbon-content 0\n\
period 2025 2025-01-01 2025-12-31\n\
2025-03-01 purchase buy-gas\n  supplier gas-co\n  item gas\n  quantity 60 t\n  factor 0.5 tCO2/t\n\
2025-03-01 purchase buy-ore\n  supplier gas-co\n  item ore\n  quantity 140 t\n  attributed 0 tCO2\n\
2025-03-02 consume melt\n  use gas 60 t\n  use ore 140 t\n2025-03-02 emit burn\n  emission 160 tCO2\n\
2025-03-03 produce make\n  output dri-steel 100 t\n2025-03-04 sell s1\n  item dri-steel\n  customer buyer 100 t\n";

fn avoided(id: &str, project: &str, actual: &str, tonnes: u32) -> String {
    format!(
        "2025-12-31 avoided {id}\n  project \"{project}\"\n  basis company-baseline\n  baseline 2.2 tCO2e/t\n  actual {actual} tCO2e/t\n  quantity {tonnes} t\n  allocated-to \"dri-steel\"\n"
    )
}

#[test]
fn case_60_avoided_emissions_certified_once_per_project_product_and_period() {
    let honest = journal(&format!("{PLANT}{}", avoided("rep", "DRI plant", "0.7", 100)));
    assert_eq!(honest.avoided()[0].avoided, 150_000_000, "150 tCO2e in all");
    let again = avoided("rep2", "DRI plant", "0.7", 100);
    assert_eq!(
        refused(&format!("{PLANT}{}{again}", avoided("rep", "DRI plant", "0.7", 100))),
        ["instrument_duplicate"]
    );
    // Another project name on the same 100 t: more product than was made.
    let other = avoided("rep3", "Another name", "0.7", 60);
    assert_eq!(refused(&format!("{PLANT}{}{other}", avoided("rep", "DRI plant", "0.7", 50))), ["instrument_duplicate"]);
    assert_eq!(refused(&format!("{PLANT}{}", avoided("neg", "DRI plant", "-5", 100))), ["negative_intensity"]);
    // Never more avoided than the product's own footprint (190 tCO2e for the 100 t).
    let big = avoided("big", "DRI plant", "0.7", 100).replace("baseline 2.2", "baseline 9");
    assert_eq!(refused(&format!("{PLANT}{big}")), ["claim_exceeds_balance"]);
}

fn ledger_claim_case() -> Ledger {
    journal(
        "entity mill \"Mill\"\n  ratios efi\n  gwp ar6\ncounterparty gas-co \"Gas\"\ncounterparty buyer \"Buyer\"\n\
         item gas \"Gas\"\n  category fuel\n  carbon-content 0.75\nitem coil \"Coil\"\n  category product\n\
         item rail \"Rail\"\n  category product\nitem dri-steel \"DRI\"\n  category product\nitem bof-steel \"BOF\"\n  category product\n\
         period 2025 2025-01-01 2025-12-31\n\
         2025-03-01 purchase buy-gas\n  supplier gas-co\n  item gas\n  quantity 400 t\n  factor 2 tCO2/t\n\
         2025-03-02 consume melt\n  use gas 400 t\n2025-03-02 emit burn\n  emission 1000 tCO2\n\
         2025-03-03 produce roll\n  output coil 200 t\n  output rail 200 t\n\
         2025-03-04 sell s1\n  item coil\n  customer buyer 200 t\n2025-03-04 sell s2\n  item rail\n  customer buyer 200 t\n\
         pool sa \"Site A\"\n  attribute emission-intensity\n  method credit\n  eligible dri-steel\n  start 2025-01\n  \
           period 12 months\n  boundary site s1\n  group flat coil\n  group-key mass\n  attribution non-proportional\n  \
           output updated-factor\n  claim \"Scope 3\"\n  conversion 1\n  verified-by \"V\"\n\
         2025-03-31 pool-input dri\n  pool sa\n  item dri-steel\n  quantity 100 t\n  intensity 0.7 tCO2e/t\n  site s1\n\
         2025-03-31 pool-input bof\n  pool sa\n  item bof-steel\n  quantity 300 t\n  intensity 2.2 tCO2e/t\n  site s1\n\
         2025-03-31 pool-output coil-out\n  pool sa\n  item coil\n  quantity 400 t\n  site s1\n\
         2025-03-31 pool-claim one-tonne\n  pool sa\n  output coil-out\n  quantity 1 t\n  factor 0.7 tCO2e/t\n",
    )
}

/// A framework that accepts every mass-balance claim and sets one line at 1 tCO2e/t.
pub fn lenient() -> claims::Framework {
    claims::Framework {
        id: "lenient".into(),
        name: "lenient".into(),
        version: "1".into(),
        material: "steel".into(),
        unit: "tCO2e/t".into(),
        boundary: "b".into(),
        gases: vec![],
        scrap: claims::ScrapDefinition::None,
        default_scrap_share: None,
        default_scrap_share_source: None,
        comparison: claims::Comparison::AtMost,
        levels: vec![claims::Level {
            name: "low".into(),
            intercept: custody_core::exact::q(1),
            slope: custody_core::exact::q(0),
        }],
        custody: claims::CustodyRules {
            mass_balance_chain_of_custody: claims::Stance::Accepted,
            mass_balance_credit: claims::Stance::Accepted,
            book_and_claim: claims::Stance::Accepted,
            models: vec![],
            site_level_link: false,
            proportional_only: false,
            max_period_months: None,
            third_party_verification: false,
            baseline_disclosure: false,
            additionality: false,
        },
        sources: vec![],
        confidence: String::new(),
        not_found: vec![],
    }
}

#[test]
fn case_75_a_claim_is_bound_to_its_product_and_quantity() {
    let l = ledger_claim_case();
    let scope = Scope::resolve(&l, None).unwrap();
    let claim = claims::claim_from_pool(&l, "sa", "one-tonne").unwrap();
    let f = lenient();
    // Rail is not what the claim is for.
    let rail = claims::footprint_from_ledger(&l, &scope, "rail", "steel").unwrap();
    let v = claims::assess(&f, &rail, Some(&claim));
    assert_eq!((v.claim_recognised, v.reached.as_deref()), (Some(false), None));
    // Coil: 1 t at 0.7, the other 199 t at the physical 4.6.
    let coil = claims::footprint_from_ledger(&l, &scope, "coil", "steel").unwrap();
    let v = claims::assess(&f, &coil, Some(&claim));
    assert_eq!(v.claim_recognised, Some(true));
    assert_eq!(v.claimed_quantity_t, Some(custody_core::exact::q(1)));
    let want = (claim.claimed_intensity + coil.intensity * custody_core::exact::q(199)) / custody_core::exact::q(200);
    assert_eq!(v.intensity, want);
    assert!(v.intensity > custody_core::exact::q(4), "{}", v.intensity);
    assert_eq!(v.reached, None);
    // Where the pool's residual is above the physical factor, the rest carries the residual.
    let high = Claim { residual: Some(custody_core::exact::q(5)), ..claim.clone() };
    let v = claims::assess(&f, &coil, Some(&high));
    let want = (claim.claimed_intensity + custody_core::exact::q(5 * 199)) / custody_core::exact::q(200);
    assert_eq!(v.intensity, want);
}

#[test]
fn case_72_unknown_facts_never_help_the_claimant() {
    let fp = Footprint {
        product: "eaf-bar".into(),
        material: "steel".into(),
        intensity: custody_core::exact::parse_decimal("0.5").unwrap(),
        ferrous: FerrousInputs::default(),
        scrap_share: None,
        gases: vec![],
        boundary_note: String::new(),
        data_gaps: vec![],
        quantity: None,
    };
    let f = claims::Framework { scrap: claims::ScrapDefinition::MetallicInput, ..lenient() };
    assert_eq!(claims::assess(&f, &fp, None).reached, None, "scrap share unknown, no default: no level");
    let out_of_range = Footprint { scrap_share: Some(custody_core::exact::q(2)), ..fp.clone() };
    assert_eq!(claims::assess(&f, &out_of_range, None).reached, None, "a share of 200% is no share");
    let negative =
        Footprint { intensity: custody_core::exact::q(-1), scrap_share: Some(custody_core::exact::q(1)), ..fp.clone() };
    assert_eq!(claims::assess(&f, &negative, None).reached, None, "an intensity is never negative");
    // A claim whose facts are not stated fails the checks that need them.
    let f = claims::Framework {
        custody: claims::CustodyRules {
            mass_balance_chain_of_custody: claims::Stance::AcceptedWithPrinciples,
            proportional_only: true,
            max_period_months: Some(3),
            ..lenient().custody
        },
        ..f
    };
    let unknown = Claim {
        kind: ClaimKind::MassBalanceChainOfCustody,
        claimed_intensity: custody_core::exact::parse_decimal("0.4").unwrap(),
        site_level: true,
        non_proportional: None,
        period_months: None,
        lowest_input: None,
        technology: None,
        verified_by: None,
        baseline_disclosed: false,
        model: None,
        items: vec![],
        quantity: None,
        residual: None,
        declared_inputs: Vec::new(),
        provisional: None,
    };
    let known = Footprint { scrap_share: Some(custody_core::exact::q(1)), ..fp };
    let v = claims::assess(&f, &known, Some(&unknown));
    assert_eq!(v.claim_recognised, Some(false));
    for check in ["no stacking", "attribution", "period length"] {
        assert!(v.reasons.iter().any(|r| r.check == check && !r.ok), "{check} fails when unknown: {:#?}", v.reasons);
    }
}

/// The customer `b` of [`SELLER`]'s `sale1`, which sells 30 t of its own coil to `s` under the
/// same id `sale1`: a bundled block names the issuer's sale, which `b`'s ledger must not take for
/// its own (`bundle_holders`: `b` sends the 60 units of `s`'s block back past its own 30 t).
pub const CUSTOMER: &str = "entity b \"B\"\n  ratios efi\n  gwp ar5\ncounterparty s \"Seller\"\n\
item ore \"Ore\"\n  category raw-material\n  carbon-content 0\nitem coil \"Coil\"\n  category product\n\
period 2025 2025-01-01 2025-12-31\n\
2025-03-12 purchase buy-ore\n  supplier s\n  item ore\n  quantity 40 t\n  attributed 0 tCO2\n\
2025-03-12 consume use\n  use ore 40 t\n2025-03-12 produce make\n  output coil 30 t\n\
2025-03-13 sell sale1\n  item coil\n  customer s 30 t\n  custody mass-balance\n";

/// `s` bundles `B` (60 units, serials 1..60) with its 100 t `sale1` and sends it to `b`; `b` splits
/// it into `b/X1` (1..30) and `b/X2` (31..60) and sends `X1` back. `s`'s book now holds `B`
/// (transferred out) and `b/X1`, whose serials lie inside `B`'s: 60 distinct serials are bundled
/// with the sale, not 90, so 40 more units still fit its 100 t (and 41 do not); and `b`, which
/// bought the 100 t, may then be sent `b/X1` again and the 40.
#[test]
fn a_split_part_back_with_the_issuer_is_not_bundled_twice() {
    let mut s = journal(&format!("{SELLER}{}", bundled("B", 60)));
    let mut b = journal(CUSTOMER);
    s.apply(op("t1", "2025-04-02", send("B", "b"))).unwrap();
    b.apply(op("r1", "2025-04-03", receive_from(&s, "B", "b"))).unwrap();
    b.apply(op("sp", "2025-04-04", split("B", 30, "X1", "X2"))).unwrap();
    b.apply(op("t2", "2025-04-05", send("X1", "s"))).unwrap();
    s.apply(op("r2", "2025-04-06", receive_from(&b, "b/X1", "s"))).unwrap();
    let held: Vec<(String, CertState, u64, u64)> =
        s.certificates().certificates.values().map(|c| (c.reference(), c.state, c.first, c.last)).collect();
    assert_eq!(
        held,
        vec![("b/X1".to_string(), CertState::Active, 1, 30), ("B".to_string(), CertState::TransferredOut, 1, 60)]
    );
    assert_eq!(code(s.apply(op("i41", "2025-04-07", bundled_issue("C41", 41)))), Some(Code::ClaimExceedsBalance));
    s.apply(op("i40", "2025-04-07", bundled_issue("C40", 40))).expect("60 serials bundled of 100: 40 more fit");
    // `b/X1` goes to `b` again: `b` then has 60 distinct serials of the sale (not 90), and the 40
    // of `C40` make the 100 t it bought.
    s.apply(op("t3", "2025-04-08", send("b/X1", "b"))).unwrap();
    s.apply(op("t4", "2025-04-08", send("C40", "b"))).expect("b bought 100 t: 60 serials sent, 40 more fit");
}
