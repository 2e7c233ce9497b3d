//! The stored running balances keep no zero rows: a position an append brings to zero is deleted
//! in that append, found through its key (crates/custody-store/src/sql_write.rs). Batches move
//! more positions than one delete statement takes (250 keys), so the chunking is exercised.

mod common;

use custody_store::{Registry, SqlStore};
use std::fmt::Write as _;

/// A batch: `count` purchases of their own lot from `from` on, and the reversals of the purchases
/// `undo` (the previous batch's): every position those opened comes back to zero in this append.
/// (A purchase reversed in its own batch nets out before it reaches the table.)
fn batch(from: usize, count: usize, undo: std::ops::Range<usize>) -> String {
    let mut j = String::new();
    for n in from..from + count {
        let _ = writeln!(
            j,
            "2025-02-01 purchase p{n}\n  supplier sup\n  item ore\n  quantity {} t\n  factor 87.8 gCO2/kg",
            n % 7 + 1
        );
    }
    for n in undo {
        let _ = writeln!(j, "2025-02-02 reverse r{n}\n  of p{n}");
    }
    j
}

const HEAD: &str = "entity mill \"Mill\"\n  ratios efi\n  gwp ar6\ncounterparty sup \"Supplier\"\n\
    item ore \"Ore\"\n  category raw-material\n  carbon-content 0.01\n  costing fifo\nperiod y2025 2025-01-01 2025-12-31\n\
    2025-01-01 opening open-ore\n  item ore\n  quantity 1000 t\n  factor 87.8 gCO2/kg\n";

async fn no_zero_rows_after_each_batch(store: SqlStore) {
    let registry = Registry::new(store);
    common::submit(&registry, HEAD).await.unwrap();
    let (mut from, mut last) = (0, 0..0);
    // Reversals of one purchase, then of batches on both sides of one statement's 250 keys and of
    // several statements.
    for count in [1, 1, 124, 126, 400, 1300, 0] {
        common::more(&registry, "mill", &batch(from, count, last.clone())).await.unwrap();
        let zeroed = last.len();
        last = from..from + count;
        from += count;
        let store = registry.store();
        assert_eq!(
            store.execute_raw("DELETE FROM balances WHERE amount = 0").await.unwrap(),
            0,
            "{count} purchases, {zeroed} reversed"
        );
        // The opening lot's positions are still there: only zero rows were deleted.
        assert!(store.execute_raw("UPDATE balances SET amount = amount WHERE amount <> 0").await.unwrap() > 0);
        registry.verify("mill").await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_deletes_the_positions_it_brought_to_zero_on_sqlite() {
    no_zero_rows_after_each_batch(SqlStore::connect(&common::temp_sqlite_url()).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_deletes_the_positions_it_brought_to_zero_on_postgres() {
    if let Some(store) = common::fresh_postgres("zero_balances").await {
        no_zero_rows_after_each_batch(store).await;
    }
}
