//! A [`Footprint`] written into a Catena-X PCF document: the template's fields, with every field the
//! ledger holds written from the footprint, and the template's emission and carbon-content
//! breakdowns removed (they would contradict the ledger's totals).

use crate::model::{CatenaxError, Footprint};
use crate::paths::{get, path, remove, set, Field, Version};
use crate::read::range;
use custody_core::exact::{self, Q};
use num_traits::CheckedAdd;
use serde_json::Value;

fn num(q: Q) -> Value {
    let s = exact::format_decimal(q, 18);
    Value::Number(s.parse().expect("a formatted decimal is a JSON number"))
}

/// Breakdowns of the production stage and of the carbon content the ledger does not split.
const FLAT_BREAKDOWN: [&str; 19] = [
    "fossilGhgEmissions",
    "biogenicNonCO2Emissions",
    "biogenicCarbonEmissionsOtherThanCO2",
    "landUseChangeGhgEmissions",
    "dlucGhgEmissions",
    "extTFS_luGhgEmissions",
    "landManagementBiogenicCO2Emissions",
    "landManagementBiogenicCO2Removals",
    "aircraftGhgEmissions",
    "fossilCarbonContent",
    "extWBCSD_fossilCarbonContent",
    "biogenicCarbonContent",
    "carbonContentBiogenic",
    "recycledCarbonContent",
    "packagingBiogenicCarbonContent",
    "packagingLandManagementBiogenicCO2Emissions",
    "extWBCSD_packagingGhgEmissions",
    "pcfIncludingBiogenic",
    "pcfIncludingBiogenicUptake",
];

/// Writes `fp` into a copy of `template` (a PCF document of the version to write). `created` is the
/// document's creation time (ISO 8601). Errors: a template of no known version.
pub fn write(fp: &Footprint, template: &Value, created: &str) -> Result<Value, CatenaxError> {
    let v = Version::detect(template).ok_or(CatenaxError::UnknownVersion)?;
    let mut doc = template.clone();
    // Stale breakdowns go first, so that the totals written below stay.
    match v {
        Version::V7 | Version::V8 => {
            for k in FLAT_BREAKDOWN {
                remove(&mut doc, &format!("pcf.{k}"));
            }
        }
        Version::V9 | Version::V10 => {
            let stage = "productLifeCycleStagesAndEmissions[0].productionStage[0]";
            if let Some(Value::Object(m)) = get(&doc, stage).cloned() {
                for k in m
                    .keys()
                    .filter(|k| !matches!(k.as_str(), "pcfExcludingBiogenicUptake" | "pcfIncludingBiogenicUptake"))
                {
                    remove(&mut doc, &format!("{stage}.{k}"));
                }
            }
            if let Some(Value::Object(m)) = get(&doc, "carbonContent[0]").cloned() {
                for k in m.keys() {
                    remove(&mut doc, &format!("carbonContent[0].{k}"));
                }
            }
        }
    }
    let mut put = |f: Field, value: Value| {
        if let Some(p) = path(v, f) {
            set(&mut doc, &p, value);
        }
    };
    put(Field::Spec, Value::String(v.spec_urn()));
    if !fp.id.is_empty() {
        put(Field::Id, Value::String(fp.id.clone()));
    }
    put(Field::Version, num(fp.pcf_version));
    put(Field::CompanyName, Value::String(fp.company_name.clone()));
    put(Field::ProductName, Value::String(fp.product_name.clone()));
    // Ids are URIs in every version: the ledger's own ids are written only when they are.
    let uris = |ids: &[String]| !ids.is_empty() && ids.iter().all(|i| i.contains(':'));
    if uris(&fp.company_ids) {
        put(Field::CompanyIds, Value::from(fp.company_ids.clone()));
    }
    if uris(&fp.product_ids) {
        put(Field::ProductIds, Value::from(fp.product_ids.clone()));
    }
    put(Field::DeclaredUnit, Value::String(fp.declared_unit.as_str().to_string()));
    // 7.0.0 values are per one declared unit.
    let amount = if v == Version::V7 { Q::from_integer(1) } else { fp.declared_amount };
    let scale = range(exact::div(amount, fp.declared_amount))?;
    let scaled = |q: Q| range(exact::mul(q, scale));
    put(Field::DeclaredAmount, num(amount));
    if let Some(m) = fp.mass_per_declared_unit {
        put(Field::MassPerDeclaredUnit, num(scaled(m)?));
    }
    put(Field::PcfExcluding, num(scaled(fp.pcf_excluding)?));
    let uptake = fp.biogenic_uptake.unwrap_or_else(|| Q::from_integer(0));
    let including =
        fp.pcf_excluding.checked_add(&uptake).ok_or_else(|| CatenaxError::Invalid("a number out of range".into()))?;
    put(Field::PcfIncluding, num(scaled(including)?));
    match fp.biogenic_uptake {
        Some(u) => put(Field::BiogenicUptake, num(scaled(u)?)),
        None => {
            if let Some(p) = path(v, Field::BiogenicUptake) {
                remove(&mut doc, &p);
            }
        }
    }
    if let Some(c) = fp.carbon_content_total {
        if let Some(p) = path(v, Field::CarbonContentTotal) {
            set(&mut doc, &p, num(scaled(c)?));
        }
    }
    let mut put = |f: Field, value: Value| {
        if let Some(p) = path(v, f) {
            set(&mut doc, &p, value);
        }
    };
    if let Some(g) = &fp.gwp {
        put(Field::Gwp, Value::String(g.clone()));
    }
    if let Some((a, b)) = &fp.reference_period {
        put(Field::ReferenceStart, Value::String(a.clone()));
        put(Field::ReferenceEnd, Value::String(b.clone()));
    }
    put(Field::Created, Value::String(created.to_string()));
    Ok(doc)
}
