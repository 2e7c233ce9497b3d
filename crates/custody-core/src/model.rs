//! The ledger's nouns: entities, items, assets, periods, postings, transactions.

use crate::chart::Side;
use crate::units::{Dimension, Property, Species};
use std::collections::BTreeMap;
use std::fmt;

pub use crate::cbam_model::*;
pub use crate::ghg_class::{CoVocRule, GhgClass, GridFactor, SoldFate};

pub use crate::meta::Meta;
pub use crate::name::Name;
pub use crate::targets::{EacRecord, Instrument, InstrumentKind, Target, TargetMeasure};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// Where the item's purchased footprint sits in a GHG Protocol inventory, overriding the
    /// default of its category ([`GhgClass::default_for`]); `ghg` in the journal.
    pub ghg: Option<GhgClass>,
    /// Location-based grid-average factors for a Scope 2 item, each with its source
    /// (`grid-factor 675.28 gCO2/kWh "source"`): one per species.
    pub grid_factors: Vec<GridFactor>,
    /// Market-based residual-mix factors of a Scope 2 item's market, each with its source
    /// (`residual-mix 620 gCO2/kWh "AIB 2024, DE"`), for energy bought without a supplier figure.
    pub residual_mix: Vec<GridFactor>,
    /// For a product: the declared shares of its carbon content oxidised to CO2 downstream, which
    /// estimate Scope 3 categories 10, 11 and 12 from content sold ([`SoldFate`]).
    pub fate: SoldFate,
    /// For a Scope 2 item: the market boundary its consumption is in (`market-boundary MISO`);
    /// an energy attribute certificate applies only within it (Scope 2 Guidance ch. 7).
    pub market_boundary: Option<String>,
    /// A share of each purchase's footprint placed elsewhere (`ghg-split scope3-3 8%`: e.g. the
    /// upstream and grid-loss part of electricity, which the Scope 3 Standard puts in
    /// category 3); the rest stays in the item's own place. Split by largest remainder.
    pub ghg_split: Option<(GhgClass, crate::exact::Q)>,
}

impl Item {
    /// An item held by mass with no optional facts: carbon content, energy, density, ferrous
    /// share, CBAM and GHG data all absent (set the fields to add them). Name = id.
    pub fn new(id: &str, category: Category, costing: Costing) -> Item {
        Item {
            id: id.into(),
            name: id.into(),
            category,
            measure: Dimension::Mass,
            costing,
            carbon_content: None,
            energy_content: None,
            volumetric_energy: None,
            density: None,
            ferrous: None,
            cbam: Default::default(),
            ghg: None,
            grid_factors: Vec::new(),
            residual_mix: Vec::new(),
            fate: SoldFate::default(),
            market_boundary: None,
            ghg_split: None,
        }
    }
}

impl GhgClass {
    /// The default place of a purchase of an item of this category: electricity to Scope 2
    /// (Scope 2 Guidance ch. 5), fuels to category 3 (their upstream extraction, production and
    /// transport; Scope 3 Standard table 5.3), raw materials and goods to category 1, waste to
    /// category 5.
    pub fn default_for(c: Category) -> GhgClass {
        match c {
            Category::Electricity => GhgClass::Scope2,
            Category::Fuel => GhgClass::Scope3(3),
            Category::Waste => GhgClass::Scope3(5),
            Category::RawMaterial | Category::Product | Category::Byproduct => GhgClass::Scope3(1),
        }
    }
}

impl Item {
    /// The item's place in the inventory: its `ghg` override, else its category's default.
    pub fn ghg_class(&self) -> GhgClass {
        self.ghg.unwrap_or_else(|| GhgClass::default_for(self.category))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Asset {
    pub id: String,
    pub name: String,
    pub in_service: MonthIndex,
    pub life_months: u32,
}

/// Another company: supplier, customer, storage operator, carrier.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counterparty {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Period {
    pub id: String,
    pub start: Date,
    pub end: Date,
    pub closed: bool,
    /// Net revenue of the period as declared (`revenue 125000000 EUR`): for GHG intensity per
    /// net revenue (ESRS E1-6). `None` is unknown, never zero.
    pub revenue: Option<Revenue>,
}

/// An amount of money in a currency (ISO 4217 code as written), exact.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Revenue {
    pub amount: crate::exact::Q,
    pub currency: String,
}

