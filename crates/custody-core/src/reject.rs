//! Rejections: why the ledger refused an operation, as data.
//!
//! Every code is stable (its number and name never change meaning) and codes are ordered by
//! precedence: a rejection lists every violation it found, highest precedence (lowest number)
//! first. Adding a code appends it; existing numbers are never reused.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// The id was used before for different content.
    IdConflict = 1,
    /// The date falls in no defined period.
    PeriodUnknown = 2,
    /// The date falls in a closed period.
    PeriodClosed = 3,
    CounterpartyUnknown = 4,
    ItemUnknown = 5,
    AssetUnknown = 6,
    AccountUnknown = 7,
    /// A lot that the item does not hold, or a lot missing where the costing method needs one.
    LotUnknown = 8,
    /// A quantity or intensity whose unit cannot be converted for this item or field.
    UnitMismatch = 9,
    /// The same species given twice in one list.
    DuplicateSpecies = 10,
    QuantityNotPositive = 11,
    /// More of an item drawn than is on hand.
    InsufficientQuantity = 12,
    /// More carbon emitted than work in process holds as content.
    InsufficientCarbon = 13,
    /// More captured than was emitted.
    CaptureExceedsEmissions = 14,
    /// An allocation with no receiving output, a zero or missing key, or shares not summing to 100%.
    AllocationInvalid = 15,
    NothingToDepreciate = 16,
    /// Reversal of an unknown or already reversed transaction.
    ReversalInvalid = 17,
    /// Carbon content given for an item that cannot hold any (electricity).
    ContentNotAllowed = 18,
    /// Stock side and flow side differ in grams of carbon.
    UnbalancedCarbon = 19,
    /// Stock side and flow side differ for a non-carbon gas.
    UnbalancedGas = 20,
    /// A number left the representable range.
    Overflow = 21,
    /// A transfer never sent, already received or returned, or booked with other amounts.
    TransferInvalid = 22,
    PoolUnknown = 23,
    /// A pool period that is closed takes no inputs, outputs or claims.
    PoolPeriodClosed = 24,
    /// A pool flow outside the pool's transfer boundary.
    OutsideBoundary = 25,
    /// A claim or certificate beyond what the pool holds (or the eligible share allows).
    ClaimExceedsBalance = 26,
    /// An output assigned an intensity below the lowest-emission input of the pool.
    StackedAttribution = 27,
    /// A non-proportional claim on a proportional pool, or a certificate from a pool whose output is a factor.
    AttributionNotAllowed = 28,
    CertificateUnknown = 29,
    /// A certificate retired, cancelled, expired, split, transferred away, or held by another.
    CertificateUnavailable = 30,
    /// A pool period closed before it ended.
    PeriodNotEnded = 31,
    /// A negative amount of emissions, content, factor or transport in a physical operation: only
    /// reversals carry the opposite sign; removals and credits are instruments beside the ledger.
    NegativeAmount = 32,
    /// A reversal of an operation that a later one depends on (its carbon was drawn, allocated,
    /// pooled or certified, or it is itself a return or a reversal); the message names the dependant.
    ReversalHasDependant = 33,
    /// A reversal of a sale its customer already received, or of a receive: a settled transfer
    /// is undone only by a return or a new corrective transfer that both sides see.
    TransferSettled = 34,
    /// A raw `txn` that poses as an operation: transfer metadata, a settlement kind, or postings to
    /// accounts only operations may touch (product stocks, outflows, sequestration).
    RawNotAllowed = 35,
    /// A company dealing with itself: itself as counterparty, a sale to itself, a receive from itself.
    SelfDealing = 36,
    /// The same reduction certified twice: one avoided-emission certificate per project, product
    /// and period, and never more product than was made.
    InstrumentDuplicate = 37,
    /// An intensity below zero (an emission intensity is never negative).
    NegativeIntensity = 38,
    /// A pool input or output the ledger does not back: not a produce, purchase or receive of
    /// this ledger, more than it made or received, already fed to a pool, or a typed intensity
    /// other than the ledger's.
    PoolFlowNotInLedger = 39,
    /// Pool outputs beyond what the period's inputs can make.
    PoolOutputsExceedInputs = 40,
    /// An energy attribute certificate whose serial was already obtained: used once only.
    CertificateReused = 41,
    /// An energy attribute certificate outside the market boundary or the year of the
    /// consumption it is retired against, or against an item that is not Scope 2.
    CertificateOutOfScope = 42,

    /// A pool claim on a sale that is not a sale of this ledger's pool group: no such sale, a
    /// customer it did not sell to, another item, outside the pool's transfer boundary or period.
    ClaimSaleMismatch = 43,
    /// A pool claim on more than the sale's quantity to that customer not yet claimed (a claim
    /// travels with one sale to one buyer once).
    ClaimBeyondSale = 44,
    /// A claim on a sale already returned or reversed; a return or reversal of a claimed sale
    /// whose pool period is closed, or whose buyer already received the claim.
    ClaimedSaleUndone = 45,
    /// More carbon content than the mass of the material that holds it (a purchase's, an
    /// opening's or an output's `content` above its quantity in grams).
    ContentExceedsMass = 46,
    /// A production with nothing in work in process at its site: no consumed input and no
    /// emission to make its outputs from (every product traceable to measured production).
    ProductionWithoutInputs = 47,
}

