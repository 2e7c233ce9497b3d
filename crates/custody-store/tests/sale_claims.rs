//! A claim travels with its sale from the seller's pool into the buyer's books (issue 8), across
//! two entities of one registry: the buyer's receive records the claimed view beside the physical
//! booking; the physical ledgers of both are the same as without the claim; the claim cannot be
//! typed, and a received claimed sale is neither returned nor reversed (E045).

use custody_core::coc::SaleKind;
use custody_core::exact::Q;
use custody_store::{MemoryStore, Registry};

mod common;
use common::{codes, more, submit};

// 100 t green at 0.5 t/t (eligible) and 300 t grey at 2.2 t/t make 400 t of coil: E = 710 t.
include!("fixtures/sale_claims.rs");

async fn registry(with_claim: bool) -> Registry<MemoryStore> {
    let r = Registry::new(MemoryStore::new());
    let seller = if with_claim { format!("{SELLER}{CLAIM}{CLOSE}") } else { format!("{SELLER}{CLOSE}") };
    submit(&r, &seller).await.unwrap();
    submit(&r, BUYER).await.unwrap();
    more(&r, "auto", RECEIVE).await.unwrap();
    r
}

#[tokio::test]
async fn the_buyer_books_the_physical_footprint_and_records_the_claim_beside_it() {
    let r = registry(true).await;
    let buyer = r.ledger("auto").await.unwrap();
    let c = buyer.received_claim("r1").expect("the receive records the seller's claim").clone();
    assert_eq!((c.pool.as_str(), c.period, c.closed), ("sa", 0, true));
    assert_eq!(c.verifier.as_deref(), Some("Verifier GmbH"));
    // The whole 100 t is claimed at 0.5 t/t: 50 t CO2e, computed here, not read back.
    assert_eq!(c.lines.len(), 1);
    assert_eq!((c.lines[0].kind, c.lines[0].quantity), (SaleKind::Claimed, 100_000_000));
    assert_eq!(c.lines[0].factor, Q::new(1, 2));
    assert_eq!(c.co2e_g(), 50_000_000);
    // The other customer's sale carries the residual: (710 - 50) / 300 = 2.2 t/t exactly.
    let seller = r.ledger("s").await.unwrap();
    let (lines, unsold) = seller.pool_sales("sa", 0);
    let other: Vec<_> = lines.iter().filter(|l| l.customer == "other").collect();
    assert_eq!(other.len(), 1);
    assert_eq!((other[0].kind, other[0].factor), (SaleKind::Residual, Some(Q::new(22, 10))));
    assert_eq!(other[0].co2e_g, Some(660_000_000));
    assert_eq!(unsold, Some(0));
    // The verified store replays the stored receive, claim lines included.
    r.verify("auto").await.unwrap();
    // Reconciliation checks the claim both sides hold, beside the amounts (issue 13 item 1).
    let rows = r.reconcile().await.unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|x| !x.mismatch), "{rows:?}");
    // Physical ledgers: the same with and without the claim, on both sides.
    let plain = registry(false).await;
    for e in ["s", "auto"] {
        let a = format!("{:?}", r.ledger(e).await.unwrap().transactions());
        let b = format!("{:?}", plain.ledger(e).await.unwrap().transactions());
        assert_eq!(a, b, "{e}'s physical ledger changed with the claim");
    }
    // Without the claim, the automaker's coil carries the residual, which is the pool average.
    let c = plain.ledger("auto").await.unwrap().received_claim("r1").cloned().unwrap();
    assert_eq!((c.lines[0].kind, c.lines[0].factor), (SaleKind::Residual, Q::new(710, 400)));
    // Purchased goods: physical (the ledger's 100 t share) beside claimed (50 t).
    let pg = custody_core::statements::purchased_goods(
        &buyer,
        &custody_core::statements::Scope::resolve(&buyer, None).unwrap(),
    );
    assert_eq!(pg.claimed.len(), 1);
    assert_eq!(pg.claimed[0].claimed_g, 50_000_000);
    assert!(pg.lines.is_empty(), "a claimed receive is not counted twice");
}

#[tokio::test]
async fn a_claim_is_not_typed_and_a_received_claimed_sale_is_not_undone() {
    let r = Registry::new(MemoryStore::new());
    submit(&r, &format!("{SELLER}{CLAIM}")).await.unwrap();
    submit(&r, BUYER).await.unwrap();
    // A receive typing a cleaner claim than the pool gives is refused.
    let typed = format!(
        "{RECEIVE}  claim sa 0 credit non-proportional open site 1/2\n  claim-line claimed 100000000 1/10 10000000 k1\n"
    );
    assert_eq!(codes(more(&r, "auto", &typed).await.unwrap_err()), ["transfer_invalid"]);
    more(&r, "auto", RECEIVE).await.unwrap();
    // Once received, the claimed sale is neither returned nor reversed: E045 names the claim.
    let e = more(&r, "s", "2025-03-01 return rt\n  sale s1\n  customer auto\n").await.unwrap_err();
    assert_eq!(codes(e), ["claimed_sale_undone"]);
    let e = more(&r, "s", "2025-03-01 reverse rv\n  of s1\n").await.unwrap_err();
    assert!(codes(e).contains(&"claimed_sale_undone"));
    // No claim after the goods were received: what travelled with them stands.
    let late = "2025-03-02 pool-claim k2\n  pool sa\n  sale s1\n  quantity 1 t\n  factor 0.5 tCO2e/t\n";
    assert!(codes(more(&r, "s", late).await.unwrap_err()).contains(&"transfer_settled"));
    // The same receive again is a no-op, even once the seller's pool period is closed.
    more(&r, "s", CLOSE).await.unwrap();
    more(&r, "auto", RECEIVE).await.unwrap();
    // Booked by one buyer once: a second receive of the same transfer is refused.
    let again = "2025-04-03 receive r2\n  transfer s/s1/auto\n  item coil\n";
    assert_eq!(codes(more(&r, "auto", again).await.unwrap_err()), ["transfer_invalid"]);
}

