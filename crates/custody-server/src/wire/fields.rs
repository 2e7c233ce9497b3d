//! The field readers of JSON operations: ids checked with `custody_core::id::check_ref`, and
//! quantities, masses, intensities and decimals read by the same `custody_core` parsers the journal
//! uses, each refusal naming its field.

use custody_core::coc::CustodyModel;
use custody_core::exact::{self, Q};
use custody_core::ops::Receipt;
use custody_core::units::{Intensity, Measure, SpeciesMass};

/// Why a JSON operation was refused: a message naming the field, and for an id the rule broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpError {
    pub field: Option<String>,
    pub message: String,
    /// For an id that breaks the grammar: the rule (`id_character`, ...).
    pub rule: Option<&'static str>,
}

pub(super) fn err<T>(field: &str, message: String) -> Result<T, OpError> {
    Err(OpError { field: Some(field.to_string()), message, rule: None })
}

pub(super) fn two(s: &str) -> Option<(&str, &str)> {
    let mut it = s.split_whitespace();
    match (it.next(), it.next(), it.next()) {
        (Some(a), Some(b), None) => Some((a, b)),
        _ => None,
    }
}

pub(super) fn id(field: &str, v: String) -> Result<String, OpError> {
    match custody_core::id::check_ref(&v) {
        Ok(()) => Ok(v),
        Err(e) => Err(OpError {
            field: Some(field.to_string()),
            message: format!("`{field}`: `{v}` is not an id: {e}"),
            rule: Some(e.rule()),
        }),
    }
}

pub(super) fn opt_id(field: &str, v: Option<String>) -> Result<Option<String>, OpError> {
    v.map(|v| id(field, v)).transpose()
}

pub(super) fn measure(field: &str, s: &str) -> Result<Measure, OpError> {
    match two(s).and_then(|(v, u)| Measure::parse(v, u)) {
        Some(m) => Ok(m),
        None => err(field, format!("`{field}`: `{s}` is not a quantity such as `137000 t`")),
    }
}

pub(super) fn opt_measure(field: &str, s: Option<String>) -> Result<Option<Measure>, OpError> {
    s.map(|s| measure(field, &s)).transpose()
}

pub(super) fn species_mass(field: &str, s: &str) -> Result<SpeciesMass, OpError> {
    match two(s).filter(|(v, _)| exact::parse_decimal(v).is_some()).and_then(|(v, u)| SpeciesMass::parse(v, u)) {
        Some(m) => Ok(m),
        None => err(field, format!("`{field}`: `{s}` is not a mass of a species such as `401 tCO2` or `3 tC`")),
    }
}

pub(super) fn masses(field: &str, v: &[String]) -> Result<Vec<SpeciesMass>, OpError> {
    v.iter().map(|s| species_mass(field, s)).collect()
}

pub(super) fn intensities(field: &str, v: &[String]) -> Result<Vec<Intensity>, OpError> {
    v.iter()
        .map(|s| match two(s).and_then(|(v, u)| Intensity::parse(v, u)) {
            Some(x) => Ok(x),
            None => err(field, format!("`{field}`: `{s}` is not an intensity such as `675.28 gCO2/kWh`")),
        })
        .collect()
}

pub(super) fn decimal(field: &str, s: &str) -> Result<Q, OpError> {
    exact::parse_decimal(s).map_or_else(|| err(field, format!("`{field}`: `{s}` is not a number")), Ok)
}

pub(super) fn choice<T>(
    field: &str,
    s: Option<String>,
    options: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, OpError> {
    match s {
        None => Ok(None),
        Some(s) => {
            parse(&s).map_or_else(|| err(field, format!("`{field}`: `{s}` is not one of {options}")), |x| Ok(Some(x)))
        }
    }
}

pub(super) fn custody(s: Option<String>) -> Result<Option<CustodyModel>, OpError> {
    choice(
        "custody",
        s,
        "identity-preserved, segregated, controlled-blending, mass-balance, book-and-claim",
        CustodyModel::parse,
    )
}

pub(super) fn non_empty<T>(field: &str, op: &str, v: Vec<T>) -> Result<Vec<T>, OpError> {
    if v.is_empty() {
        return err(field, format!("{op} needs at least one entry in `{field}`"));
    }
    Ok(v)
}

pub(super) fn co2e(s: &str) -> Result<Q, OpError> {
    let bad =
        || err("quantity", format!("`quantity`: `{s}` is not an amount such as `100 tCO2e` (gCO2e, kgCO2e, tCO2e)"));
    let Some((v, u)) = two(s) else { return bad() };
    let scale = match u {
        "gCO2e" => 1,
        "kgCO2e" => 1_000,
        "tCO2e" => 1_000_000,
        _ => return bad(),
    };
    match exact::parse_decimal(v) {
        Some(q) => Ok(q * exact::q(scale)),
        None => bad(),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn receipt(
    counterparty: Option<String>,
    item: String,
    quantity: Option<String>,
    lot: Option<String>,
    site: Option<String>,
    factors: Vec<String>,
    attributed: Vec<String>,
    content: Option<String>,
    custody_model: Option<String>,
) -> Result<Receipt, OpError> {
    Ok(Receipt {
        counterparty: opt_id("supplier", counterparty)?,
        item: id("item", item)?,
        quantity: opt_measure("quantity", quantity)?,
        lot: opt_id("lot", lot)?,
        site: opt_id("site", site)?,
        factors: intensities("factors", &factors)?,
        attributed: masses("attributed", &attributed)?,
        content: content.map(|c| species_mass("content", &c)).transpose()?,
        custody: custody(custody_model)?,
        biogenic_uptake: None,
    })
}
