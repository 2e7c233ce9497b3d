//! A transfer between entities as both sides see it (`transfers`, `delivered`).

use custody_core::ops::TransferForm;
use custody_core::units::Species;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TransferStatus {
    Pending,
    Received,
    Returned,
}

impl TransferStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferStatus::Pending => "pending",
            TransferStatus::Received => "received",
            TransferStatus::Returned => "returned",
        }
    }
}

/// Amounts by form and species: (form, species, base units, gas as stated where the postings kept
/// one; see `Posting::gas`).
pub type Amounts = Vec<(TransferForm, Species, i64, Option<i64>)>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub id: String,
    pub seller: String,
    pub sale: String,
    pub buyer: String,
    pub item: String,
    pub date: custody_core::model::Date,
    /// Seller's base units (g or kJ).
    pub quantity: i64,
    /// What the seller's item is held by: the unit of `quantity`.
    pub measure: Option<custody_core::units::Dimension>,
    /// What the seller transferred out, by form and species.
    pub amounts: Amounts,
    pub status: TransferStatus,
    /// The chain-of-custody model the sale declared.
    pub custody: Option<custody_core::coc::CustodyModel>,
    /// The data gaps the goods carry, as `SELLER/OPERATION` ids (operations without emission
    /// data whose material the sale may contain; docs/journal.md "Missing is not zero").
    pub data_gaps: Vec<String>,
}
