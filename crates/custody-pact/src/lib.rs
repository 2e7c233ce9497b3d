//! PACT v3 (WBCSD Pathfinder Technical Specifications 3.0.3) for custody: product footprints
//! generated from a ledger ([`footprint`]), the ListFootprints filters ([`filter`]) and the events
//! ([`events`]). Pure, like `custody-journal`: no I/O, no clock. The HTTP routes are in
//! `custody-server` (`pact`); docs/pact.md has the mapping.

pub mod delivery;
pub mod events;
pub mod filter;
pub mod footprint;

pub use filter::{parse_instant, Filter, FilterError};
pub use footprint::{footprints, uuid_of, Generated, Missing, Options, EXTENSION_PATH, SPEC_VERSION};

/// The custody data model extension's JSON schema (JSON Schema 2020-12), published by
/// `custody serve` at [`EXTENSION_PATH`].
pub const EXTENSION_SCHEMA: &str = include_str!("../schema/custody-extension.schema.json");
