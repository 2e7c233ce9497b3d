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
