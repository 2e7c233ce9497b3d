//! Why a chain-of-custody operation is refused.

/// Why a chain-of-custody operation is refused (mapped to rejection codes by the ledger).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CocError {
    PoolUnknown(String),
    PeriodClosed(String),
    OutsideBoundary(String),
    ClaimExceedsBalance(String),
    StackedAttribution(String),
    AttributionNotAllowed(String),
    CertificateUnknown(String),
    CertificateUnavailable(String),
    PeriodNotEnded(String),
    /// A credit compared with outputs of another dimension without a stated conversion.
    UnitMismatch(String),
    /// Outputs beyond what the period's inputs can make.
    OutputsExceedInputs(String),
    /// A pool input or output the ledger does not back.
    NotInLedger(String),
    /// A negative intensity the ledger gives a pool input (E032).
    NegativeAmount(String),
    Invalid(String),
    /// A number beyond what the book can hold (checked, never wrapped).
    Overflow(String),
}
