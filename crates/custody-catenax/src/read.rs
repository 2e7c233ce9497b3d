//! A Catena-X PCF document (any supported version) read into a [`Footprint`], and a footprint
//! written as journal text that books it as a purchase (`docs/catenax.md`).

use crate::model::{CatenaxError, DeclaredUnit, Footprint};
use crate::paths::{get, path, Field, Version};
use custody_core::exact::{self, Q};
use custody_core::id::check_id;
use num_traits::CheckedAdd;
use serde_json::Value;
use std::fmt::Write;

/// An exact decimal from a JSON number (`2.9`, `-1`, `1E+2`), never through binary floating point.
pub fn decimal(v: &Value) -> Option<Q> {
    let Value::Number(n) = v else { return None };
    let s = n.to_string();
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s.as_str(), 0),
    };
    if exp.abs() > 30 {
        return None;
    }
    let m = exact::parse_decimal(mantissa)?;
    let scale = Q::from_integer(10i128.pow(exp.unsigned_abs()));
    Some(if exp >= 0 { exact::mul(m, scale).ok()? } else { exact::div(m, scale).ok()? })
}

fn text(doc: &Value, v: Version, f: Field, name: &'static str) -> Result<String, CatenaxError> {
    match path(v, f).and_then(|p| get(doc, &p)) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(CatenaxError::Missing(name)),
    }
}

/// The range a figure is read in: at most 10^15 in size and 18 decimal places (what the writer
/// writes); conversions are checked, and one out of range is an error, never a wrong number.
pub(crate) fn in_range(q: Q) -> bool {
    let den = q.denom().abs();
    den <= 1_000_000_000_000_000_000 && q.numer().checked_abs().is_some_and(|n| n / den <= 1_000_000_000_000_000)
}

fn number(doc: &Value, v: Version, f: Field, name: &'static str) -> Result<Option<Q>, CatenaxError> {
    match path(v, f).and_then(|p| get(doc, &p)) {
        None | Some(Value::Null) => Ok(None),
        Some(x) => match decimal(x) {
            Some(q) if in_range(q) => Ok(Some(q)),
            Some(_) => Err(CatenaxError::Invalid(format!("{name} is out of range (at most 10^15, 18 decimals)"))),
            None => Err(CatenaxError::NotANumber(name)),
        },
    }
}

pub(crate) fn range<T>(r: Result<T, exact::Overflow>) -> Result<T, CatenaxError> {
    r.map_err(|_| CatenaxError::Invalid("a number out of range".into()))
}

