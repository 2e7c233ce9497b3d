//! Property tests of the core against simple reference models.

mod balances_fold;
mod bundle_holders;
mod coc;
mod compact;
mod custody_models;
mod gaps;
mod instruments;
mod instruments_props;
mod props;
mod raw_meta;
mod scale;
mod snapshot;
mod soak;
mod stacking;
mod tidy;
