//! The Catena-X PCF aspect model (`urn:samm:io.catenax.pcf`, versions 7.0.0, 8.0.0, 9.0.0 and the
//! 10.0.0 preview) and the ledger: the fields both hold, read from a PCF document into a
//! [`Footprint`] ([`read()`]) and booked as a journal purchase ([`to_journal`]); a footprint
//! read from a ledger ([`from_ledger`]: an item bought with a CO2e footprint, or a product sold)
//! written into a PCF document ([`write()`]) on a template that supplies what the ledger does not
//! hold (standards, data quality, geography, status...). The mapping and every difference is
//! `docs/catenax.md`. Pure: callers read and write files; the clock is an argument.

mod ledger;
mod model;
pub mod paths;
mod read;
mod write;

pub use ledger::from_ledger;
pub use model::{CatenaxError, DeclaredUnit, Footprint};
pub use paths::Version;
pub use read::{decimal, read, to_journal, Booking};
pub use write::write;
