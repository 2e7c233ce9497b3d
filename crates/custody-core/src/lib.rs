//! custody-core: the carbon ledger's domain, with no I/O.
//!
//! No clock, no filesystem, no database, no async: dates and ids are arguments, and every
//! function is a computation on values. Amounts are integers in base units (see [`units`]),
//! conversions round once by [`exact::round_half_even`], and splits use [`exact::allocate`].
//!
//! ```
//! use custody_core::{Ledger, Entity, units::{CarbonRatios, Gwp}};
//! let ledger = Ledger::new(Entity { id: "mill".into(), name: "Mill".into(), ratios: CarbonRatios::Efi, gwp: Gwp::Ar5, co_voc: Default::default() });
//! assert_eq!(ledger.transactions().len(), 0);
//! ```

pub mod cbam_model;
pub mod chart;
pub mod claims;
pub mod coc;
pub mod exact;
pub mod ghg_class;
pub mod id;
pub mod ledger;
pub mod meta;
pub mod model;
pub mod name;
pub mod ops;
pub mod reject;
pub mod statements;
pub mod targets;
pub mod units;

pub use ledger::{
    snapshot_writer, Applied, DefineError, Entity, Ledger, SnapshotError, SNAPSHOT_BUILD, SNAPSHOT_FORMAT,
};
pub use reject::{Code, Rejection};
