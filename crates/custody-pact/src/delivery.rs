//! The footprint of one sale delivered to a customer on another server (docs/pact.md "Company to
//! company"): a v3 `ProductFootprint` per declared unit (1 kg, or 1 MJ for energy) of what the
//! sale transferred, and the transfer's exact amounts beside it in the custody extension (the
//! buyer books those, never the rounded per-unit figures).
//!
//! Rules: `pcfExcludingBiogenicUptake` (= including, = `fossilGhgEmissions`) is the stated gas of
//! the emissions form times the entity's GWP over the quantity, and `fossilCarbonContent` the
//! content form's carbon over the quantity; kg per declared unit rounded once, half to even, to
//! [`crate::footprint::PLACES`] places. The reference period is the sale's day.

use crate::footprint::{midnight, uuid_of, Options, EXTENSION_PATH, EXTENSION_VERSION, PLACES, SPEC_VERSION};
use custody_core::exact::{format_decimal, Q};
use custody_core::model::{Date, Item};
use custody_core::units::{Dimension, Species};
use custody_core::Entity;
use serde_json::{json, Map, Value};

/// One line of a transfer: form (`content` or `emissions`), species, carbon (gC) and the gas as
/// stated (grams of gas), when it was.
pub type Line = (String, Species, i64, Option<i64>);

/// The footprint of a sale of `quantity` base units (g or kJ) of `item` on `date`; `transfer`
/// (the transfer's JSON) goes in the extension as `data.transfer`. `None` for an item held by
/// volume.
pub fn footprint(
    entity: &Entity,
    item: &Item,
    date: Date,
    quantity: i64,
    lines: &[Line],
    transfer: Value,
    opts: &Options,
) -> Option<Value> {
    let (unit, mass) = match item.measure {
        Dimension::Mass => ("kilogram", "1"),
        Dimension::Energy => ("megajoule", "0"),
        Dimension::Volume => return None,
    };
    if quantity <= 0 {
        return None;
    }
    // Base units (g or kJ) per declared unit (kg or MJ): 1000.
    let per_unit = |x: Q| format_decimal(x / Q::new(1000, 1) / Q::new(i128::from(quantity), 1000), PLACES);
    let gas = |sp: Species, c: i64, g: Option<i64>| -> Q {
        Q::new(i128::from(g.unwrap_or_else(|| entity.ratios.gas_rounded(sp, c))), 1)
    };
    let co2e: Q = lines
        .iter()
        .filter(|l| l.0 == "emissions")
        .filter_map(|(_, sp, c, g)| entity.gwp.factor(*sp).map(|f| gas(*sp, *c, *g) * f))
        .sum();
    let content: i64 = lines.iter().filter(|l| l.0 == "content").map(|l| l.2).sum();
    let mut pcf = Map::new();
    pcf.insert("declaredUnitOfMeasurement".into(), json!(unit));
    pcf.insert("declaredUnitAmount".into(), json!("1"));
    pcf.insert("productMassPerDeclaredUnit".into(), json!(mass));
    pcf.insert("referencePeriodStart".into(), json!(midnight(date)));
    pcf.insert("referencePeriodEnd".into(), json!(midnight(date.next_day().unwrap_or(date))));
    pcf.insert("pcfExcludingBiogenicUptake".into(), json!(per_unit(co2e)));
    pcf.insert("pcfIncludingBiogenicUptake".into(), json!(per_unit(co2e)));
    pcf.insert("fossilGhgEmissions".into(), json!(per_unit(co2e)));
    pcf.insert("fossilCarbonContent".into(), json!(per_unit(Q::new(i128::from(content), 1))));
    pcf.insert("ipccCharacterizationFactors".into(), json!([entity.gwp.as_str().to_uppercase()]));
    if !opts.standards.is_empty() {
        pcf.insert("crossSectoralStandards".into(), json!(opts.standards));
    }
    if let Some(x) = opts.exempted_percent {
        pcf.insert("exemptedEmissionsPercent".into(), json!(format_decimal(x, PLACES)));
    }
    let urn = |kind: &str, id: &str| format!("urn:pact:{}:{kind}:{id}", opts.issuer);
    let mut f = Map::new();
    f.insert("specVersion".into(), json!(SPEC_VERSION));
    f.insert("created".into(), json!(midnight(date)));
    f.insert("status".into(), json!("Active"));
    f.insert("companyName".into(), json!(if entity.name.is_empty() { &entity.id } else { &entity.name }));
    f.insert("companyIds".into(), json!([urn("company-id", &entity.id)]));
    f.insert("productDescription".into(), json!(""));
    f.insert("productIds".into(), json!([urn("product-id", &item.id)]));
    f.insert("productNameCompany".into(), json!(if item.name.is_empty() { &item.id } else { &item.name }));
    f.insert("pcf".into(), Value::Object(pcf));
    f.insert(
        "extensions".into(),
        json!([{"specVersion": EXTENSION_VERSION, "dataSchema": format!("{}{EXTENSION_PATH}", opts.base_url),
                "data": {"entity": entity.id, "item": item.id, "transfer": transfer}}]),
    );
    let id = uuid_of(&format!("custody-pact-delivery|{}", Value::Object(f.clone())));
    let mut doc = Map::new();
    doc.insert("id".into(), json!(id));
    doc.extend(f);
    Some(Value::Object(doc))
}
