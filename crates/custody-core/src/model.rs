//! The ledger's nouns: entities, items, assets, periods, postings, transactions.

use crate::chart::Side;
use crate::units::{Dimension, Property, Species};
use std::collections::BTreeMap;
use std::fmt;

pub use time::Date;

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    let mut it = s.splitn(3, '-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// A calendar month as a running index (`year * 12 + month - 1`), for depreciation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthIndex(pub i32);

impl MonthIndex {
    pub fn of(d: Date) -> MonthIndex {
        MonthIndex(d.year() * 12 + d.month() as i32 - 1)
    }
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Option<MonthIndex> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let (y, m): (i32, i32) = (y.parse().ok()?, m.parse().ok()?);
        if !(1..=12).contains(&m) {
            return None;
        }
        Some(MonthIndex(y * 12 + m - 1))
    }
}

impl fmt::Display for MonthIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.0.div_euclid(12), self.0.rem_euclid(12) + 1)
    }
}

/// What kind of thing an item is; decides the accounts its carbon sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    RawMaterial,
    Fuel,
    Electricity,
    Product,
    Byproduct,
    Waste,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::RawMaterial => "raw-material",
            Category::Fuel => "fuel",
            Category::Electricity => "electricity",
            Category::Product => "product",
            Category::Byproduct => "byproduct",
            Category::Waste => "waste",
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        [
            Category::RawMaterial,
            Category::Fuel,
            Category::Electricity,
            Category::Product,
            Category::Byproduct,
            Category::Waste,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
    pub fn is_input(self) -> bool {
        matches!(self, Category::RawMaterial | Category::Fuel | Category::Electricity)
    }
}

/// How consumption takes carbon out of an item's inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Costing {
    /// Moving weighted average: one pool per item and site; every draw takes the same share of
    /// every position in the pool.
    #[default]
    Mwa,
    /// First in, first out by lot.
    Fifo,
    /// Specific lot (identity preserved): every draw names its lot.
    Specific,
}

impl Costing {
    pub fn as_str(self) -> &'static str {
        match self {
            Costing::Mwa => "mwa",
            Costing::Fifo => "fifo",
            Costing::Specific => "specific",
        }
    }
    pub fn parse(s: &str) -> Option<Costing> {
        match s {
            "mwa" => Some(Costing::Mwa),
            "fifo" => Some(Costing::Fifo),
            "specific" => Some(Costing::Specific),
            _ => None,
        }
    }
}

/// A material, energy carrier or product the ledger holds quantities of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: String,
    pub name: String,
    pub category: Category,
    /// The dimension quantities are held in (mass: grams; energy: kilojoules).
    pub measure: Dimension,
    pub costing: Costing,
    /// Carbon content as a mass fraction (gC per g of item).
    pub carbon_content: Option<crate::exact::Q>,
    /// Energy per mass, e.g. `47.14 MJ/kg`.
    pub energy_content: Option<Property>,
    /// Energy per volume, e.g. `38.3 MJ/m3` (for gases metered by volume).
    pub volumetric_energy: Option<Property>,
    /// Mass per volume, e.g. `0.7517 kg/m3`.
    pub density: Option<Property>,
    /// For scrap shares: whether the item is ferrous scrap or a primary iron unit, and its
    /// metallic fraction (e.g. scrap 98%, DRI 94%).
    pub ferrous: Option<(Ferrous, crate::exact::Q)>,
    /// EU CBAM facts (CN code, goods category, a precursor's embedded emissions).
    pub cbam: CbamGood,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ferrous {
    Scrap,
    Primary,
}

impl Ferrous {
    pub fn as_str(self) -> &'static str {
        match self {
            Ferrous::Scrap => "scrap",
            Ferrous::Primary => "primary",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "scrap" => Some(Ferrous::Scrap),
            "primary" => Some(Ferrous::Primary),
            _ => None,
        }
    }
}

/// Plant, property or equipment whose capitalised emissions are depreciated straight-line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    pub id: String,
    pub name: String,
    pub in_service: MonthIndex,
    pub life_months: u32,
}

/// Another company: supplier, customer, storage operator, carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counterparty {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub id: String,
    pub start: Date,
    pub end: Date,
    pub closed: bool,
}

/// Where carbon in a product came from; carried from purchase to sale for intensity statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    RawMaterials,
    Electricity,
    Fuels,
    /// Direct (gross) emissions of the company's own processes.
    Direct,
    /// Captured emissions (negative) and the capture process's own emissions.
    Ccs,
    /// Depreciation of plant, property and equipment.
    Ppe,
    /// Transport of products to customers (seller's, under FOD).
    Transport,
}

impl Origin {
    pub const ALL: [Origin; 7] = [
        Origin::RawMaterials,
        Origin::Electricity,
        Origin::Fuels,
        Origin::Direct,
        Origin::Ccs,
        Origin::Ppe,
        Origin::Transport,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::RawMaterials => "raw-materials",
            Origin::Electricity => "electricity",
            Origin::Fuels => "fuels",
            Origin::Direct => "direct",
            Origin::Ccs => "ccs",
            Origin::Ppe => "ppe",
            Origin::Transport => "transport",
        }
    }
    pub fn parse(s: &str) -> Option<Origin> {
        Origin::ALL.into_iter().find(|o| o.as_str() == s)
    }
    pub fn of_category(c: Category) -> Option<Origin> {
        match c {
            Category::RawMaterial => Some(Origin::RawMaterials),
            Category::Fuel => Some(Origin::Fuels),
            Category::Electricity => Some(Origin::Electricity),
            _ => None,
        }
    }
}

/// The dimensions of a position: which item, lot, site, origin and counterparty it belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dims {
    pub item: Option<String>,
    pub lot: Option<String>,
    pub site: Option<String>,
    pub origin: Option<Origin>,
    pub counterparty: Option<String>,
}

