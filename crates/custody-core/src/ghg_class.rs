//! Where a purchase's footprint sits in a GHG Protocol inventory, and grid factors for
//! location-based Scope 2 (held on items; the default per category is in `model`).

use crate::units::Intensity;

/// A grid-average emission factor with its source, for location-based Scope 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridFactor {
    pub factor: Intensity,
    pub source: String,
}

/// A place in the GHG Protocol inventory for a purchase: Scope 2 (purchased electricity, steam,
/// heat, cooling; Scope 2 Guidance ch. 5) or a Scope 3 category 1..=15 (Scope 3 Standard
/// table 5.3). Scope 1 is never a purchase: it is what the company's own `emit` releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GhgClass {
    Scope2,
    Scope3(u8),
}

impl GhgClass {
    /// `scope2` or `scope3-N`.
    pub fn as_string(self) -> String {
        match self {
            GhgClass::Scope2 => "scope2".into(),
            GhgClass::Scope3(n) => format!("scope3-{n}"),
        }
    }
    /// Parses `scope2` or `scope3-N` with N from 1 to 15.
    pub fn parse(s: &str) -> Option<GhgClass> {
        if s == "scope2" {
            return Some(GhgClass::Scope2);
        }
        let n: u8 = s.strip_prefix("scope3-")?.parse().ok()?;
        (1..=15).contains(&n).then_some(GhgClass::Scope3(n))
    }
}
