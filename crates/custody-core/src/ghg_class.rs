//! Where a purchase's footprint sits in a GHG Protocol inventory, and grid factors for
//! location-based Scope 2 (held on items; the default per category is in `model`).

use crate::units::Intensity;

/// A grid-average emission factor with its source, for location-based Scope 2.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GridFactor {
    pub factor: Intensity,
    pub source: String,
}

/// A place in the GHG Protocol inventory for a purchase: Scope 2 (purchased electricity, steam,
/// heat, cooling; Scope 2 Guidance ch. 5) or a Scope 3 category 1..=15 (Scope 3 Standard
/// table 5.3). Scope 1 is never a purchase: it is what the company's own `emit` releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
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

/// How the GHG inventory counts CO and VOC, which have no GWP100 in the AR5 or AR6 tables: chosen
/// per entity (`co-voc excluded|oxidised` on the entity; default `excluded`). Either way they are
/// shown in carbon mass beside Scope 1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CoVocRule {
    /// Not in tCO2e: no GWP100 (the IPCC tables' own treatment).
    #[default]
    Excluded,
    /// Counted as the CO2 their carbon becomes once oxidised in the atmosphere (IPCC 2006
    /// Guidelines, vol. 1 ch. 7, indirect CO2 from CO and NMVOC): gC x 44/12 by the entity's ratios.
    Oxidised,
}

impl CoVocRule {
    pub fn as_str(self) -> &'static str {
        match self {
            CoVocRule::Excluded => "excluded",
            CoVocRule::Oxidised => "oxidised",
        }
    }
    pub fn parse(s: &str) -> Option<CoVocRule> {
        match s {
            "excluded" => Some(CoVocRule::Excluded),
            "oxidised" => Some(CoVocRule::Oxidised),
            _ => None,
        }
    }
}

/// The declared downstream fate of a product's carbon content: the share oxidised to CO2 by
/// customers processing it (`processing oxidised F`, Scope 3 category 10), in its use (`use
/// oxidised F`, category 11: e.g. a fuel burnt) and at its end of life (`end-of-life oxidised F`,
/// category 12). Each is a fraction between 0 and 1; `None` when undeclared (the category is then
/// not covered for the product, never zero). The three together are at most 1 (carbon is
/// conserved: content cannot be burnt twice).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SoldFate {
    pub processing: Option<crate::exact::Q>,
    pub use_phase: Option<crate::exact::Q>,
    pub end_of_life: Option<crate::exact::Q>,
}

impl SoldFate {
    /// The declared share for Scope 3 category 10, 11 or 12.
    pub fn share(&self, category: u8) -> Option<crate::exact::Q> {
        match category {
            10 => self.processing,
            11 => self.use_phase,
            12 => self.end_of_life,
            _ => None,
        }
    }
}
