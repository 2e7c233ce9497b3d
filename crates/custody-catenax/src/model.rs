//! The footprint the ledger and Catena-X share, its declared unit, and the errors of the mapping.

use crate::paths::Version;
use custody_core::exact::Q;

/// The unit a footprint is declared per (`declaredUnitOfMeasurement`, 7.0.0 `declaredUnit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclaredUnit {
    Liter,
    Kilogram,
    CubicMeter,
    KilowattHour,
    Megajoule,
    /// Any other value (`piece`, `square meter`, `ton kilometer`, ...), as written.
    Other(String),
}

impl DeclaredUnit {
    pub fn parse(s: &str) -> DeclaredUnit {
        match s {
            "liter" => DeclaredUnit::Liter,
            "kilogram" => DeclaredUnit::Kilogram,
            "cubic meter" => DeclaredUnit::CubicMeter,
            "kilowatt hour" => DeclaredUnit::KilowattHour,
            "megajoule" => DeclaredUnit::Megajoule,
            other => DeclaredUnit::Other(other.to_string()),
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            DeclaredUnit::Liter => "liter",
            DeclaredUnit::Kilogram => "kilogram",
            DeclaredUnit::CubicMeter => "cubic meter",
            DeclaredUnit::KilowattHour => "kilowatt hour",
            DeclaredUnit::Megajoule => "megajoule",
            DeclaredUnit::Other(s) => s,
        }
    }
    /// The journal unit, and its volume in m3 (0 for mass and energy units).
    pub fn ledger_unit(&self) -> Option<(&'static str, Q)> {
        Some(match self {
            DeclaredUnit::Liter => ("L", Q::new(1, 1000)),
            DeclaredUnit::CubicMeter => ("m3", Q::from_integer(1)),
            DeclaredUnit::Kilogram => ("kg", Q::from_integer(0)),
            DeclaredUnit::KilowattHour => ("kWh", Q::from_integer(0)),
            DeclaredUnit::Megajoule => ("MJ", Q::from_integer(0)),
            DeclaredUnit::Other(_) => return None,
        })
    }
}

/// The overlap of a Catena-X PCF and the ledger. Emission values are kg (CO2e, or CO2 for the
/// uptake) and carbon content kgC, per `declared_amount` declared units (7.0.0: per one unit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    /// The version the document was read from (or is written in).
    pub version: Version,
    /// The PCF's id; empty for a ledger product that has none (the template's id is kept).
    pub id: String,
    /// The PCF's `version` number (Catena-X: 0).
    pub pcf_version: Q,
    pub company_name: String,
    pub company_ids: Vec<String>,
    pub product_name: String,
    pub product_ids: Vec<String>,
    pub declared_unit: DeclaredUnit,
    pub declared_amount: Q,
    /// kg per declared amount (0 for energy).
    pub mass_per_declared_unit: Option<Q>,
    pub pcf_excluding: Q,
    pub pcf_including: Option<Q>,
    /// Zero or negative.
    pub biogenic_uptake: Option<Q>,
    pub carbon_content_total: Option<Q>,
    /// `AR5`, `AR6`, ...
    pub gwp: Option<String>,
    /// ISO 8601 date-times as written.
    pub reference_period: Option<(String, String)>,
}

/// Why a document could not be read or a footprint not made. Messages name the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatenaxError {
    #[error("not a Catena-X PCF of a known version (specVersion ending in 7.0.0, 8.0.0, 9.0.0 or 10.0.0)")]
    UnknownVersion,
    #[error("the PCF has no {0}")]
    Missing(&'static str),
    #[error("{0} is not a number")]
    NotANumber(&'static str),
    #[error("{0}")]
    Invalid(String),
}
