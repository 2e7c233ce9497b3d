//! A seller's stated gas travels with its sale (issue 16 item 7 across ledgers): the buyer books
//! the seller's carbon exactly and the gas as the seller stated it, so a molar seller's 3 tCO2
//! reaches an efi buyer as 3 tCO2, not as the carbon converted back with either table; the
//! registry's transfer shows it and reconciliation sees the same figures on both sides.

use custody_core::exact;
use custody_core::statements::{product_intensity, purchased_goods, Scope};
use custody_core::units::Species;
use custody_store::{MemoryStore, Registry};

mod common;
use common::{entries as journal, submit};

const SELLER: &str = "entity smelter \"Smelter\"\n  ratios molar\n  gwp ar6\n\
    counterparty refinery \"Refinery\"\ncounterparty maker \"Maker\"\n\
    item alumina \"Alumina\"\n  category raw-material\nitem ingot \"Ingot\"\n  category product\n\
    period 2025-05 2025-05-01 2025-05-31\n\
    2025-05-05 purchase buy\n  supplier refinery\n  item alumina\n  quantity 3 t\n  attributed 9 tCO2\n\
    2025-05-30 consume use\n  use alumina 3 t\n2025-05-30 produce cast\n  output ingot 3 t\n\
    2025-05-31 sell ship\n  item ingot\n  customer maker 1 t\n";

const BUYER: &str = "entity maker \"Maker\"\n  ratios efi\n  gwp ar6\ncounterparty smelter \"Smelter\"\n\
    counterparty oem \"OEM\"\n\
    item ingot \"Ingot\"\n  category raw-material\nitem part \"Part\"\n  category product\n\
    period 2025-06 2025-06-01 2025-06-30\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stated_figure_reaches_the_buyer_as_stated() {
    let registry = Registry::new(MemoryStore::new());
    submit(&registry, SELLER).await.unwrap();
    let maker = submit(&registry, BUYER).await.unwrap();
    let receive = "2025-06-01 receive in\n  transfer smelter/ship/maker\n  item ingot\n\
        2025-06-02 consume use\n  use ingot 1 t\n2025-06-02 produce make\n  output part 1 t\n\
        2025-06-03 sell out\n  item part\n  customer oem 1 t\n";
    registry.submit(&maker, journal(receive)).await.unwrap();
    let l = registry.ledger(&maker).await.unwrap();
    // The seller's carbon, exactly: 3,000,000 g x 12.011 / 44.009 = 818,764.34 gC (a third of
    // the 9 t purchase's 2,456,293 gC, largest remainder), and its gas as stated.
    let rx = l.transaction("in").unwrap();
    let co2: Vec<_> = rx.postings.iter().filter(|p| p.species == Species::CO2).collect();
    assert!(!co2.is_empty());
    for p in &co2 {
        assert_eq!(p.gas.map(i64::abs), Some(3_000_000), "{p:?}");
    }
    let scope = Scope::resolve(&l, Some("2025-06")).unwrap();
    let pg = purchased_goods(&l, &scope);
    assert_eq!(pg.lines[0].2[&Species::CO2], exact::q(3_000_000));
    let pi = product_intensity(&l, &scope);
    let part = pi.products.iter().find(|p| p.item == "part").unwrap();
    let sold: exact::Q = part.lines.iter().filter_map(|x| x.gas.get(&Species::CO2).copied()).sum();
    assert_eq!(sold, exact::q(3_000_000), "1 t of part carries the 3 tCO2 stated upstream");
    // Reconciliation: one settlement, equal amounts, gas included; the stored ledgers verify.
    let rows = registry.reconcile().await.unwrap();
    assert!(rows.iter().all(|r| !r.mismatch), "{rows:?}");
    let sent = &rows[0].transfer.amounts;
    assert!(sent.iter().any(|a| a.1 == Species::CO2 && a.3 == Some(3_000_000)), "{sent:?}");
    registry.verify(&maker).await.unwrap();
    registry.verify("smelter").await.unwrap();
}
