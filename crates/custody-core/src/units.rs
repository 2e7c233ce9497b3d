//! Units, species, carbon mass ratios and GWP tables.
//!
//! **Base units.** Carbon-bearing amounts are held as integer grams of carbon (gC). The
//! non-carbon gases (N2O, SF6) are held as integer grams of the gas itself. Item quantities are
//! integer grams (mass items) or integer kilojoules (energy items; 1 Wh = 3.6 kJ exactly).
//!
//! **Balance rule.** A transaction balances when (a) the stock side and the flow side carry the
//! same total grams of carbon, summed over every carbon species (C, CO2, CH4, CO, VOC, CF4, C2F6),
//! and (b) for each non-carbon gas separately, the stock side and the flow side carry the same
//! grams of that gas. Carbon may change species inside a transaction (content becomes CO2 when
//! burnt); a non-carbon gas can never become carbon or another gas.
//!
//! **Rounding rule.** Conversions are computed exactly and rounded once, half to even, to a
//! whole base unit ([`crate::exact::round_half_even`]).

use crate::exact::{self, Overflow, Q};
use std::fmt;
use std::str::FromStr;

/// What a ledger amount is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Species {
    /// Carbon content of a material (carbon atoms, not a gas).
    C,
    CO2,
    CH4,
    CO,
    VOC,
    N2O,
    SF6,
    CF4,
    C2F6,
    /// A supplier's footprint known only in CO2e (PACT and Catena-X carry no per-gas split):
    /// grams of CO2e, held apart from carbon (it balances on its own, like N2O) and counted with
    /// a GWP of 1 in CO2e views. Never converted to carbon: its gases are unknown.
    CO2e,
}

impl Species {
    pub const ALL: [Species; 10] = [
        Species::C,
        Species::CO2,
        Species::CH4,
        Species::CO,
        Species::VOC,
        Species::N2O,
        Species::SF6,
        Species::CF4,
        Species::C2F6,
        Species::CO2e,
    ];
    /// The emission species, in reporting order.
    pub const GASES: [Species; 9] = [
        Species::CO2,
        Species::CH4,
        Species::CO,
        Species::VOC,
        Species::N2O,
        Species::SF6,
        Species::CF4,
        Species::C2F6,
        Species::CO2e,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Species::C => "C",
            Species::CO2 => "CO2",
            Species::CH4 => "CH4",
            Species::CO => "CO",
            Species::VOC => "VOC",
            Species::N2O => "N2O",
            Species::SF6 => "SF6",
            Species::CF4 => "CF4",
            Species::C2F6 => "C2F6",
            Species::CO2e => "CO2e",
        }
    }

    /// Whether amounts of this species are carbon mass (true) or mass of a non-carbon gas.
    pub fn is_carbon(self) -> bool {
        !matches!(self, Species::N2O | Species::SF6 | Species::CO2e)
    }

    /// Parses the longest species name at the start of `s`, returning it and the rest.
    fn parse_prefix(s: &str) -> Option<(Species, &str)> {
        // Longest names first so that "CO2" is not read as "CO" followed by "2".
        const ORDER: [Species; 10] = [
            Species::CO2e,
            Species::C2F6,
            Species::CO2,
            Species::CH4,
            Species::VOC,
            Species::N2O,
            Species::SF6,
            Species::CF4,
            Species::CO,
            Species::C,
        ];
        ORDER.iter().find_map(|sp| s.strip_prefix(sp.as_str()).map(|rest| (*sp, rest)))
    }
}

impl fmt::Display for Species {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Species {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match Species::parse_prefix(s) {
            Some((sp, "")) => Ok(sp),
            _ => Err(()),
        }
    }
}

/// A table of carbon mass ratios (grams of carbon per gram of gas), chosen per ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CarbonRatios {
    /// The EFI report's Table 3: CO2 0.273, CH4 0.750, CO 0.429, VOC 0.85. PFCs are not in the
    /// report; they use their molar ratios.
    Efi,
    /// Exact molar ratios from IUPAC standard atomic weights (C 12.011, O 15.999, H 1.008,
    /// F 18.998); VOC has no formula and keeps the representative 0.85.
    Molar,
}