impl Code {
    pub const ALL: [Code; 47] = [
        Code::IdConflict,
        Code::PeriodUnknown,
        Code::PeriodClosed,
        Code::CounterpartyUnknown,
        Code::ItemUnknown,
        Code::AssetUnknown,
        Code::AccountUnknown,
        Code::LotUnknown,
        Code::UnitMismatch,
        Code::DuplicateSpecies,
        Code::QuantityNotPositive,
        Code::InsufficientQuantity,
        Code::InsufficientCarbon,
        Code::CaptureExceedsEmissions,
        Code::AllocationInvalid,
        Code::NothingToDepreciate,
        Code::ReversalInvalid,
        Code::ContentNotAllowed,
        Code::UnbalancedCarbon,
        Code::UnbalancedGas,
        Code::Overflow,
        Code::TransferInvalid,
        Code::PoolUnknown,
        Code::PoolPeriodClosed,
        Code::OutsideBoundary,
        Code::ClaimExceedsBalance,
        Code::StackedAttribution,
        Code::AttributionNotAllowed,
        Code::CertificateUnknown,
        Code::CertificateUnavailable,
        Code::PeriodNotEnded,
        Code::NegativeAmount,
        Code::ReversalHasDependant,
        Code::TransferSettled,
        Code::RawNotAllowed,
        Code::SelfDealing,
        Code::InstrumentDuplicate,
        Code::NegativeIntensity,
        Code::PoolFlowNotInLedger,
        Code::PoolOutputsExceedInputs,
        Code::CertificateReused,
        Code::CertificateOutOfScope,
        Code::ClaimSaleMismatch,
        Code::ClaimBeyondSale,
        Code::ClaimedSaleUndone,
        Code::ContentExceedsMass,
        Code::ProductionWithoutInputs,
    ];

