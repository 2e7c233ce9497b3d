//! A bundled certificate in the hands of its holders: the sale it is bundled with is the
//! issuer's, so only the issuer's ledger checks it; a block that came back to the issuer in parts
//! is no longer with the customer; and the claimed view names a holder's part by its namer.

use super::instruments::{bundled, bundled_issue, code, journal, op, receive_from, send, split, CUSTOMER, SELLER};
use custody_core::ops::Operation;
use custody_core::Code;

/// The customer `b` of [`SELLER`]'s `sale1`, with no sale of its own.
const BUYER: &str = "entity b \"B\"\n  ratios efi\n  gwp ar5\ncounterparty s \"Seller\"\ncounterparty c \"C\"\n\
period 2025 2025-01-01 2025-12-31\n";

/// `s` sends `B` (60 units bundled with its 100 t `sale1`) to `b`, which receives it.
fn sent_to(customer: &str) -> (custody_core::Ledger, custody_core::Ledger) {
    let mut s = journal(&format!("{SELLER}{}", bundled("B", 60)));
    let mut b = journal(customer);
    s.apply(op("t1", "2025-04-02", send("B", "b"))).unwrap();
    b.apply(op("r1", "2025-04-03", receive_from(&s, "B", "b"))).unwrap();
    (s, b)
}

/// `sale1` is an id of `s`'s ledger: `b`, a holder, sends a block bundled with it back to `s`
/// whether or not its own ledger has a sale of that id, whatever that sale sold or became, and
/// sends it to no one else.
#[test]
fn a_holder_sends_a_bundled_block_back_to_its_issuer_only() {
    // No sale `sale1` in `b`'s ledger: its part goes back to the issuer, and to no one else (the
    // claim would travel without the goods it was bundled with).
    let (mut s, mut b) = sent_to(BUYER);
    b.apply(op("sp", "2025-04-04", split("B", 30, "X1", "X2"))).unwrap();
    b.apply(op("t2", "2025-04-05", send("X1", "s"))).expect("a holder sends a bundled part back");
    s.apply(op("r2", "2025-04-06", receive_from(&b, "b/X1", "s"))).unwrap();
    assert_eq!(code(b.clone().apply(op("t3", "2025-04-05", send("X2", "c")))), Some(Code::CertificateUnavailable));
    // A same-named sale of the holder's own to `c` changes nothing: the id is the issuer's.
    let own_sale = CUSTOMER
        .replace("customer s 30 t", "customer c 30 t")
        .replace("counterparty s \"Seller\"\n", "counterparty s \"Seller\"\ncounterparty c \"C\"\n");
    let (_, mut b) = sent_to(&own_sale);
    b.apply(op("sp", "2025-04-04", split("B", 30, "X1", "X2"))).unwrap();
    assert_eq!(code(b.apply(op("t3", "2025-04-05", send("X2", "c")))), Some(Code::CertificateUnavailable));
    // `b`'s own `sale1` sold 30 t to `s`, and is then reversed: neither bounds `s`'s block.
    let (mut s, mut b) = sent_to(&format!("{CUSTOMER}2025-03-14 reverse rv\n  of sale1\n"));
    b.apply(op("t2", "2025-04-05", send("B", "s"))).expect("60 units of `s`'s 100 t sale go back whole");
    s.apply(op("r2", "2025-04-06", receive_from(&b, "B", "s"))).unwrap();
    // The issuer's own sale still binds the issuer: `B` goes to no one but its customer.
    assert_eq!(code(s.apply(op("t3", "2025-04-07", send("B", "grid")))), Some(Code::CertificateUnavailable));
}

