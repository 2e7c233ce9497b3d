//! A sale's claimed view travels between two registries (docs/pact.md "Claims between servers"):
//! the seller's registry and the buyer's, each holding only its own entity. What the buyer keeps
//! from the delivery (`Registry::keep_delivered`) gives the buyer's receive and statements the
//! claimed view one registry holding both would give: provisional while the seller's pool period
//! is open, the final one once a final view was delivered; a final view that changes more than
//! the residual is refused, and so is a second provisional one.

#![allow(dead_code)] // the shared fixture's automaker and its receive are not used here

use custody_core::coc::SaleKind;
use custody_core::exact::Q;
use custody_store::delivered::Kept;
use custody_store::delivered_claim::{claim_from_json, claim_json};
use custody_store::{MemoryStore, Registry};
use serde_json::json;

mod common;
use common::{more, submit};

// 100 t green at 0.5 t/t (eligible) and 300 t grey at 2.2 t/t make 400 t of coil: E = 710 t.
include!("fixtures/sale_claims.rs");

/// The other customer, who buys s2 (300 t): its sale carries the residual.
const OTHER: &str = r#"entity other "Other customer"
  ratios efi
  gwp ar6
counterparty s "DRI plant"
item coil "Coil"
  category raw-material
period 2025 2025-01-01 2025-12-31
"#;
const RECEIVE_OTHER: &str = "2025-02-03 receive r2\n  transfer s/s2/other\n  item coil\n";
const TRANSFER: &str = "s/s2/other";

/// The seller's transfer of s2 and its claimed view now.
async fn view(r: &Registry<MemoryStore>) -> (custody_store::Transfer, custody_core::coc::ReceivedClaim) {
    let l = r.ledger("s").await.unwrap();
    let t = custody_store::sales_of("s", &l, &["other".into()]).into_iter().next().unwrap();
    (t, l.claim_view("s2", "other").unwrap())
}

/// The claimed view the buyer's statements show for r2.
async fn recorded(r: &Registry<MemoryStore>) -> custody_core::coc::ReceivedClaim {
    r.ledger_for_statements("other").await.unwrap().received_claim("r2").cloned().unwrap()
}

#[tokio::test]
async fn a_delivered_claimed_view_is_recorded_provisional_then_settled_final() {
    let seller = Registry::new(MemoryStore::new());
    submit(&seller, SELLER).await.unwrap();
    let buyer = Registry::new(MemoryStore::new());
    submit(&buyer, OTHER).await.unwrap();
    let one = Registry::new(MemoryStore::new());
    submit(&one, SELLER).await.unwrap();
    submit(&one, OTHER).await.unwrap();
    more(&one, "other", RECEIVE_OTHER).await.unwrap();

    // The period open and no claim yet: s2's residual is the pool average, 710 / 400 t/t.
    let (t, provisional) = view(&seller).await;
    assert!(!provisional.closed);
    assert_eq!(provisional.lines.len(), 1);
    assert_eq!((provisional.lines[0].kind, provisional.lines[0].factor), (SaleKind::Residual, Q::new(71, 40)));
    assert_eq!(provisional.lines[0].co2e_g, 532_500_000); // 300 t x 1.775 t/t
    let signed = json!({"a": "signed document"});
    assert_eq!(buyer.keep_delivered("other", &t, Some(&provisional), &signed).await.unwrap(), Kept::New);
    assert_eq!(buyer.keep_delivered("other", &t, Some(&provisional), &signed).await.unwrap(), Kept::Same);
    // The receive records the delivered view, as one registry's records the seller's.
    more(&buyer, "other", RECEIVE_OTHER).await.unwrap();
    assert_eq!(recorded(&buyer).await, provisional);
    assert_eq!(recorded(&one).await, provisional);

    // The seller claims the automaker's coil and closes the period: s2's residual becomes
    // (710 - 50) / 300 = 2.2 t/t, 660 t CO2e.
    let close = format!("{CLAIM}{CLOSE}");
    more(&seller, "s", &close).await.unwrap();
    more(&one, "s", &close).await.unwrap();
    let (_, fin) = view(&seller).await;
    assert!(fin.closed);
    assert_eq!((fin.lines[0].factor, fin.lines[0].co2e_g), (Q::new(11, 5), 660_000_000));
    // Until the final view arrives, the buyer's statements keep the provisional one.
    assert_eq!(recorded(&buyer).await, provisional);

    // A "final" view that changes the quantity, another pool, or a second provisional: refused.
    let mut bad = fin.clone();
    bad.lines[0].quantity -= 1;
    assert!(
        matches!(buyer.keep_delivered("other", &t, Some(&bad), &signed).await.unwrap(), Kept::Differs(w) if w.contains("not only the residual"))
    );
    let mut bad = fin.clone();
    bad.pool = "elsewhere".into();
    assert!(
        matches!(buyer.keep_delivered("other", &t, Some(&bad), &signed).await.unwrap(), Kept::Differs(w) if w.contains("pool `sa` period 0"))
    );
    let mut again = provisional.clone();
    again.lines[0].co2e_g += 1;
    assert!(
        matches!(buyer.keep_delivered("other", &t, Some(&again), &signed).await.unwrap(), Kept::Differs(w) if w.contains("delivered once"))
    );
    assert!(matches!(buyer.keep_delivered("other", &t, None, &signed).await.unwrap(), Kept::Differs(_)));

    // The final view: kept beside the delivery, once; the statements settle to it, as one registry's.
    assert_eq!(buyer.keep_delivered("other", &t, Some(&fin), &signed).await.unwrap(), Kept::Final);
    assert_eq!(buyer.keep_delivered("other", &t, Some(&fin), &signed).await.unwrap(), Kept::Same);
    assert!(
        matches!(buyer.keep_delivered("other", &t, Some(&provisional), &signed).await.unwrap(), Kept::Differs(w) if w.contains("was final"))
    );
    assert_eq!(recorded(&buyer).await, fin);
    assert_eq!(recorded(&one).await, fin);
    // The receive as booked stays the record (provisional), and replays.
    assert!(!buyer.ledger("other").await.unwrap().recorded_claim("r2").unwrap().closed);
    buyer.verify("other").await.unwrap();
    // Reconciliation on the buyer's side compares the receive with the delivered view.
    let rows = buyer.reconcile().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].mismatch, "{rows:?}");
    assert_eq!(rows[0].transfer.id, TRANSFER);
}