    pub fn number(self) -> u16 {
        self as u16
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Code::IdConflict => "id_conflict",
            Code::PeriodUnknown => "period_unknown",
            Code::PeriodClosed => "period_closed",
            Code::CounterpartyUnknown => "counterparty_unknown",
            Code::ItemUnknown => "item_unknown",
            Code::AssetUnknown => "asset_unknown",
            Code::AccountUnknown => "account_unknown",
            Code::LotUnknown => "lot_unknown",
            Code::UnitMismatch => "unit_mismatch",
            Code::DuplicateSpecies => "duplicate_species",
            Code::QuantityNotPositive => "quantity_not_positive",
            Code::InsufficientQuantity => "insufficient_quantity",
            Code::InsufficientCarbon => "insufficient_carbon",
            Code::CaptureExceedsEmissions => "capture_exceeds_emissions",
            Code::AllocationInvalid => "allocation_invalid",
            Code::NothingToDepreciate => "nothing_to_depreciate",
            Code::ReversalInvalid => "reversal_invalid",
            Code::ContentNotAllowed => "content_not_allowed",
            Code::UnbalancedCarbon => "unbalanced_carbon",
            Code::UnbalancedGas => "unbalanced_gas",
            Code::Overflow => "overflow",
            Code::TransferInvalid => "transfer_invalid",
            Code::PoolUnknown => "pool_unknown",
            Code::PoolPeriodClosed => "pool_period_closed",
            Code::OutsideBoundary => "outside_boundary",
            Code::ClaimExceedsBalance => "claim_exceeds_balance",
            Code::StackedAttribution => "stacked_attribution",
            Code::AttributionNotAllowed => "attribution_not_allowed",
            Code::CertificateUnknown => "certificate_unknown",
            Code::CertificateUnavailable => "certificate_unavailable",
            Code::PeriodNotEnded => "period_not_ended",
            Code::NegativeAmount => "negative_amount",
            Code::ReversalHasDependant => "reversal_has_dependant",
            Code::TransferSettled => "transfer_settled",
            Code::RawNotAllowed => "raw_not_allowed",
            Code::SelfDealing => "self_dealing",
            Code::InstrumentDuplicate => "instrument_duplicate",
            Code::NegativeIntensity => "negative_intensity",
            Code::PoolFlowNotInLedger => "pool_flow_not_in_ledger",
            Code::PoolOutputsExceedInputs => "pool_outputs_exceed_inputs",
            Code::CertificateReused => "certificate_reused",
            Code::CertificateOutOfScope => "certificate_out_of_scope",
            Code::ClaimSaleMismatch => "claim_sale_mismatch",
            Code::ClaimBeyondSale => "claim_beyond_sale",
            Code::ClaimedSaleUndone => "claimed_sale_undone",
            Code::ContentExceedsMass => "content_exceeds_mass",
            Code::ProductionWithoutInputs => "production_without_inputs",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E{:03} {}", self.number(), self.as_str())
    }
}

/// One broken rule, with a message naming the field or id involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub code: Code,
    /// The operation field the violation is about (`item`, `quantity`, `customer`...), if one.
    pub field: Option<&'static str>,
    pub message: String,
}

/// Why an operation was refused: every violation found, in precedence order. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub id: String,
    pub violations: Vec<Violation>,
}

impl Rejection {
    /// The highest-precedence code.
    pub fn code(&self) -> Code {
        self.violations.first().map(|v| v.code).expect("a rejection has at least one violation")
    }

    pub fn codes(&self) -> Vec<Code> {
        self.violations.iter().map(|v| v.code).collect()
    }
}

/// `` `ID` rejected: [E012 insufficient_quantity] MESSAGE (field `use`); [E...] ...``: every
/// violation with its code and field, separated by `; ` (nothing after the last). The journal
/// loader's diagnostics, `custody import` and the HTTP errors say it in these words.
impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` rejected:", self.id)?;
        for (i, v) in self.violations.iter().enumerate() {
            let sep = if i == 0 { " " } else { "; " };
            write!(f, "{sep}[{}] {}", v.code, v.message)?;
            if let Some(field) = v.field {
                write!(f, " (field `{field}`)")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Rejection {}

/// Collects violations while an operation is checked.
#[derive(Debug, Default)]
pub struct Violations(Vec<Violation>);

impl Violations {
    pub fn push(&mut self, code: Code, field: Option<&'static str>, message: impl Into<String>) {
        self.0.push(Violation { code, field, message: message.into() });
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_rejection(mut self, id: &str) -> Rejection {
        self.0.sort_by_key(|v| v.code); // stable: equal codes keep discovery order
        Rejection { id: id.to_string(), violations: self.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_reads_every_violation_with_its_field_and_no_stray_separator() {
        let v = |code, field, message: &str| Violation { code, field, message: message.into() };
        let cases = [
            (
                vec![v(Code::ItemUnknown, Some("use"), "item `x` is not defined")],
                "`c1` rejected: [E005 item_unknown] item `x` is not defined (field `use`)",
            ),
            (
                vec![v(Code::ItemUnknown, None, "a"), v(Code::InsufficientQuantity, Some("use"), "b")],
                "`c1` rejected: [E005 item_unknown] a; [E012 insufficient_quantity] b (field `use`)",
            ),
        ];
        for (violations, want) in cases {
            let text = Rejection { id: "c1".into(), violations }.to_string();
            assert_eq!(text, want);
            assert!(!text.ends_with(';') && !text.ends_with(' '), "{text}");
        }
    }
}
