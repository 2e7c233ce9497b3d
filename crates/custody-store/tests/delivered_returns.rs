//! Returns between two registries without servers (docs/pact.md "Returns between servers"): the
//! buyer's records decide whether a delivered transfer may still be received (a return being
//! sent stops it, a refused one frees it, an accepted one ends it), and the seller books the
//! return only of the whole transfer it delivered, refusing with a named reason otherwise.

mod common;

use common::{more, submit};
use custody_store::delivered_return::{RETURN_PENDING, RETURN_REFUSED, RETURN_SENT};
use custody_store::{MemoryStore, Registry, Store, DELIVERY_ACCEPTED};
use serde_json::json;

const SELLER: &str =
    "entity s \"Seller\"\n  ratios efi\n  gwp ar6\ncounterparty grid \"Grid\"\ncounterparty b \"Buyer\"\n\
    item power \"Power\"\n  category electricity\nitem widgets \"Widgets\"\n  category product\n\
    item parts \"Parts (the material the product is made of)\"\n  category raw-material\n  carbon-content 0\nperiod 2025 2025-01-01 2025-12-31\n\
    2025-03-01 purchase p1\n  supplier grid\n  item power\n  quantity 1000 kWh\n  factor 500 gCO2/kWh\n\
    2025-03-02 purchase parts-in\n  supplier grid\n  item parts\n  quantity 1000 t\n  attributed 0 tCO2\n2025-03-02 consume c1\n  use parts 1000 t\n  use power 1000 kWh\n2025-03-03 produce m1\n  output widgets 1000 kg\n\
    2025-03-04 sell sale1\n  item widgets\n  customer b 1000 kg\n";

const BUYER: &str = "entity b \"Buyer\"\n  ratios efi\n  gwp ar6\ncounterparty s \"Seller\"\n\
    item widgets \"Widgets\"\n  category raw-material\nperiod 2025 2025-01-01 2025-12-31\n";
const RECEIVE: &str = "2025-03-05 receive r1\n  transfer s/sale1/b\n  item widgets\n";
const ID: &str = "s/sale1/b";

/// The seller's registry after delivering sale1 to the buyer's, which accepted it.
async fn delivered(seller_text: &str) -> (Registry<MemoryStore>, Registry<MemoryStore>, custody_store::Transfer) {
    let seller = Registry::new(MemoryStore::new());
    submit(&seller, seller_text).await.unwrap();
    let buyer = Registry::new(MemoryStore::new());
    submit(&buyer, BUYER).await.unwrap();
    let l = seller.ledger("s").await.unwrap();
    let t = custody_store::sales_of("s", &l, &["b".into()]).remove(0);
    buyer.keep_delivered("b", &t, None, &json!({})).await.unwrap();
    seller.store().put_record("s", DELIVERY_ACCEPTED, ID, "{}").await.unwrap();
    (seller, buyer, t)
}