/// One line of a transaction: an integer amount of a species on an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub account: String,
    pub species: Species,
    /// Base units: gC for carbon species, grams of gas for N2O and SF6.
    pub amount: i64,
    pub dims: Dims,
    /// Grams of the gas exactly as stated, for an emission species held in carbon mass (CO2,
    /// CH4, CO, VOC, CF4, C2F6) whose amount was converted from a stated gas mass, or is a share
    /// of such an amount: statements show this figure instead of converting the rounded carbon
    /// back (3 tCO2 stays 3,000,000 g, not 2,999,998.76 g from 818,764 gC). `None`: the gas is
    /// the carbon amount converted with the ledger's ratios, exactly. Rule: issue 16 item 7,
    /// "store what was stated; rounding happens once".
    pub gas: Option<i64>,
}

impl Posting {
    /// A posting whose gas is its carbon converted (no stated figure).
    pub fn new(account: impl Into<String>, species: Species, amount: i64, dims: Dims) -> Posting {
        Posting { account: account.into(), species, amount, dims, gas: None }
    }

    /// Grams of the species' gas this posting stands for: the stated figure when there is one,
    /// otherwise the carbon converted exactly (grams of gas for non-carbon species).
    pub fn gas_grams(&self, ratios: crate::units::CarbonRatios) -> crate::exact::Q {
        match self.gas {
            Some(g) => crate::exact::Q::from_integer(g as i128),
            None => ratios.gas_grams(self.species, self.amount),
        }
    }
}

/// A change of an item's quantity on hand (base units: g or kJ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub item: String,
    pub lot: Option<String>,
    pub site: Option<String>,
    pub quantity: i64,
}

/// What produced a transaction; statements read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TxKind {
    Opening,
    Capital,
    Purchase,
    Consume,
    Emit,
    Capture,
    Produce,
    Depreciate,
    Sell,
    Raw,
    Reversal,
    /// A transfer from another ledger booked as a purchase (mirror entry of the seller's sale).
    Receive,
    /// A delivery the customer refused, back into the seller's inventory (or goods sent back to a supplier).
    Return,
    /// Stock moved between sites of the company.
    Move,
}

impl TxKind {
    pub const ALL: [TxKind; 14] = [
        TxKind::Opening,
        TxKind::Capital,
        TxKind::Purchase,
        TxKind::Consume,
        TxKind::Emit,
        TxKind::Capture,
        TxKind::Produce,
        TxKind::Depreciate,
        TxKind::Sell,
        TxKind::Raw,
        TxKind::Reversal,
        TxKind::Receive,
        TxKind::Return,
        TxKind::Move,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TxKind::Opening => "opening",
            TxKind::Capital => "capitalise",
            TxKind::Purchase => "purchase",
            TxKind::Consume => "consume",
            TxKind::Emit => "emit",
            TxKind::Capture => "capture",
            TxKind::Produce => "produce",
            TxKind::Depreciate => "depreciate",
            TxKind::Sell => "sell",
            TxKind::Raw => "txn",
            TxKind::Reversal => "reverse",
            TxKind::Receive => "receive",
            TxKind::Return => "return",
            TxKind::Move => "move",
        }
    }
    pub fn parse(s: &str) -> Option<TxKind> {
        TxKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A posted, immutable, balanced transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub id: String,
    pub date: Date,
    pub kind: TxKind,
    pub description: String,
    pub postings: Vec<Posting>,
    pub movements: Vec<Movement>,
    /// The transaction this one reverses.
    pub reverses: Option<String>,
    /// Facts an operation derived and statements show (e.g. a production's content closure).
    pub meta: BTreeMap<String, String>,
}

/// Meta key under which a sale records the quantity sold to one customer.
pub const SOLD_TO_PREFIX: &str = "sold_to.";

/// Totals of a set of postings by side, in the carbon balance class and per non-carbon gas.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SideTotals {
    pub stock_carbon: i128,
    pub flow_carbon: i128,
    /// (species, stock, flow) for N2O and SF6.
    pub gases: BTreeMap<Species, (i128, i128)>,
}

impl SideTotals {
    pub fn add(&mut self, side: Side, species: Species, amount: i64) {
        let a = amount as i128;
        if species.is_carbon() {
            match side {
                Side::Stock => self.stock_carbon += a,
                Side::Flow => self.flow_carbon += a,
            }
        } else {
            let e = self.gases.entry(species).or_default();
            match side {
                Side::Stock => e.0 += a,
                Side::Flow => e.1 += a,
            }
        }
    }
    pub fn balanced(&self) -> bool {
        self.stock_carbon == self.flow_carbon && self.gases.values().all(|(s, f)| s == f)
    }
}

/// A reduction target for purchased goods (seed 000: 30% less supply-chain emissions by 2030).
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

/// A market instrument obtained (carbon removal or environmental attribute certificate). It is
/// recorded beside the physical ledger and never netted into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrument {
    pub id: String,
    pub date: Date,
    pub kind: InstrumentKind,
    /// Grams CO2e.
    pub co2e_g: i64,
    pub counterparty: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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

/// The aggregated goods categories of the EU CBAM (Implementing Regulation (EU) 2023/1773, Annex
/// II, section 2, table 1), written as the regulation names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Embedded {
    pub direct: crate::exact::Q,
    pub indirect: crate::exact::Q,
    pub default_values: bool,
}

/// What the EU CBAM needs to know about an item: its CN code (Regulation (EU) 2023/956, Annex I),
/// its aggregated goods category, and for a purchased precursor its embedded emissions. All
/// optional: what is not declared is reported as missing, never guessed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
}
