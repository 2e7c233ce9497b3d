//! Claims checked against published frameworks.
//!
//! A [`Framework`] is data (loaded from `frameworks/*.toml` by `custody-frameworks`): its sliding
//! thresholds `y <= b - m * s` (or `<`), the scrap-share definition it uses, its boundary and
//! gases, and its stance on chain-of-custody claims. [`assess`] reads a product's [`Footprint`]
//! and an optional [`Claim`] and returns a [`Verdict`] with every reason, per framework.

mod assess;
mod footprint;
mod framework;
mod from_ledger;

pub use assess::{assess, decimals_against, LevelResult, Reason, Verdict};
pub use footprint::{Claim, FerrousInputs, Footprint};
pub use framework::{ClaimKind, Comparison, CustodyRules, Framework, Level, ScrapDefinition, Stance};
pub use from_ledger::{
    claim_from_avoided, claim_from_ledger, claim_from_pool, footprint_from_ledger, footprint_of, received_from_ledger,
    ClaimRefError,
};
