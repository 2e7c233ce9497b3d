//! Targets and market instruments an entity declares: reduction targets (`target`), removal and
//! energy attribute certificate records (`Instrument`). Re-exported by `model`.

use crate::ghg_class::GhgClass;
use crate::units::Intensity;
use time::Date;

/// A reduction target for purchased goods (seed 000: 30% less supply-chain emissions by 2030).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    pub id: String,
    pub name: String,
    /// The baseline as a stated amount (g CO2e) or as a period of this ledger.
    pub baseline: Option<crate::exact::Q>,
    pub baseline_period: Option<String>,
    pub baseline_year: i32,
    /// The reduction by the target year, as a fraction.
    pub reduction: crate::exact::Q,
    pub year: i32,
    /// What a GHG-inventory target measures (`scope scope1+2-market`); `None` for the
    /// purchased-goods target of seed 000 (what `report purchased-goods` measures).
    pub measure: Option<TargetMeasure>,
    /// Per net revenue of the period (`basis intensity`) rather than absolute (`basis absolute`).
    pub intensity: bool,
    /// The base-year recalculation policy's significance threshold (`recalculate-above 5%`): a
    /// stated baseline that the ledger's own base-year figure differs from by more is flagged.
    pub recalculate_above: Option<crate::exact::Q>,
}

/// What a GHG-inventory target measures, in tCO2e.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TargetMeasure {
    Scope1,
    Scope2Location,
    Scope2Market,
    Scope12Location,
    Scope12Market,
    /// Every Scope 3 category with a figure.
    Scope3,
    /// One Scope 3 category, 1 to 15.
    Scope3Category(u8),
    TotalLocation,
    TotalMarket,
}

impl TargetMeasure {
    const NAMED: [(&'static str, TargetMeasure); 8] = [
        ("scope1", TargetMeasure::Scope1),
        ("scope2-location", TargetMeasure::Scope2Location),
        ("scope2-market", TargetMeasure::Scope2Market),
        ("scope1+2-location", TargetMeasure::Scope12Location),
        ("scope1+2-market", TargetMeasure::Scope12Market),
        ("scope3", TargetMeasure::Scope3),
        ("total-location", TargetMeasure::TotalLocation),
        ("total-market", TargetMeasure::TotalMarket),
    ];
    /// The names [`TargetMeasure::parse`] reads, for messages.
    pub const NAMES: &'static str =
        "scope1, scope2-location, scope2-market, scope1+2-location, scope1+2-market, scope3, scope3-N, total-location, total-market";

    pub fn as_string(self) -> String {
        match self {
            TargetMeasure::Scope3Category(n) => format!("scope3-{n}"),
            m => Self::NAMED.iter().find(|(_, x)| *x == m).map(|(s, _)| s.to_string()).unwrap_or_default(),
        }
    }

    pub fn parse(s: &str) -> Option<TargetMeasure> {
        if let Some((_, m)) = Self::NAMED.iter().find(|(n, _)| *n == s) {
            return Some(*m);
        }
        match GhgClass::parse(s)? {
            GhgClass::Scope3(n) => Some(TargetMeasure::Scope3Category(n)),
            GhgClass::Scope2 => None,
        }
    }
}

/// A market instrument obtained (carbon removal or environmental attribute certificate). It is
/// recorded beside the physical ledger and never netted into it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Instrument {
    pub id: String,
    pub date: Date,
    pub kind: InstrumentKind,
    /// Grams CO2e.
    pub co2e_g: i64,
    pub counterparty: Option<String>,
    /// An energy attribute certificate's terms, resolved: (serial, item, kJ covered,
    /// generation start and end, boundary, rate). See `ops::EacTerms`.
    pub eac: Option<EacRecord>,
}

/// An energy attribute certificate as recorded: the energy it covers in kJ, exact.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EacRecord {
    pub serial: String,
    pub item: String,
    pub covers_kj: i64,
    pub generated: (Date, Date),
    pub boundary: String,
    pub rate: Intensity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum InstrumentKind {
    Removal,
    Eac,
}

impl InstrumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InstrumentKind::Removal => "removal",
            InstrumentKind::Eac => "eac",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "removal" => Some(InstrumentKind::Removal),
            "eac" => Some(InstrumentKind::Eac),
            _ => None,
        }
    }
}