impl CarbonRatios {
    pub fn as_str(self) -> &'static str {
        match self {
            CarbonRatios::Efi => "efi",
            CarbonRatios::Molar => "molar",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "efi" => Some(CarbonRatios::Efi),
            "molar" => Some(CarbonRatios::Molar),
            _ => None,
        }
    }

    /// Grams of carbon per gram of the species; `None` for non-carbon gases.
    pub fn ratio(self, species: Species) -> Option<Q> {
        let molar = |c_atoms: i128, molar_mass_milli: i128| Q::new(12_011 * c_atoms, molar_mass_milli);
        let r = match (self, species) {
            (_, Species::C) => Q::from_integer(1),
            (_, Species::N2O) | (_, Species::SF6) | (_, Species::CO2e) => return None,
            (CarbonRatios::Efi, Species::CO2) => Q::new(273, 1000),
            (CarbonRatios::Efi, Species::CH4) => Q::new(750, 1000),
            (CarbonRatios::Efi, Species::CO) => Q::new(429, 1000),
            (_, Species::VOC) => Q::new(85, 100),
            (CarbonRatios::Molar, Species::CO2) => molar(1, 44_009),
            (CarbonRatios::Molar, Species::CH4) => molar(1, 16_043),
            (CarbonRatios::Molar, Species::CO) => molar(1, 28_010),
            (_, Species::CF4) => molar(1, 88_003),
            (_, Species::C2F6) => molar(2, 138_012),
        };
        Some(r)
    }

    /// Ledger amount (base units) for `gas_grams` of `species`, rounded once.
    pub fn ledger_amount(self, species: Species, gas_grams: Q) -> Result<i64, Overflow> {
        match self.ratio(species) {
            Some(r) => exact::round_i64(exact::mul(gas_grams, r)?),
            None => exact::round_i64(gas_grams),
        }
    }

    /// Whether amounts of `species` are carbon mass standing for a gas (CO2, CH4, CO, VOC, CF4,
    /// C2F6), so that a posting may keep the gas as stated beside its carbon.
    pub fn keeps_gas(species: Species) -> bool {
        species.is_carbon() && species != Species::C
    }

    /// Whole grams of gas for a ledger amount, rounded once (half to even); used where a
    /// converted amount joins stated ones in one position.
    pub fn gas_rounded(self, species: Species, amount: i64) -> i64 {
        exact::round_i64(self.gas_grams(species, amount)).unwrap_or(i64::MAX)
    }

    /// Ledger amount and stated gas grams for `gas_grams` of `species`: the carbon rounded once,
    /// the gas kept as stated (rounded to a whole gram when the statement had a fraction of one).
    pub fn stated(self, species: Species, gas_grams: Q) -> Result<(i64, Option<i64>), Overflow> {
        let amount = self.ledger_amount(species, gas_grams)?;
        let gas = if Self::keeps_gas(species) { Some(exact::round_i64(gas_grams)?) } else { None };
        Ok((amount, gas))
    }

    /// Grams of gas represented by a ledger amount (exact; rounding is the caller's, for display).
    pub fn gas_grams(self, species: Species, amount: i64) -> Q {
        match self.ratio(species) {
            Some(r) => Q::from_integer(amount as i128) / r,
            None => Q::from_integer(amount as i128),
        }
    }
}

/// GWP100 tables for CO2e views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Gwp {
    /// IPCC AR5 WG1 Table 8.A.1, without climate-carbon feedbacks.
    Ar5,
    /// IPCC AR6 WG1 Table 7.15; CH4 uses the fossil value.
    Ar6,
}