#[tokio::test]
async fn a_receive_after_the_final_delivery_records_it_and_a_typed_claim_is_refused() {
    let seller = Registry::new(MemoryStore::new());
    submit(&seller, &format!("{SELLER}{CLAIM}{CLOSE}")).await.unwrap();
    let l = seller.ledger("s").await.unwrap();
    let t = custody_store::sales_of("s", &l, &["other".into()]).into_iter().next().unwrap();
    let fin = l.claim_view("s2", "other").unwrap();
    let buyer = Registry::new(MemoryStore::new());
    submit(&buyer, OTHER).await.unwrap();
    assert_eq!(buyer.keep_delivered("other", &t, Some(&fin), &json!({})).await.unwrap(), Kept::New);
    more(&buyer, "other", "2025-04-02 receive r2\n  transfer s/s2/other\n  item coil\n").await.unwrap();
    let b = buyer.ledger("other").await.unwrap();
    assert_eq!(b.recorded_claim("r2"), Some(&fin));
    assert!(buyer.reconcile().await.unwrap().iter().all(|r| !r.mismatch));
    // A receive that types a claim other than the delivered one is refused.
    let other = Registry::new(MemoryStore::new());
    submit(&other, OTHER).await.unwrap();
    other.keep_delivered("other", &t, Some(&fin), &json!({})).await.unwrap();
    let typed = "2025-04-02 receive r2\n  transfer s/s2/other\n  item coil\n  claim sa 0 credit non-proportional closed site 1/2\n  claim-line residual 300000000 2/1 600000000\n";
    let e = more(&other, "other", typed).await.unwrap_err();
    assert!(format!("{e:?}").contains("not a typed one"), "{e:?}");
}

#[test]
fn the_view_as_json_reads_back_exactly_and_a_bad_field_is_named() {
    let fin = custody_core::coc::ReceivedClaim {
        pool: "sa".into(),
        period: 3,
        method: custody_core::coc::Method::Credit,
        attribution: custody_core::coc::Attribution::NonProportional,
        closed: false,
        verifier: Some("Verifier GmbH".into()),
        site_level: true,
        lowest_input: Some(Q::new(1, 3)),
        certificates: vec!["C-1".into()],
        lines: vec![
            custody_core::coc::ReceivedLine {
                kind: SaleKind::Claimed,
                quantity: 7,
                factor: Q::new(2, 7),
                co2e_g: 2,
                claim: Some("k1".into()),
            },
            custody_core::coc::ReceivedLine {
                kind: SaleKind::Residual,
                quantity: 5,
                factor: Q::new(-3, 11),
                co2e_g: -1,
                claim: None,
            },
        ],
    };
    let v = claim_json(&fin);
    assert_eq!(v["provisional"], true);
    assert_eq!(v["lines"][0]["factor"], "2/7");
    assert_eq!(v["lowest_input"], "1/3");
    assert_eq!(claim_from_json(&v).unwrap(), Some(fin));
    assert_eq!(claim_from_json(&serde_json::Value::Null).unwrap(), None);
    let mut bad = v.clone();
    bad["lines"][1]["factor"] = json!("0.27");
    assert!(claim_from_json(&bad).unwrap_err().contains("`claim.lines[1].factor`"));
    let mut bad = v.clone();
    bad["lines"][0]["factor"] = json!("1/0");
    assert!(claim_from_json(&bad).unwrap_err().contains("`claim.lines[0].factor`"));
    let mut bad = v;
    bad["method"] = json!("magic");
    assert!(claim_from_json(&bad).unwrap_err().contains("`claim.method`"));
}