#[tokio::test]
async fn a_return_in_flight_stops_the_receive_a_refused_one_frees_it_an_accepted_one_ends_it() {
    let (seller, buyer, t) = delivered(SELLER).await;
    assert_eq!(buyer.returnable("b", ID).await.unwrap(), t);
    // Being sent: no receive.
    buyer.store().put_record("b", RETURN_PENDING, &format!("{ID} e1"), "{}").await.unwrap();
    let e = more(&buyer, "b", RECEIVE).await.unwrap_err().to_string();
    assert!(e.contains("returned"), "{e}");
    // Refused by the seller: the transfer may be received again (and then not returned).
    buyer.store().put_record("b", RETURN_REFUSED, &format!("{ID} e1"), "{}").await.unwrap();
    let other = Registry::new(MemoryStore::new());
    submit(&other, BUYER).await.unwrap();
    other.keep_delivered("b", &t, None, &json!({})).await.unwrap();
    other.store().put_record("b", RETURN_PENDING, &format!("{ID} e1"), "{}").await.unwrap();
    other.store().put_record("b", RETURN_REFUSED, &format!("{ID} e1"), "{}").await.unwrap();
    more(&other, "b", RECEIVE).await.unwrap();
    let e = other.returnable("b", ID).await.unwrap_err();
    assert!(e.contains("booked a receive"), "{e}");

    // The seller: another quantity, an unknown transfer refused, nothing written; the whole one booked.
    let body = json!({"signed": {}});
    let more_than = custody_store::Transfer { quantity: t.quantity + 1, ..t.clone() };
    let r = seller.accept_return("s", &more_than, &body).await.unwrap_err();
    assert_eq!(r.reason, "return_mismatch");
    assert_eq!(
        r.message,
        format!("transfer `{ID}`: the quantity {} is more than the {} delivered", t.quantity + 1, t.quantity)
    );
    let unknown = custody_store::Transfer { id: "s/sale9/b".into(), sale: "sale9".into(), ..t.clone() };
    assert_eq!(seller.accept_return("s", &unknown, &body).await.unwrap_err().reason, "return_unknown_transfer");
    assert!(seller.store().records("s", custody_store::delivered::RETURNED).await.unwrap().is_empty());
    let before = seller.ledger("s").await.unwrap().transactions().len();
    seller.accept_return("s", &t, &body).await.unwrap();
    let l = seller.ledger("s").await.unwrap();
    assert_eq!(l.transactions().len(), before + 1);
    assert!(l.has_returned("sale1", "b"));
    assert_eq!(seller.accept_return("s", &t, &body).await.unwrap_err().reason, "return_replayed");
    // The buyer records the answer: the transfer is returned there, never received.
    buyer.store().put_record("b", RETURN_SENT, ID, "{}").await.unwrap();
    let row = buyer.reconcile().await.unwrap().into_iter().find(|r| r.transfer.id == ID).unwrap();
    assert_eq!((row.transfer.status, row.mismatch), (custody_store::TransferStatus::Returned, false));
    assert!(buyer.returnable("b", ID).await.unwrap_err().contains("returned already"));
}

#[tokio::test]
async fn a_return_of_a_sale_in_a_closed_period_is_not_booked() {
    let (seller, _, t) = delivered(&format!("{SELLER}close 2025\n")).await;
    let r = seller.accept_return("s", &t, &json!({"signed": {}})).await.unwrap_err();
    assert_eq!(r.reason, "return_not_booked");
    assert!(r.message.contains("E003"), "{}", r.message);
    assert!(!seller.ledger("s").await.unwrap().has_returned("sale1", "b"));
}

/// A delivery sent without a definite answer (the answer lost, a 5xx, the sender killed): the
/// buyer's server may hold it, so the seller's own undo of the sale is refused until an answer
/// closes that attempt: accepted (refused for good, as above) or refused by the buyer's server
/// (then the seller may undo it). Found by the hostile test: a lost 200 let the seller return the
/// sale while the buyer received it.
#[tokio::test]
async fn a_delivery_without_an_answer_keeps_the_sale_until_one_comes() {
    let seller = Registry::new(MemoryStore::new());
    submit(&seller, SELLER).await.unwrap();
    let undo = "2025-03-06 return back\n  sale sale1\n  customer b\n";
    seller.store().put_record("s", custody_store::DELIVERY_PENDING, &format!("{ID} ev-1"), "{}").await.unwrap();
    let refused = more(&seller, "s", undo).await.expect_err("an unanswered delivery keeps the sale");
    assert!(refused.to_string().contains("without an answer yet"), "{refused}");
    // A refusal of another attempt closes nothing.
    seller.store().put_record("s", custody_store::DELIVERY_REFUSED, &format!("{ID} 100 ev-0"), "{}").await.unwrap();
    assert!(more(&seller, "s", undo).await.is_err());
    // The buyer's server refused this attempt: the sale may be undone.
    seller.store().put_record("s", custody_store::DELIVERY_REFUSED, &format!("{ID} 101 ev-1"), "{}").await.unwrap();
    more(&seller, "s", undo).await.expect("a refused delivery frees the sale");
}