impl Gwp {
    pub fn as_str(self) -> &'static str {
        match self {
            Gwp::Ar5 => "ar5",
            Gwp::Ar6 => "ar6",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ar5" => Some(Gwp::Ar5),
            "ar6" => Some(Gwp::Ar6),
            _ => None,
        }
    }

    /// GWP100 of a gas. `None` for carbon content (not an emission) and for CO and VOC, which
    /// have no GWP100 in either table (their indirect effects are excluded and stated as such).
    pub fn factor(self, species: Species) -> Option<Q> {
        let x = |n: i128, d: i128| Some(Q::new(n, d));
        match (self, species) {
            (_, Species::C) | (_, Species::CO) | (_, Species::VOC) => None,
            (_, Species::CO2) | (_, Species::CO2e) => x(1, 1),
            (Gwp::Ar5, Species::CH4) => x(28, 1),
            (Gwp::Ar5, Species::N2O) => x(265, 1),
            (Gwp::Ar5, Species::SF6) => x(23_500, 1),
            (Gwp::Ar5, Species::CF4) => x(6_630, 1),
            (Gwp::Ar5, Species::C2F6) => x(11_100, 1),
            (Gwp::Ar6, Species::CH4) => x(298, 10),
            (Gwp::Ar6, Species::N2O) => x(273, 1),
            (Gwp::Ar6, Species::SF6) => x(25_200, 1),
            (Gwp::Ar6, Species::CF4) => x(7_380, 1),
            (Gwp::Ar6, Species::C2F6) => x(12_400, 1),
        }
    }
}

/// The physical dimension of a quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Dimension {
    /// Base unit: gram.
    Mass,
    /// Base unit: kilojoule.
    Energy,
    /// Base unit: cubic metre (volume is converted at input and never stored).
    Volume,
}

impl Dimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Mass => "mass",
            Dimension::Energy => "energy",
            Dimension::Volume => "volume",
        }
    }
    pub fn base_unit(self) -> &'static str {
        match self {
            Dimension::Mass => "g",
            Dimension::Energy => "kJ",
            Dimension::Volume => "m3",
        }
    }
}

/// A unit's name, one of [`Unit::parse`]'s table (an alias, so that serde does not borrow it
/// from the input).
pub type UnitName = &'static str;

/// A unit of quantity: its dimension and its size in base units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unit {
    #[serde(with = "unit_name")]
    pub name: UnitName,
    pub dimension: Dimension,
    pub base: Q,
}

const fn ratio(n: i128, d: i128) -> (i128, i128) {
    (n, d)
}

/// Every quantity unit the journal accepts.
const UNITS: &[(&str, Dimension, (i128, i128))] = &[
    ("g", Dimension::Mass, ratio(1, 1)),
    ("kg", Dimension::Mass, ratio(1_000, 1)),
    ("t", Dimension::Mass, ratio(1_000_000, 1)),
    ("kt", Dimension::Mass, ratio(1_000_000_000, 1)),
    ("Mt", Dimension::Mass, ratio(1_000_000_000_000, 1)),
    ("kJ", Dimension::Energy, ratio(1, 1)),
    ("MJ", Dimension::Energy, ratio(1_000, 1)),
    ("GJ", Dimension::Energy, ratio(1_000_000, 1)),
    ("TJ", Dimension::Energy, ratio(1_000_000_000, 1)),
    ("Wh", Dimension::Energy, ratio(36, 10)),
    ("kWh", Dimension::Energy, ratio(3_600, 1)),
    ("MWh", Dimension::Energy, ratio(3_600_000, 1)),
    ("GWh", Dimension::Energy, ratio(3_600_000_000, 1)),
    ("TWh", Dimension::Energy, ratio(3_600_000_000_000, 1)),
    // The International Table British thermal unit: exactly 1,055.05585262 J (ISO 31-4,
    // NIST SP 811 B.8), so factors per MMBtu or per therm as US and UK data publish them are
    // exact. A therm is 100,000 Btu (the EU/UK therm), a dekatherm 1,000,000 Btu (= 1 MMBtu).
    ("Btu", Dimension::Energy, ratio(105_505_585_262, 100_000_000_000)),
    ("MMBtu", Dimension::Energy, ratio(105_505_585_262, 100_000)),
    ("therm", Dimension::Energy, ratio(105_505_585_262, 1_000_000)),
    ("Dth", Dimension::Energy, ratio(105_505_585_262, 100_000)),
    ("L", Dimension::Volume, ratio(1, 1_000)),
    ("m3", Dimension::Volume, ratio(1, 1)),
    // The international foot is exactly 0.3048 m, so one cubic foot is 0.028316846592 m3.
    ("cf", Dimension::Volume, ratio(28_316_846_592, 1_000_000_000_000)),
    ("scf", Dimension::Volume, ratio(28_316_846_592, 1_000_000_000_000)),
    ("Mcf", Dimension::Volume, ratio(28_316_846_592, 1_000_000_000)),
    ("MMcf", Dimension::Volume, ratio(28_316_846_592, 1_000_000)),
    ("Bcf", Dimension::Volume, ratio(28_316_846_592, 1_000)),
];