fn strings(doc: &Value, v: Version, f: Field) -> Vec<String> {
    match path(v, f).and_then(|p| get(doc, &p)) {
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

/// Reads the overlap of a PCF document. Errors name the missing or malformed field.
pub fn read(doc: &Value) -> Result<Footprint, CatenaxError> {
    let v = Version::detect(doc).ok_or(CatenaxError::UnknownVersion)?;
    let unit_text = text(doc, v, Field::DeclaredUnit, "declared unit")?;
    let declared_amount = match v {
        Version::V7 => Q::from_integer(1),
        _ => number(doc, v, Field::DeclaredAmount, "declaredUnitAmount")?
            .ok_or(CatenaxError::Missing("declaredUnitAmount"))?,
    };
    if declared_amount <= Q::from_integer(0) {
        return Err(CatenaxError::Invalid("declaredUnitAmount must be above 0".into()));
    }
    let pcf_excluding = number(doc, v, Field::PcfExcluding, "pcfExcludingBiogenicUptake")?
        .ok_or(CatenaxError::Missing("pcfExcludingBiogenicUptake"))?;
    if pcf_excluding < Q::from_integer(0) {
        return Err(CatenaxError::Invalid("pcfExcludingBiogenicUptake is zero or more".into()));
    }
    let biogenic_uptake = number(doc, v, Field::BiogenicUptake, "biogenicCO2Uptake")?;
    if biogenic_uptake.is_some_and(|u| u > Q::from_integer(0)) {
        return Err(CatenaxError::Invalid("biogenicCO2Uptake is a removal: zero or negative".into()));
    }
    let gwp = path(v, Field::Gwp).and_then(|p| get(doc, &p)).and_then(|g| match g {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => a.first().and_then(|x| x.as_str()).map(str::to_string),
        _ => None,
    });
    let reference_period =
        match (text(doc, v, Field::ReferenceStart, "start"), text(doc, v, Field::ReferenceEnd, "end")) {
            (Ok(a), Ok(b)) => Some((a, b)),
            _ => None,
        };
    let mass_per_declared_unit = number(doc, v, Field::MassPerDeclaredUnit, "productMassPerDeclaredUnit")?;
    let carbon_content_total = number(doc, v, Field::CarbonContentTotal, "carbonContentTotal")?;
    for (name, q) in
        [("productMassPerDeclaredUnit", mass_per_declared_unit), ("carbonContentTotal", carbon_content_total)]
    {
        if q.is_some_and(|q| q < Q::from_integer(0)) {
            return Err(CatenaxError::Invalid(format!("{name} is zero or more")));
        }
    }
    // The CO2 withdrawn into the product is at most its carbon as CO2 (the ledger's E046): its
    // carbon content, or for a product declared by the kilogram its mass as carbon, both for the
    // declared amount as the uptake is. 0.273 gC per gCO2 (EFI's, the larger of the two ratio
    // tables) keeps this bound within the ledger's under either table.
    if let Some(u) = biogenic_uptake.filter(|u| *u < Q::from_integer(0)) {
        let carbon = carbon_content_total
            .map(|c| (c, "carbonContentTotal"))
            .or((unit_text == "kilogram").then_some((declared_amount, "the declared kilograms")));
        if let Some((c, name)) = carbon {
            if -u * Q::new(273, 1000) > c {
                return Err(CatenaxError::Invalid(format!(
                    "biogenicCO2Uptake {} kgCO2 exceeds the carbon the product holds ({name}: {} kg, as CO2)",
                    custody_core::exact::format_decimal(u, 6),
                    custody_core::exact::format_decimal(c, 6)
                )));
            }
        }
    }
    Ok(Footprint {
        version: v,
        id: text(doc, v, Field::Id, "id")?,
        pcf_version: number(doc, v, Field::Version, "version")?.unwrap_or_else(|| Q::from_integer(0)),
        company_name: text(doc, v, Field::CompanyName, "companyName")?,
        company_ids: strings(doc, v, Field::CompanyIds),
        product_name: text(doc, v, Field::ProductName, "product name")?,
        product_ids: strings(doc, v, Field::ProductIds),
        declared_unit: DeclaredUnit::parse(&unit_text),
        declared_amount,
        mass_per_declared_unit,
        pcf_excluding,
        pcf_including: number(doc, v, Field::PcfIncluding, "pcfIncludingBiogenicUptake")?,
        biogenic_uptake,
        carbon_content_total,
        gwp,
        reference_period,
    })
}

/// How a footprint is booked: the delivery it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The quantity delivered, e.g. (`1000`, `L`): any unit of the declared unit's dimension.
    pub quantity: (Q, String),
    /// The ledger's item and supplier ids; without them, definitions are written from the PCF.
    pub item: Option<String>,
    pub supplier: Option<String>,
    /// The purchase's id; default `catenax:ID:vVERSION`.
    pub id: Option<String>,
}

fn dec(q: Q) -> String {
    exact::format_decimal(q, 18)
}

fn quote(s: &str) -> String {
    let escaped: String = s
        .chars()
        .map(|c| match c {
            '"' => "\\\"".into(),
            '\\' => "\\\\".into(),
            '\n' => "\\n".into(),
            c => c.to_string(),
        })
        .collect();
    format!("\"{escaped}\"")
}

/// An id the ledger accepts: the first candidate that follows the id grammar, else a slug of the name.
fn ledger_id(candidates: &[String], name: &str) -> String {
    if let Some(c) = candidates.iter().find(|c| check_id(c).is_ok()) {
        return c.clone();
    }
    let slug: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() {
        "catenax".into()
    } else {
        slug.chars().take(100).collect()
    }
}

/// What the ledger will refuse of a booking, refused here with the PCF's own words: a carbon
/// content above the product's mass (the ledger's E046: `carbonContentTotal` per declared unit
/// against `productMassPerDeclaredUnit`, or against the unit itself when it is a mass), and a
/// quantity that holds less than the ledger's resolution, one gram or one kJ (its E011: 1000 L at
/// a stated mass of 10^-9 kg per litre is half a milligram).
fn physical_bounds(
    fp: &Footprint,
    unit: &str,
    per_unit: Q,
    density: Option<Q>,
    qty_units: Q,
    qty: Q,
    qunit: &str,
) -> Result<(), CatenaxError> {
    let parsed = custody_core::units::Unit::parse(unit);
    // kg of product in one `unit`: a mass unit's own, a volume's through the density (kg/m3).
    let kg_per_unit = match (density, parsed) {
        (Some(d), Some(u)) => Some(range(exact::mul(d, u.base))?),
        (None, Some(u)) if u.dimension == custody_core::units::Dimension::Mass => {
            Some(range(exact::div(u.base, Q::from_integer(1000)))?)
        }
        _ => None,
    };
    if let (Some(c), Some(kg)) = (fp.carbon_content_total, kg_per_unit) {
        if range(exact::div(c, per_unit))? > kg {
            return Err(CatenaxError::Invalid(format!(
                "carbonContentTotal {} kgC exceeds the product's own mass ({} kg per {unit}): carbon content cannot exceed the material's mass",
                dec(c),
                dec(kg)
            )));
        }
    }
    // The uptake is at most the product's carbon as CO2 (E046): its content when stated, else its
    // whole mass as carbon; 0.273 gC per gCO2 as in `read`.
    let carbon = fp.carbon_content_total.map(|c| (c, "carbonContentTotal")).or(kg_per_unit
        .map(|kg| exact::mul(kg, per_unit))
        .transpose()
        .map_err(|_| CatenaxError::Invalid("a number out of range".into()))?
        .map(|m| (m, "the product's mass")));
    if let (Some(u), Some((c, name))) = (fp.biogenic_uptake.filter(|u| *u < Q::from_integer(0)), carbon) {
        if range(exact::mul(-u, Q::new(273, 1000)))? > c {
            return Err(CatenaxError::Invalid(format!(
                "biogenicCO2Uptake {} kgCO2 exceeds the carbon the product holds ({name}: {} kg, as CO2)",
                dec(u),
                dec(c)
            )));
        }
    }
    // Each stated figure the booking writes, in grams over the whole quantity: one that is not zero
    // but rounds to 0 would vanish from every statement (the ledger's E021). The uptake is held
    // as carbon, converted here with the smaller of the two ratio tables' (IPCC's 12.011/44.009).
    let total = |per_declared: Q, to_grams: Q| -> Result<Q, CatenaxError> {
        range(
            exact::div(per_declared, per_unit)
                .and_then(|x| exact::mul(x, qty_units))
                .and_then(|x| exact::mul(x, to_grams)),
        )
    };
    let kg = Q::from_integer(1000);
    let figures = [
        ("pcfExcludingBiogenicUptake", "gCO2e", Some(fp.pcf_excluding), kg),
        ("biogenicCO2Uptake", "gC", fp.biogenic_uptake, kg * Q::new(12_011, 44_009)),
        ("carbonContentTotal", "gC", fp.carbon_content_total, kg),
    ];
    for (name, grams_of, figure, to_grams) in figures {
        if let Some(f) = figure {
            let g = total(f, to_grams)?;
            if g != Q::from_integer(0) && range(exact::round_i64(g))? == 0 {
                return Err(CatenaxError::Invalid(format!(
                    "{name} for {} {qunit} is {} {grams_of}, below the ledger's resolution of one: book a larger quantity",
                    dec(qty),
                    custody_core::exact::format_decimal(g, 6)
                )));
            }
        }
    }
    // Base units the ledger holds: grams through the mass per unit, else the unit's own base.
    let held = match (kg_per_unit, parsed) {
        (Some(kg), _) => range(exact::mul(qty_units, kg).and_then(|x| exact::mul(x, Q::from_integer(1000))))?,
        (None, Some(u)) => range(exact::mul(qty_units, u.base))?,
        (None, None) => return Ok(()),
    };
    if range(exact::round_i64(held))? <= 0 {
        let base = if kg_per_unit.is_some() { "g" } else { "base units" };
        return Err(CatenaxError::Invalid(format!(
            "the quantity {} {qunit} holds {} {base} of the product, below the ledger's resolution of one",
            dec(qty),
            custody_core::exact::format_decimal(held, 6)
        )));
    }
    Ok(())
}

/// The journal text that books `fp` as a purchase, and warnings (what did not map exactly).
/// Values per declared unit become factors per the ledger's unit (`L`, `m3`, `kg`, `kWh`, `MJ`);
/// a unit the ledger does not hold (piece, square meter, ...) is converted per kg through
/// `productMassPerDeclaredUnit`, or refused without it.
pub fn to_journal(fp: &Footprint, b: &Booking) -> Result<(String, Vec<String>), CatenaxError> {
    let mut warn = Vec::new();
    let zero = Q::from_integer(0);
    let mass = fp.mass_per_declared_unit.filter(|m| *m > zero);
    let (unit, per_unit, density) = match (fp.declared_unit.ledger_unit(), mass) {
        (Some((u, m3)), _) if m3 > zero => {
            let m = mass.ok_or(CatenaxError::Missing("productMassPerDeclaredUnit (to hold a volume by mass)"))?;
            (u, fp.declared_amount, Some(range(exact::mul(fp.declared_amount, m3).and_then(|v| exact::div(m, v)))?))
        }
        (Some((u, _)), _) => (u, fp.declared_amount, None),
        (None, Some(m)) => {
            warn.push(format!(
                "declared unit `{}` is not a ledger unit: booked per kg through productMassPerDeclaredUnit",
                fp.declared_unit.as_str()
            ));
            ("kg", m, None)
        }
        (None, None) => {
            return Err(CatenaxError::Invalid(format!(
                "declared unit `{}` needs a productMassPerDeclaredUnit above 0",
                fp.declared_unit.as_str()
            )))
        }
    };
    if let (Some(i), Some(u)) = (fp.pcf_including, fp.biogenic_uptake) {
        if fp.pcf_excluding.checked_add(&u) != Some(i) {
            warn.push(format!(
                "pcfIncludingBiogenicUptake {} is not pcfExcludingBiogenicUptake + biogenicCO2Uptake ({}): the ledger keeps the two parts",
                dec(i),
                fp.pcf_excluding.checked_add(&u).map_or_else(|| "out of range".into(), dec)
            ));
        }
    }
    let (qty, qunit) = &b.quantity;
    if !in_range(*qty) {
        return Err(CatenaxError::Invalid("the quantity is out of range (at most 10^15, 18 decimals)".into()));
    }
    let qty_units = custody_core::units::Unit::parse(qunit)
        .zip(custody_core::units::Unit::parse(unit))
        .filter(|(a, b)| a.dimension == b.dimension)
        .map(|(a, bu)| exact::mul(*qty, a.base).and_then(|x| exact::div(x, bu.base)))
        .ok_or_else(|| CatenaxError::Invalid(format!("quantity unit `{qunit}` is not a unit of `{unit}`")))?;
    let qty_units = range(qty_units)?;
    physical_bounds(fp, unit, per_unit, density, qty_units, *qty, qunit)?;
    let supplier = b.supplier.clone().unwrap_or_else(|| ledger_id(&fp.company_ids, &fp.company_name));
    let item = b.item.clone().unwrap_or_else(|| ledger_id(&fp.product_ids, &fp.product_name));
    let id = match &b.id {
        Some(id) => id.clone(),
        None => {
            let id = format!("catenax:{}:v{}", fp.id, dec(fp.pcf_version));
            custody_core::id::check_ref(&id)
                .map_err(|e| CatenaxError::Invalid(format!("the PCF id makes no purchase id ({e}): give one")))?;
            id
        }
    };
    let mut o = String::new();
    if b.supplier.is_none() {
        let _ = writeln!(o, "counterparty {supplier} {}", quote(&fp.company_name));
    }
    if b.item.is_none() {
        let _ = writeln!(o, "item {item} {}\n  category raw-material", quote(&fp.product_name));
        if matches!(unit, "kWh" | "MJ") {
            let _ = writeln!(o, "  measure energy");
        }
        if let Some(d) = density {
            let _ = writeln!(o, "  density {} kg/m3", dec(d));
        }
    }
    let memo = format!(
        "Catena-X PCF {} version {} ({}) from {}: {}",
        fp.id,
        dec(fp.pcf_version),
        fp.version.spec_urn(),
        fp.company_name,
        fp.product_name
    );
    let _ = writeln!(o, "{} purchase {id} {}", b.date, quote(&memo));
    let _ = writeln!(o, "  supplier {supplier}\n  item {item}\n  quantity {} {qunit}", dec(*qty));
    if check_id(&fp.id).is_ok() {
        let _ = writeln!(o, "  lot {}", fp.id);
    }
    let _ = writeln!(o, "  factor {} kgCO2e/{unit}", dec(range(exact::div(fp.pcf_excluding, per_unit))?));
    if let Some(u) = fp.biogenic_uptake {
        let _ = writeln!(o, "  biogenic-uptake {} kgCO2/{unit}", dec(range(exact::div(u, per_unit))?));
    }
    if let Some(c) = fp.carbon_content_total {
        let _ = writeln!(
            o,
            "  content {} kgC",
            dec(range(exact::div(c, per_unit).and_then(|x| exact::mul(x, qty_units)))?)
        );
    }
    Ok((o, warn))
}
