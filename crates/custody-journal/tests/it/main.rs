//! Journal tests: one table test per rejection code, parse errors with positions, export round trip,
//! and malformed input that must never panic.

mod cbam;
mod claim_rejections;
mod depreciation;
mod figures;
mod physics;
mod pool_exits;
mod pool_signs;
mod pool_units;
mod pools;
mod rejections;
mod roundtrip;
mod sale_claims;
mod syntax;
