//! The ledger: definitions, the journal of posted transactions, and the positions they add up to.
//!
//! [`Ledger::apply`] is load -> decide -> write in one place: it checks the operation against the
//! current state, plans one balanced transaction, checks it again, and only then posts it. A
//! rejected operation changes nothing. After every post the ledger asserts that the stock side
//! and the flow side are still equal.
//!
//! Files, in the order of the flow: `state` (the struct), `define`, `read`, `apply` (entry point
//! and dispatch), `check`, then one planner per operation family (`purchase`, `consume`, `emit`,
//! `capture`, `produce`, `depreciate`, `sell`, `transfer`), `lots`, `positions` (posting), `coc`
//! (custody operations), `claim_sale` (claims on sales, a period's sales, claims given back), `pool_feed` (pool flows from the ledger's operations), `gaps` and `models` (data gaps and custody models carried with material) and `verify`.

mod apply;
mod capture;
mod certs;
mod check;
mod claim_sale;
mod coc;
mod consume;
mod define;
mod depreciate;
mod draft;
mod eac;
mod emit;
mod gaps;
mod lots;
mod models;
mod pool_feed;
mod positions;
mod produce;
mod purchase;
mod raw;
mod read;
mod reverse;
mod sell;
mod signs;
mod snapshot;
mod state;
mod stock;
mod stock_moves;
mod transfer;
mod verify;

pub use gaps::gaps_named;
pub use purchase::BIOGENIC_META;
pub use raw::{is_operation_meta, OPERATION_META};
pub use snapshot::{snapshot_writer, SnapshotError, SNAPSHOT_BUILD, SNAPSHOT_FORMAT};
pub use state::{
    Applied, CarriedModel, DefineError, Entity, Ledger, PosKey, QtyKey, CUSTODY_META, DATA_GAP_FROM_META,
    DATA_GAP_META, OPENING_AFTER_META, RETURNED_PURCHASE_META, TRANSFER_META,
};