impl Unit {
    pub fn parse(s: &str) -> Option<Unit> {
        UNITS.iter().find(|(n, _, _)| *n == s).map(|(n, d, (a, b))| Unit {
            name: n,
            dimension: *d,
            base: Q::new(*a, *b),
        })
    }

    pub fn names() -> impl Iterator<Item = &'static str> {
        UNITS.iter().map(|(n, _, _)| *n)
    }
}

/// A quantity as written: an exact number and its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Measure {
    pub value: Q,
    pub unit: Unit,
}

impl Measure {
    /// The quantity in its dimension's base unit, exact.
    pub fn base(&self) -> Result<Q, Overflow> {
        exact::mul(self.value, self.unit.base)
    }

    pub fn parse(value: &str, unit: &str) -> Option<Measure> {
        Some(Measure { value: exact::parse_decimal(value)?, unit: Unit::parse(unit)? })
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", exact::format_decimal(self.value, 30), self.unit.name)
    }
}

/// A mass of one species as written, e.g. `401 tCO2` or `3334 tC`: exact grams of the gas (or of
/// carbon, for `C`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SpeciesMass {
    pub species: Species,
    pub grams: Q,
    /// The mass unit it was written in, kept for round-trip display.
    #[serde(with = "unit_name")]
    pub unit: UnitName,
}

fn parse_mass_prefix(s: &str) -> Option<(Unit, &str)> {
    // Longest first: "kt" before "t", "Mt" before ... ("g" is last so that "gCO2" works).
    for name in ["Mt", "kt", "kg", "t", "g"] {
        if let Some(rest) = s.strip_prefix(name) {
            return Some((Unit::parse(name).expect("mass unit in table"), rest));
        }
    }
    None
}

impl SpeciesMass {
    /// Parses `NUMBER` and a unit like `tCO2`, `kgCH4`, `gC`.
    pub fn parse(value: &str, unit: &str) -> Option<SpeciesMass> {
        let (mass_unit, rest) = parse_mass_prefix(unit)?;
        let (species, tail) = Species::parse_prefix(rest)?;
        if !tail.is_empty() {
            return None;
        }
        let v = exact::parse_decimal(value)?;
        Some(SpeciesMass { species, grams: exact::mul(v, mass_unit.base).ok()?, unit: mass_unit.name })
    }
}

impl fmt::Display for SpeciesMass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = Unit::parse(self.unit).expect("unit kept from parse");
        write!(f, "{} {}{}", exact::format_decimal(self.grams / unit.base, 30), self.unit, self.species)
    }
}

/// An emission intensity as written, e.g. `675.28 gCO2/kWh`: exact grams of gas per base unit
/// of the denominator's dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Intensity {
    pub species: Species,
    pub value: Q,
    #[serde(with = "unit_name")]
    pub mass_unit: UnitName,
    pub per: Unit,
}

impl Intensity {
    pub fn parse(value: &str, unit: &str) -> Option<Intensity> {
        let (num, den) = unit.split_once('/')?;
        let (mass_unit, rest) = parse_mass_prefix(num)?;
        let (species, tail) = Species::parse_prefix(rest)?;
        if !tail.is_empty() {
            return None;
        }
        let per = Unit::parse(den)?;
        Some(Intensity { species, value: exact::parse_decimal(value)?, mass_unit: mass_unit.name, per })
    }

    /// Grams of gas per one base unit of `per`'s dimension.
    pub fn grams_per_base(&self) -> Result<Q, Overflow> {
        let mass = Unit::parse(self.mass_unit).expect("unit kept from parse");
        exact::div(exact::mul(self.value, mass.base)?, self.per.base)
    }
}

impl fmt::Display for Intensity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}{}/{}", exact::format_decimal(self.value, 30), self.mass_unit, self.species, self.per.name)
    }
}

/// A physical property of an item written as `NUMBER NUM/DEN` (`47.14 MJ/kg`, `0.7517 kg/m3`):
/// exact base units of `NUM` per base unit of `DEN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Property {
    pub value: Q,
    pub num: Unit,
    pub den: Unit,
}

