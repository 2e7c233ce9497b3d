//! Settled means settled (field case 07, abuse case 40; field case 21): a sale its buyer received
//! cannot be reversed, a receive cannot be reversed, a purchase from an entity of the registry is
//! refused (its deliveries are receives), and a transfer is booked only into an item of its measure.

mod common;

use common::{codes, more, submit};
use custody_store::{MemoryStore, Registry};

const SELLER: &str =
    "entity s \"Seller\"\n  ratios efi\n  gwp ar6\ncounterparty grid \"Grid\"\ncounterparty b \"Buyer\"\n\
    item power \"Power\"\n  category electricity\nitem widgets \"Widgets\"\n  category product\n\
    item parts \"Parts (the material the product is made of)\"\n  category raw-material\n  carbon-content 0\nperiod 2025 2025-01-01 2025-12-31\n\
    2025-03-01 purchase p1\n  supplier grid\n  item power\n  quantity 1000 kWh\n  factor 500 gCO2/kWh\n\
    2025-03-02 purchase parts-in\n  supplier grid\n  item parts\n  quantity 1000 t\n  attributed 0 tCO2\n2025-03-02 consume c1\n  use parts 1000 t\n  use power 1000 kWh\n2025-03-03 produce m1\n  output widgets 1000 kg\n\
    2025-03-04 sell sale1\n  item widgets\n  customer b 1000 kg\n";

const BUYER: &str = "entity b \"Buyer\"\n  ratios efi\n  gwp ar6\ncounterparty s \"Seller\"\n\
    item widgets \"Widgets\"\n  category raw-material\nitem power \"Power\"\n  category electricity\n\
    period 2025 2025-01-01 2025-12-31\n";

#[tokio::test]
async fn a_received_sale_and_a_receive_are_not_reversed() {
    let r = Registry::new(MemoryStore::new());
    submit(&r, SELLER).await.unwrap();
    submit(&r, BUYER).await.unwrap();
    more(&r, "b", "2025-03-05 receive r1\n  transfer s/sale1/b\n  item widgets\n").await.unwrap();
    let e = more(&r, "s", "2025-03-06 reverse x\n  of sale1\n").await.unwrap_err();
    assert_eq!(codes(e), ["transfer_invalid", "transfer_settled"]);
    let e = more(&r, "b", "2025-03-06 reverse x\n  of r1\n").await.unwrap_err();
    assert_eq!(codes(e), ["transfer_invalid", "transfer_settled"]);
    // One footprint, one holder: 500 kgCO2 = 136,500 gC moved once.
    let rows = r.reconcile().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].mismatch);
    let held: i64 = r
        .ledger("b")
        .await
        .unwrap()
        .positions()
        .iter()
        .filter(|((acc, _, _), _)| acc == "raw.attributed")
        .map(|(_, a)| *a)
        .sum();
    assert_eq!(held, 136_500);
}

#[tokio::test]
async fn an_unreceived_sale_may_be_reversed_and_is_then_never_received() {
    let r = Registry::new(MemoryStore::new());
    submit(&r, SELLER).await.unwrap();
    submit(&r, BUYER).await.unwrap();
    more(&r, "s", "2025-03-06 reverse x\n  of sale1\n").await.unwrap();
    let e = more(&r, "b", "2025-03-07 receive r1\n  transfer s/sale1/b\n  item widgets\n").await.unwrap_err();
    assert_eq!(codes(e), ["transfer_invalid"]);
}

#[tokio::test]
async fn deliveries_from_an_entity_are_receives_into_an_item_of_their_measure() {
    let r = Registry::new(MemoryStore::new());
    submit(&r, SELLER).await.unwrap();
    submit(&r, BUYER).await.unwrap();
    // A purchase naming the seller would count its footprint beside the transfer.
    let buy = "2025-03-05 purchase p9\n  supplier s\n  item widgets\n  quantity 1000 kg\n  attributed 1 tCO2\n";
    assert_eq!(codes(more(&r, "b", buy).await.unwrap_err()), ["transfer_invalid"]);
    // 1000 kg of widgets are not 1,000,000 kJ of electricity (field case 21).
    let e = more(&r, "b", "2025-03-05 receive r1\n  transfer s/sale1/b\n  item power\n").await.unwrap_err();
    assert_eq!(codes(e), ["unit_mismatch"]);
    more(&r, "b", "2025-03-05 receive r1\n  transfer s/sale1/b\n  item widgets\n").await.unwrap();
}

