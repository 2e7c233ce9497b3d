//! Rejections of pool claims that travel with sales (issue 8): E043 claim_sale_mismatch, E044
//! claim_beyond_sale, E045 claimed_sale_undone, and a returned claim going back to the pool.

use super::rejections::{check, BASE};
use custody_journal::{load, Source};

/// A sale of 2 t of steel to `cust` (no site), and a claim on it in pool `prop` (company boundary).
const SALE: &str = "2025-01-08 sell s9\n  item steel\n  quantity 2 t\n  customer cust share 100%\n";

fn claim_on(pool: &str, sale: &str, t: &str) -> String {
    format!("2025-01-09 pool-claim k9\n  pool {pool}\n  sale {sale}\n  quantity {t} t\n")
}

#[test]
fn e043_claim_sale_mismatch() {
    // Not a sale of this ledger (a purchase), a customer the sale did not sell to, a sale outside
    // the boundary (mb is site s1; the sale is at no site), and a sale of another item.
    check(&claim_on("prop", "p1", "1"), &["claim_sale_mismatch"]);
    check(
        &format!("{SALE}2025-01-09 pool-claim k9\n  pool prop\n  sale s9\n  customer sup\n  quantity 1 t\n"),
        &["claim_sale_mismatch"],
    );
    check(&format!("{SALE}{}", claim_on("mb", "s9", "1")), &["claim_sale_mismatch"]);
    let other = "pool other \"Billet only\"\n  attribute emission-intensity\n  method credit\n  eligible pellets\n  start 2025-01\n  period 1 months\n  boundary company\n  group main billet\n  attribution non-proportional\n  output updated-factor\n  claim \"Scope 3 category 1\"\n";
    check(&format!("{other}{SALE}{}", claim_on("other", "s9", "1")), &["claim_sale_mismatch"]);
    // A sale of another pool period (the claim is booked in February).
    check(
        &format!("{SALE}2025-02-02 pool-claim k9\n  pool prop\n  sale s9\n  quantity 1 t\n"),
        &["claim_sale_mismatch"],
    );
}

#[test]
fn e044_claim_beyond_sale() {
    // 2 t sold: 3 t is more than the sale; 1.5 t then 1 t claims it twice over.
    check(&format!("{SALE}{}", claim_on("prop", "s9", "3")), &["claim_beyond_sale"]);
    check(
        &format!(
            "{SALE}{}2025-01-09 pool-claim k10\n  pool prop\n  sale s9\n  quantity 1 t\n",
            claim_on("prop", "s9", "1.5")
        ),
        &["claim_beyond_sale"],
    );
}

#[test]
fn e045_claimed_sale_undone() {
    // A claim after the sale was returned; a return once the claim's pool period is closed.
    let ret = "2025-01-09 return rt9\n  sale s9\n  customer cust\n";
    check(&format!("{SALE}{ret}{}", claim_on("prop", "s9", "1")), &["claimed_sale_undone"]);
    check(
        &format!(
            "{SALE}{}2025-02-01 pool-close pc\n  pool prop\n2025-02-02 return rt9\n  sale s9\n  customer cust\n",
            claim_on("prop", "s9", "1")
        ),
        &["claimed_sale_undone"],
    );
    check(
        &format!(
            "{SALE}{}2025-02-01 pool-close pc\n  pool prop\n2025-02-02 reverse rv9\n  of s9\n",
            claim_on("prop", "s9", "1")
        ),
        &["claimed_sale_undone"],
    );
}

#[test]
fn a_returned_claim_goes_back_to_the_pool() {
    // While the period is open a return gives the claim back: the sale's 2 t are then claimable
    // on a new sale, and the pool's claimed total is what it was before.
    let ret = "2025-01-09 return rt9\n  sale s9\n  customer cust\n";
    let text = format!("{BASE}{SALE}{}{ret}", claim_on("prop", "s9", "2"));
    let l = load(&[Source { name: "t.journal".into(), text }]).expect("loads");
    let pool = l.pool("prop").expect("pool");
    let period = &pool.periods[&0];
    assert!(period.claims.is_empty());
    assert_eq!(period.released.len(), 1);
    assert_eq!(period.released[0].0.quantity, 2_000_000);
    assert!(l.pool_sales("prop", 0).0.is_empty(), "a returned sale is no sale of the period");
}