impl Property {
    pub fn parse(value: &str, unit: &str) -> Option<Property> {
        let (n, d) = unit.split_once('/')?;
        Some(Property { value: exact::parse_decimal(value)?, num: Unit::parse(n)?, den: Unit::parse(d)? })
    }

    /// Base units of `num` per base unit of `den`.
    pub fn per_base(&self) -> Result<Q, Overflow> {
        exact::div(exact::mul(self.value, self.num.base)?, self.den.base)
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", exact::format_decimal(self.value, 30), self.num.name, self.den.name)
    }
}

/// Formats an integer amount of grams as tonnes with exact decimals (`50116.123456`).
pub fn grams_to_tonnes_string(grams: i64) -> String {
    exact::format_decimal(Q::new(grams as i128, 1_000_000), 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_species_masses_and_intensities() {
        let m = SpeciesMass::parse("401", "tCO2").unwrap();
        assert_eq!((m.species, m.grams), (Species::CO2, Q::from_integer(401_000_000)));
        let c = SpeciesMass::parse("3334", "tC").unwrap();
        assert_eq!(c.species, Species::C);
        assert_eq!(SpeciesMass::parse("1", "gCO").unwrap().species, Species::CO);
        assert_eq!(SpeciesMass::parse("1", "kgC2F6").unwrap().species, Species::C2F6);
        assert!(SpeciesMass::parse("1", "tXYZ").is_none());
        let i = Intensity::parse("675.28", "gCO2/kWh").unwrap();
        assert_eq!(i.grams_per_base().unwrap(), Q::new(67528, 100 * 3600));
        assert!(Intensity::parse("1", "gCO2/parsec").is_none());
    }

    #[test]
    fn us_and_uk_energy_units_are_exact() {
        // 1 MMBtu = 10^6 Btu = 1,055,055.85262 kJ; a therm is 10^5 Btu; a dekatherm is 1 MMBtu.
        let mmbtu = Measure::parse("1000", "MMBtu").unwrap().base().unwrap();
        assert_eq!(mmbtu, Q::new(105_505_585_262_000, 100_000));
        assert_eq!(
            Measure::parse("10", "therm").unwrap().base().unwrap(),
            Measure::parse("1", "Dth").unwrap().base().unwrap()
        );
        assert_eq!(
            Measure::parse("1000000", "Btu").unwrap().base().unwrap(),
            Measure::parse("1", "MMBtu").unwrap().base().unwrap()
        );
        // A factor per MMBtu times a quantity in MMBtu is exact: 1000 x 53.06 kgCO2 = 53,060,000 g.
        let f = Intensity::parse("53.06", "kgCO2/MMBtu").unwrap();
        assert_eq!(mmbtu * f.grams_per_base().unwrap(), exact::q(53_060_000));
    }

    #[test]
    fn efi_example_conversion_rounds_once() {
        // 109.4 GWh x 675.28 gCO2/kWh = 73,875.632 tCO2; x 0.273 = 20,168.047536 tC.
        let q = Measure::parse("109.4", "GWh").unwrap().base().unwrap();
        let i = Intensity::parse("675.28", "gCO2/kWh").unwrap().grams_per_base().unwrap();
        let amount = CarbonRatios::Efi.ledger_amount(Species::CO2, q * i).unwrap();
        assert_eq!(amount, 20_168_047_536);
    }

    #[test]
    fn non_carbon_gases_have_no_ratio() {
        assert_eq!(CarbonRatios::Efi.ratio(Species::N2O), None);
        assert_eq!(CarbonRatios::Molar.ledger_amount(Species::SF6, Q::from_integer(5)).unwrap(), 5);
        assert!(Species::CF4.is_carbon());
        assert!(!Species::SF6.is_carbon());
    }
}

/// Serde for a unit's name held as `&'static str`: written as its text, read back as the same
/// name of [`Unit::parse`]'s table (a name not in the table is an error).
mod unit_name {
    pub fn serialize<S: serde::Serializer>(name: &&'static str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(name)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
        let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        super::Unit::parse(&text)
            .map(|u| u.name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown unit `{text}`")))
    }
}