#[tokio::test]
async fn an_entity_that_does_not_trade_with_the_buyer_is_not_revealed() {
    let r = Registry::new(MemoryStore::new());
    submit(&r, SELLER).await.unwrap();
    submit(&r, BUYER).await.unwrap();
    // `z` is an entity of the registry but names no `b`: a purchase from a counterparty `z` is
    // answered as for any counterparty, so a tenant cannot probe which entities exist.
    submit(&r, "entity z \"Z\"\n  ratios efi\n  gwp ar6\nperiod 2025 2025-01-01 2025-12-31\n").await.unwrap();
    let probe = |cp: &str| {
        format!("counterparty {cp} \"P\"\n2025-03-05 purchase p-{cp}\n  supplier {cp}\n  item widgets\n  quantity 1 kg\n  attributed 10 gCO2\n")
    };
    more(&r, "b", &probe("z")).await.unwrap();
    more(&r, "b", &probe("nobody")).await.unwrap();
}

fn pool(id: &str, item: &str) -> String {
    format!(
        "pool {id} \"Pool\"\n  attribute low-emission-iron\n  method credit\n  eligible {item}\n  start 2025-01\n  \
         period 12 months\n  boundary company\n  group g {item}\n  attribution proportional\n  \
         output unbundled-certificate\n  claim \"market\"\n"
    )
}

/// One batch, one credit along the chain. The seller sold `m1`'s widgets unprocessed, so its own
/// pool can no longer take them (E039, hostile2 F1's other order); the buyer's pool can. Once the
/// seller pools widgets (here another batch, `m2`, it kept), the registry refuses a buyer's pool
/// input of a receive of that item from it (item by item: conservative).
#[tokio::test]
async fn a_batch_the_seller_pooled_does_not_feed_the_buyers_pool_too() {
    let r = Registry::new(MemoryStore::new());
    submit(&r, SELLER).await.unwrap();
    submit(&r, BUYER).await.unwrap();
    let sold =
        format!("{}2025-03-31 pool-input in\n  pool ps\n  item widgets\n  operation m1\n", pool("ps", "widgets"));
    assert_eq!(codes(more(&r, "s", &sold).await.unwrap_err()), ["pool_flow_not_in_ledger"]);
    more(&r, "b", "2025-03-05 receive r1\n  transfer s/sale1/b\n  item widgets\n").await.unwrap();
    more(&r, "b", &pool("pb", "widgets")).await.unwrap();
    more(&r, "b", "2025-03-31 pool-input again\n  pool pb\n  item widgets\n  operation r1\n").await.unwrap();
    // The seller pools a batch it kept: the buyer's pool takes no receive of widgets from it.
    let r = Registry::new(MemoryStore::new());
    submit(&r, SELLER).await.unwrap();
    submit(&r, BUYER).await.unwrap();
    let kept = format!(
        "2025-03-05 purchase p2\n  supplier grid\n  item power\n  quantity 1000 kWh\n  factor 500 gCO2/kWh\n\
         2025-03-05 consume c2\n  use power 1000 kWh\n2025-03-05 produce m2\n  output widgets 1000 kg\n{}\
         2025-03-31 pool-input in\n  pool ps\n  item widgets\n  operation m2\n",
        pool("ps", "widgets")
    );
    more(&r, "s", &kept).await.unwrap();
    more(&r, "b", "2025-03-05 receive r1\n  transfer s/sale1/b\n  item widgets\n").await.unwrap();
    more(&r, "b", &pool("pb", "widgets")).await.unwrap();
    let e =
        more(&r, "b", "2025-03-31 pool-input again\n  pool pb\n  item widgets\n  operation r1\n").await.unwrap_err();
    assert_eq!(codes(e), ["pool_flow_not_in_ledger"]);
}

#[tokio::test]
async fn a_receive_is_never_dated_before_its_sale() {
    let r = Registry::new(MemoryStore::new());
    submit(&r, SELLER).await.unwrap();
    submit(&r, BUYER).await.unwrap();
    // sale1 is of 2025-03-04.
    let e = more(&r, "b", "2025-03-01 receive r1\n  transfer s/sale1/b\n  item widgets\n").await.unwrap_err();
    assert_eq!(codes(e), ["transfer_invalid"]);
    more(&r, "b", "2025-03-04 receive r1\n  transfer s/sale1/b\n  item widgets\n").await.unwrap();
}
