//! Number helpers shared by every renderer: exact decimals as JSON numbers, grams as tonnes,
//! the report's thousands-separated amounts, and gas masses and CO2e through the ledger's tables.

use custody_core::exact::{self, Q};
use custody_core::model::CoVocRule;
use custody_core::statements::{BySpecies, GasBySpecies};
use custody_core::units::Species;
use custody_core::Ledger;
use serde_json::Value;

/// An exact decimal as a JSON number, at `places` or more (`exact::shown_places`: a non-zero
/// value is never 0).
pub(crate) fn num(x: Q, places: u32) -> Value {
    let s = decimal(x, places);
    Value::Number(s.parse().expect("a formatted decimal is a JSON number"))
}

pub(crate) fn tonnes(grams: i64) -> Q {
    Q::new(grams as i128, 1_000_000)
}

pub(crate) fn t_c(grams: i64) -> Value {
    num(tonnes(grams), 6)
}

/// `x` with at most `places` decimals, trailing zeros removed, and more places when it would
/// otherwise read as zero (`exact::shown_places`; docs/reports.md, "Numbers in text").
pub(crate) fn decimal(x: Q, places: u32) -> String {
    exact::format_decimal(x, exact::shown_places(x, places))
}

/// Thousands-separated with `places` decimals, negatives in parentheses (the report's style); a
/// non-zero amount that would round to zero at `places` is shown with the places it needs
/// (`exact::shown_places`: 500 g as tonnes at 3 places is `0.0005`), a zero as `-`.
pub(crate) fn fmt_amount(x: Q, places: u32) -> String {
    let places = exact::shown_places(x, places);
    let s = exact::format_decimal(exact::abs_q(x), places);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), format!(".{f:0<width$}", width = places as usize)),
        None if places > 0 => (s.clone(), format!(".{}", "0".repeat(places as usize))),
        None => (s.clone(), String::new()),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if x < exact::q(0) && format!("{grouped}{frac}").chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("({grouped}{frac})")
    } else if x == exact::q(0) {
        "-".to_string()
    } else {
        format!("{grouped}{frac}")
    }
}

pub(crate) fn fmt_tc(grams: i64) -> String {
    fmt_amount(tonnes(grams), 0)
}

/// Grams of one gas in exact gas amounts (see `statements::GasBySpecies`).
pub(crate) fn gas_in(m: &GasBySpecies, species: Species) -> Q {
    m.get(&species).copied().unwrap_or_else(|| exact::q(0))
}

/// Grams CO2e of exact gas amounts by species.
pub(crate) fn co2e_of_gas(ledger: &Ledger, m: &GasBySpecies) -> Q {
    m.iter().filter_map(|(sp, g)| ledger.entity().gwp.factor(*sp).map(|f| *g * f)).sum()
}

/// g CO2e per g, shown as tCO2e/t.
pub(crate) fn factor(q: Q) -> Value {
    num(q, 6)
}

/// Grams (of a gas or of CO2e) as tonnes.
pub(crate) fn grams_to_tonnes(g: Q) -> Q {
    g / exact::q(1_000_000)
}

/// Grams CO2e of an inventory figure under the entity's CO and VOC rule: the gases with a GWP100
/// from their exact gas mass, and, when the rule is `oxidised`, the carbon of CO and VOC as the
/// CO2 it becomes (IPCC 2006 vol. 1 ch. 7; the rule of `claims::from_ledger`).
pub(crate) fn inventory_co2e(ledger: &Ledger, carbon: &BySpecies, gas: &GasBySpecies) -> Q {
    let mut e = co2e_of_gas(ledger, gas);
    if ledger.entity().co_voc == CoVocRule::Oxidised {
        for s in [Species::CO, Species::VOC] {
            e += ledger.entity().ratios.gas_grams(Species::CO2, carbon.get(&s).copied().unwrap_or(0));
        }
    }
    e
}
