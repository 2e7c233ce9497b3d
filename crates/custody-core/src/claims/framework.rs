//! Frameworks as data: comparison, scrap-share definition, threshold levels, stances on claims,
//! custody rules.

use crate::coc::CustodyModel;
use crate::exact::Q;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// The line itself passes.
    AtMost,
    /// The line itself fails.
    Below,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::AtMost => "<=",
            Comparison::Below => "<",
        }
    }
    pub fn holds(self, value: Q, limit: Q) -> bool {
        match self {
            Comparison::AtMost => value <= limit,
            Comparison::Below => value < limit,
        }
    }
}

/// How a framework measures the scrap share of the metallic charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScrapDefinition {
    /// Scrap's metallic content over all ferrous inputs' metallic content (ResponsibleSteel, IEA).
    MetallicInput,
    /// Scrap mass over all ferrous input mass.
    ChargeMass,
    /// No scrap dependence (aluminium thresholds, flat lines).
    None,
}

impl ScrapDefinition {
    pub fn as_str(self) -> &'static str {
        match self {
            ScrapDefinition::MetallicInput => "metallic-input",
            ScrapDefinition::ChargeMass => "charge-mass",
            ScrapDefinition::None => "none",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "metallic-input" => Some(ScrapDefinition::MetallicInput),
            "charge-mass" => Some(ScrapDefinition::ChargeMass),
            "none" => Some(ScrapDefinition::None),
            _ => None,
        }
    }
}

/// One threshold line: `limit(s) = intercept - slope * s`, in tCO2e per tonne of product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub name: String,
    pub intercept: Q,
    pub slope: Q,
}

impl Level {
    pub fn limit(&self, scrap_share: Q) -> Q {
        self.intercept - self.slope * scrap_share
    }
}

/// A framework's position on a kind of claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stance {
    Accepted,
    /// Accepted only when the principle checks pass.
    AcceptedWithPrinciples,
    Refused,
    /// The framework says nothing we could find: reported, never assumed.
    NotFound,
}

impl Stance {
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Accepted => "accepted",
            Stance::AcceptedWithPrinciples => "accepted-with-principles",
            Stance::Refused => "refused",
            Stance::NotFound => "not-found",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "accepted" => Some(Stance::Accepted),
            "accepted-with-principles" => Some(Stance::AcceptedWithPrinciples),
            "refused" => Some(Stance::Refused),
            "not-found" => Some(Stance::NotFound),
            _ => None,
        }
    }
}

/// What kind of claim a footprint carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClaimKind {
    /// The product's own physical footprint.
    Physical,
    /// Mass-balance chain of custody: embodied emissions of physical inputs at one boundary.
    MassBalanceChainOfCustody,
    /// Mass-balance credits: pooled reductions against a baseline (avoided emissions).
    MassBalanceCredit,
    BookAndClaim,
}

impl ClaimKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimKind::Physical => "physical",
            ClaimKind::MassBalanceChainOfCustody => "mass-balance-chain-of-custody",
            ClaimKind::MassBalanceCredit => "mass-balance-credit",
            ClaimKind::BookAndClaim => "book-and-claim",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            ClaimKind::Physical,
            ClaimKind::MassBalanceChainOfCustody,
            ClaimKind::MassBalanceCredit,
            ClaimKind::BookAndClaim,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A framework's rules for chain-of-custody claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustodyRules {
    pub mass_balance_chain_of_custody: Stance,
    pub mass_balance_credit: Stance,
    pub book_and_claim: Stance,
    /// Custody models a physical claim may travel under (empty: not stated).
    pub models: Vec<CustodyModel>,
    pub site_level_link: bool,
    pub proportional_only: bool,
    pub max_period_months: Option<u32>,
    pub third_party_verification: bool,
    pub baseline_disclosure: bool,
    pub additionality: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub version: String,
    /// `steel` or `aluminium`.
    pub material: String,
    pub unit: String,
    pub boundary: String,
    pub gases: Vec<String>,
    pub scrap: ScrapDefinition,
    /// Used when the footprint states no scrap inputs (the IEA's default is zero scrap).
    pub default_scrap_share: Option<Q>,
    /// Where the framework's own text sets that default (required with it).
    pub default_scrap_share_source: Option<String>,
    pub comparison: Comparison,
    /// Weakest first; the level reached is the last one met.
    pub levels: Vec<Level>,
    pub custody: CustodyRules,
    pub sources: Vec<String>,
    pub confidence: String,
    /// Rules searched for and not found: shown in every verdict rather than invented.
    pub not_found: Vec<String>,
}
