//! Avoided-emission certificates, beside the physical ledger.

use crate::exact::Q;
use crate::model::*;

named_enum!(
    /// What an avoided-emission certificate's reduction was measured against.
    AvoidedBasis { ProjectBaseline => "project-baseline", CompanyBaseline => "company-baseline" }
);

/// An avoided-emission certificate (worldsteel / JISF style): a reduction against a stated
/// baseline, pooled at company level. It is a market instrument, never a physical footprint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AvoidedCertificate {
    pub id: String,
    pub date: Date,
    pub basis: AvoidedBasis,
    pub project: String,
    /// g CO2e per unit of product, baseline and actual.
    pub baseline: Q,
    pub actual: Q,
    /// Units of product the reduction was measured on.
    pub quantity: i64,
    /// g CO2e avoided = (baseline - actual) x quantity, rounded once.
    pub avoided: i64,
    pub allocated_to: Option<String>,
}