/// Every unit of `B` back with `s` in parts: nothing of the sale is with `b`, so the sale is
/// returned or reversed as if `B` had never gone, and `b` may be sent the 100 units it bought.
#[test]
fn a_block_back_in_parts_is_no_longer_with_the_customer() {
    let (mut s, mut b) = sent_to(BUYER);
    b.apply(op("sp", "2025-04-04", split("B", 30, "X1", "X2"))).unwrap();
    let ret = |id: &str| custody_core::ops::Op {
        id: id.into(),
        date: super::instruments::date("2025-05-01"),
        memo: String::new(),
        body: Operation::Return(custody_core::ops::Return { sale: "sale1".into(), customer: "b".into() }),
    };
    let rev = |id: &str| custody_core::ops::Op { body: Operation::Reverse { of: "sale1".into() }, ..ret(id) };
    b.apply(op("t2", "2025-04-05", send("X1", "s"))).unwrap();
    s.apply(op("r2", "2025-04-06", receive_from(&b, "b/X1", "s"))).unwrap();
    // 30 units are still with `b`: the goods stay.
    assert_eq!(code(s.clone().apply(ret("ret"))), Some(Code::CertificateUnavailable));
    assert_eq!(code(s.clone().apply(rev("rev"))), Some(Code::CertificateUnavailable));
    b.apply(op("t3", "2025-04-05", send("X2", "s"))).unwrap();
    s.apply(op("r3", "2025-04-06", receive_from(&b, "b/X2", "s"))).unwrap();
    assert_eq!(s.certificates().get_active("b/X2", "s").map(|c| c.units()), Ok(30));
    s.clone().apply(ret("ret")).expect("every unit of `B` is back: the goods may come back");
    s.clone().apply(rev("rev")).expect("every unit of `B` is back: the sale may be reversed");
    // None of the sale's serials is with `b`: 30 + 40 + 30 units go to it, the 100 t it bought.
    s.apply(op("i40", "2025-04-07", bundled_issue("C40", 40))).unwrap();
    s.apply(op("t4", "2025-04-08", send("b/X1", "b"))).unwrap();
    s.apply(op("t5", "2025-04-08", send("C40", "b"))).unwrap();
    s.apply(op("t6", "2025-04-08", send("b/X2", "b"))).expect("70 units with `b`, which bought 100 t: 30 more fit");
    assert_eq!(code(s.clone().apply(ret("ret"))), Some(Code::CertificateUnavailable));
}

/// The claimed view of `sale1` lists the certificates bundled with it by their reference: `b`'s
/// part back with `s` as `b/X1`, never as a bare `X1` that `s`'s own `X1` would take for itself.
#[test]
fn the_claimed_view_names_a_holders_part_by_its_namer() {
    // A pool of emission intensity, its input with an intensity and the sale at its site: the pool
    // gives the sale a factor.
    let with_factor = SELLER
        .replace("attribute low-emission-iron", "attribute emission-intensity")
        .replace("  quantity 1000 t\n  site s1\n", "  quantity 1000 t\n  intensity 0.5 tCO2e/t\n  site s1\n")
        .replace("  item dri-steel\n  customer b", "  item dri-steel\n  site s1\n  customer b")
        .replace("  supplier grid\n", "  supplier grid\n  site s1\n")
        .replace("  use ore 140 t\n", "  use ore 140 t\n  site s1\n")
        .replace("  output dri-steel 100 t\n", "  output dri-steel 100 t\n  site s1\n");
    let out = "2025-03-31 pool-output out\n  pool bp\n  item dri-steel\n  operation make\n";
    let mut s = journal(&format!("{with_factor}{out}{}", bundled("B", 60)));
    let mut b = journal(BUYER);
    s.apply(op("t1", "2025-04-02", send("B", "b"))).unwrap();
    b.apply(op("r1", "2025-04-03", receive_from(&s, "B", "b"))).unwrap();
    b.apply(op("sp", "2025-04-04", split("B", 30, "X1", "X2"))).unwrap();
    b.apply(op("t2", "2025-04-05", send("X1", "s"))).unwrap();
    s.apply(op("r2", "2025-04-06", receive_from(&b, "b/X1", "s"))).unwrap();
    s.apply(op("i2", "2025-04-07", bundled_issue("X1", 40))).unwrap();
    let view = s.claim_view("sale1", "b").expect("the pool gives sale1 a claimed view");
    assert_eq!(view.certificates, ["B", "X1", "b/X1"]);
}