/// Where carbon in a product came from; carried from purchase to sale for intensity statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
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
/// A posting holds them interned ([`DimsRef`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct Dims {
    pub item: Option<Name>,
    pub lot: Option<Name>,
    pub site: Option<Name>,
    pub origin: Option<Origin>,
    pub counterparty: Option<Name>,
}

/// A posting's dimensions, interned like names: one pointer (8 bytes, `Copy`) to a
/// [`Dims`] kept once for the life of the process. A posting's five
/// dimensions took 40 of its 80 bytes (issue 12 item 2, at most 1 KB an operation held).
///
/// Read through `Deref` (`p.dims.item`); equal exactly when the pointers are; ordered and hashed
/// as the `Dims` it points to; serialized as that `Dims`, so snapshots, exports and hashes are
/// unchanged. Bound: the distinct combinations the data holds (an item's lots included), not the
/// number of postings.
#[derive(Clone, Copy)]
pub struct DimsRef(&'static Dims);

static DIMS: crate::name::Table<Dims, Dims> = std::sync::Mutex::new(None);

thread_local! {
    static LOCAL_DIMS: std::cell::RefCell<rustc_hash::FxHashMap<&'static Dims, &'static Dims>> =
        std::cell::RefCell::new(Default::default());
}

impl DimsRef {
    /// The interned `dims`: the same pointer for equal dimensions, process-wide.
    pub fn new(dims: Dims) -> DimsRef {
        DimsRef(crate::name::intern(&LOCAL_DIMS, &DIMS, &dims, |d| {
            let leaked: &'static Dims = Box::leak(Box::new(*d));
            (leaked, leaked)
        }))
    }
}

impl Default for DimsRef {
    fn default() -> DimsRef {
        DimsRef::new(Dims::default())
    }
}

impl From<Dims> for DimsRef {
    fn from(d: Dims) -> DimsRef {
        DimsRef::new(d)
    }
}

impl std::ops::Deref for DimsRef {
    type Target = Dims;
    fn deref(&self) -> &Dims {
        self.0
    }
}

impl PartialEq for DimsRef {
    fn eq(&self, other: &DimsRef) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for DimsRef {}

impl PartialOrd for DimsRef {
    fn partial_cmp(&self, other: &DimsRef) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DimsRef {
    fn cmp(&self, other: &DimsRef) -> std::cmp::Ordering {
        self.0.cmp(other.0)
    }
}

impl std::hash::Hash for DimsRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

impl fmt::Debug for DimsRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl serde::Serialize for DimsRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for DimsRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<DimsRef, D::Error> {
        Dims::deserialize(d).map(DimsRef::new)
    }
}

/// One line of a transaction: an integer amount of a species on an account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Posting {
    /// Interned (`Name`): postings are the ledger's bulk (issue 12 item 2).
    pub account: Name,
    pub species: Species,
    /// Base units: gC for carbon species, grams of gas for N2O and SF6.
    pub amount: i64,
    /// Interned: 8 bytes instead of 40 (issue 12 item 2); read as `p.dims.item` through `Deref`.
    pub dims: DimsRef,
    /// Grams of the gas exactly as stated, for an emission species held in carbon mass (CO2,
    /// CH4, CO, VOC, CF4, C2F6) whose amount was converted from a stated gas mass, or is a share
    /// of such an amount: statements show this figure instead of converting the rounded carbon
    /// back (3 tCO2 stays 3,000,000 g, not 2,999,998.76 g from 818,764 gC). `None`: the gas is
    /// the carbon amount converted with the ledger's ratios, exactly. Rule: issue 16 item 7,
    /// "store what was stated; rounding happens once".
    pub gas: Option<i64>,
}

impl Posting {
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Movement {
    pub item: Name,
    pub lot: Option<Name>,
    pub site: Option<Name>,
    pub quantity: i64,
}

/// What produced a transaction; statements read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    pub meta: Meta,
}

/// Meta key under which a sale records the quantity sold to one customer.
pub const SOLD_TO_PREFIX: &str = "sold_to.";

/// Totals of a set of postings by side, in the carbon balance class and per non-carbon gas.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