/// What the automaker's statements show of `r1`: (closed, residual factor, claimed view g CO2e),
/// and the purchased-goods JSON's `provisional` flags.
async fn buyer_view(r: &Registry<MemoryStore>) -> (bool, Q, i64, Vec<serde_json::Value>) {
    let l = r.ledger_for_statements("auto").await.unwrap();
    let c = l.received_claim("r1").unwrap().clone();
    let residual = c.lines.iter().find(|x| x.kind == SaleKind::Residual).unwrap().factor;
    let json = r
        .read_statements("auto", |l| {
            custody_report::render(l, "purchased-goods", None, custody_report::Format::Json).unwrap()
        })
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let flags = v["lines"].as_array().unwrap().iter().map(|x| x["claim"]["provisional"].clone()).collect();
    (c.closed, residual, c.co2e_g(), flags)
}

#[tokio::test]
async fn a_claim_received_from_an_open_period_is_provisional_until_the_seller_closes_it() {
    let r = Registry::new(MemoryStore::new());
    // The automaker's sale: 50 t claimed at 0.5 t/t, 50 t at the residual; the period is open.
    submit(
        &r,
        &format!("{SELLER}2025-02-02 pool-claim k1\n  pool sa\n  sale s1\n  quantity 50 t\n  factor 0.5 tCO2e/t\n"),
    )
    .await
    .unwrap();
    submit(&r, BUYER).await.unwrap();
    more(&r, "auto", RECEIVE).await.unwrap();
    // E = 100 x 0.5 + 300 x 2.2 = 710 t; residual (710 - 25) / 350 t, as booked.
    let booked = Q::new(685, 350);
    let (closed, residual, g, flags) = buyer_view(&r).await;
    assert_eq!((closed, residual), (false, booked));
    // 685 t over 350 t by largest remainder: 50 t's share, 97,857,142.86 g, rounds up.
    assert_eq!(g, 25_000_000 + 97_857_143);
    assert_eq!(flags, [serde_json::json!(true), serde_json::json!(true)], "both parts provisional");
    let buyer = r.ledger_for_statements("auto").await.unwrap();
    let (_, claim) = custody_core::claims::received_from_ledger(&buyer, "r1", "steel").unwrap();
    assert!(claim.unwrap().provisional.unwrap().contains("pool sa period 0"), "assess says so");

    // The seller claims 30 t of the other customer's sale at 0.6 t/t: the residual moves.
    let k2 = "2025-02-03 pool-claim k2\n  pool sa\n  sale s2\n  quantity 30 t\n  factor 0.6 tCO2e/t\n";
    more(&r, "s", k2).await.unwrap();
    let (closed, residual, _, _) = buyer_view(&r).await;
    assert_eq!((closed, residual), (false, booked), "open: the statements show the booked view, flagged");

    // Closed: the final residual (710 - 25 - 18) / 320 t is what the statements show.
    more(&r, "s", CLOSE).await.unwrap();
    let (closed, residual, g, flags) = buyer_view(&r).await;
    assert_eq!((closed, residual), (true, Q::new(667, 320)));
    assert_eq!(g, 25_000_000 + 104_218_750, "50 t of the 320 t left carry 50/320 of 667 t");
    assert_eq!(flags, [serde_json::json!(false), serde_json::json!(false)]);
    let buyer = r.ledger_for_statements("auto").await.unwrap();
    let (_, claim) = custody_core::claims::received_from_ledger(&buyer, "r1", "steel").unwrap();
    let claim = claim.unwrap();
    assert_eq!((claim.provisional, claim.residual), (None, Some(Q::new(667, 320))));
    // The seller's sales agree with the final view, and all of E is carried.
    let (lines, unsold) = r.ledger("s").await.unwrap().pool_sales("sa", 0);
    let auto_g: i64 = lines.iter().filter(|x| x.customer == "auto").map(|x| x.co2e_g.unwrap()).sum();
    assert_eq!(auto_g, g);
    assert_eq!(lines.iter().map(|x| x.co2e_g.unwrap()).sum::<i64>() + unsold.unwrap(), 710_000_000);

    // Nothing stored changed: the receive as booked is the record, verify replays it.
    let stored = r.ledger("auto").await.unwrap();
    assert_eq!(
        stored.received_claim("r1").unwrap().lines.iter().find(|x| x.kind == SaleKind::Residual).unwrap().factor,
        booked
    );
    r.verify("auto").await.unwrap();
    let rows = r.reconcile().await.unwrap();
    assert!(rows.iter().all(|x| !x.mismatch), "{rows:?}");
    // A final view that changes the claimed part is refused: only the residual may move.
    let mut forged = buyer.received_claim("r1").unwrap().clone();
    forged.lines.iter_mut().filter(|x| x.kind == SaleKind::Claimed).for_each(|x| x.factor = Q::new(1, 10));
    let mut copy = r.ledger("auto").await.unwrap();
    let err = copy.settle_received_claim("r1", forged).unwrap_err();
    assert!(err.contains("claimed parts"), "{err}");
}
