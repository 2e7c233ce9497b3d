//! The journal format: a human-readable, diffable text form of a ledger.
//!
//! [`load`] reads journal texts (each with a file name) into a [`Ledger`], reporting every error
//! as `file:line:column: message`; [`export`] writes a ledger back as a journal that loads to the
//! identical ledger. The format is documented in `docs/journal.md`. This crate does no I/O: the
//! caller reads and writes the files.

mod differ;
mod export;
mod load;
mod parse;
mod print;

pub use differ::{describe, differences, entity_defined_again, held_definition, redefinition, Difference};
pub use export::export;
pub use load::load;
pub use parse::{parse, parse_lazily, Diagnostic, Entry, Source, Spanned};
pub use print::print_entry;
