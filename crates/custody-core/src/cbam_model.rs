//! EU CBAM facts held on items and sites (Regulation (EU) 2023/956, Implementing Regulation (EU)
//! 2023/1773): goods categories, a precursor's embedded emissions, installation data.

/// The aggregated goods categories of the EU CBAM (Implementing Regulation (EU) 2023/1773, Annex
/// II, section 2, table 1), written as the regulation names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum GoodsCategory {
    CalcinedClay,
    CementClinker,
    Cement,
    AluminousCement,
    Hydrogen,
    Ammonia,
    NitricAcid,
    Urea,
    MixedFertilisers,
    SinteredOre,
    PigIron,
    FeMn,
    FeCr,
    FeNi,
    Dri,
    CrudeSteel,
    IronOrSteelProducts,
    UnwroughtAluminium,
    AluminiumProducts,
    Electricity,
}

impl GoodsCategory {
    pub const ALL: [GoodsCategory; 20] = [
        GoodsCategory::CalcinedClay,
        GoodsCategory::CementClinker,
        GoodsCategory::Cement,
        GoodsCategory::AluminousCement,
        GoodsCategory::Hydrogen,
        GoodsCategory::Ammonia,
        GoodsCategory::NitricAcid,
        GoodsCategory::Urea,
        GoodsCategory::MixedFertilisers,
        GoodsCategory::SinteredOre,
        GoodsCategory::PigIron,
        GoodsCategory::FeMn,
        GoodsCategory::FeCr,
        GoodsCategory::FeNi,
        GoodsCategory::Dri,
        GoodsCategory::CrudeSteel,
        GoodsCategory::IronOrSteelProducts,
        GoodsCategory::UnwroughtAluminium,
        GoodsCategory::AluminiumProducts,
        GoodsCategory::Electricity,
    ];
    /// The category's name in the regulation, e.g. `Iron or steel products`.
    pub fn as_str(self) -> &'static str {
        match self {
            GoodsCategory::CalcinedClay => "Calcined clay",
            GoodsCategory::CementClinker => "Cement clinker",
            GoodsCategory::Cement => "Cement",
            GoodsCategory::AluminousCement => "Aluminous cement",
            GoodsCategory::Hydrogen => "Hydrogen",
            GoodsCategory::Ammonia => "Ammonia",
            GoodsCategory::NitricAcid => "Nitric acid",
            GoodsCategory::Urea => "Urea",
            GoodsCategory::MixedFertilisers => "Mixed fertilisers",
            GoodsCategory::SinteredOre => "Sintered ore",
            GoodsCategory::PigIron => "Pig iron",
            GoodsCategory::FeMn => "FeMn",
            GoodsCategory::FeCr => "FeCr",
            GoodsCategory::FeNi => "FeNi",
            GoodsCategory::Dri => "DRI",
            GoodsCategory::CrudeSteel => "Crude steel",
            GoodsCategory::IronOrSteelProducts => "Iron or steel products",
            GoodsCategory::UnwroughtAluminium => "Unwrought aluminium",
            GoodsCategory::AluminiumProducts => "Aluminium products",
            GoodsCategory::Electricity => "Electricity",
        }
    }
    pub fn parse(s: &str) -> Option<GoodsCategory> {
        GoodsCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Specific embedded emissions of a purchased precursor, tCO2e per tonne (= gCO2e per g), as its
/// producer communicated them (`actual`) or the Commission's default values (`default`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Embedded {
    pub direct: crate::exact::Q,
    pub indirect: crate::exact::Q,
    pub default_values: bool,
}

/// What the EU CBAM needs to know about an item: its CN code (Regulation (EU) 2023/956, Annex I),
/// its aggregated goods category, and for a purchased precursor its embedded emissions. All
/// optional: what is not declared is reported as missing, never guessed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CbamGood {
    /// Combined Nomenclature code: 4, 6 or 8 digits, no spaces.
    pub cn_code: Option<String>,
    pub category: Option<GoodsCategory>,
    /// Boxed: most items are no precursor, and `Item` stays small.
    pub embedded: Option<Box<Embedded>>,
}

/// A site of the company and, for the EU CBAM, its installation data (Implementing Regulation
/// (EU) 2023/1773, Annex IV, section 1: name, address, UN/LOCODE, coordinates). Postings name a
/// site in their dimensions; a site declared `default` also stands for operations naming none.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: Option<String>,
    /// UN/LOCODE: the country's two letters and three letters or digits, e.g. `DEHAM`.
    pub unlocode: Option<String>,
    /// Latitude and longitude in decimal degrees (WGS 84).
    pub coordinates: Option<(crate::exact::Q, crate::exact::Q)>,
    /// Operations that name no site take place here.
    pub default: bool,
    /// Whether a regulated emission trading scheme covers the site's direct emissions, declared
    /// (`ets "EU ETS"` or `ets none`); `None` when undeclared (ESRS E1-6 then lists the share of
    /// Scope 1 under an ETS as missing).
    pub ets: Option<Ets>,
}

/// A site's emission trading coverage, as declared.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Ets {
    /// Covered by the named scheme (e.g. `EU ETS`, `UK ETS`).
    Scheme(String),
    /// Declared not covered by any scheme.
    NotCovered,
}
