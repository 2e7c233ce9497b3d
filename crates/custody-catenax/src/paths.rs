//! Where each field the ledger shares with Catena-X sits in each version of the aspect model, and
//! reading and writing a JSON value by such a path. A path is dot-separated keys; `[0]` after a
//! key is the first element of an array there (9.0.0 and 10.0.0 nest every section in arrays).

use serde_json::{Map, Value};

/// A version of `urn:samm:io.catenax.pcf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    V7,
    V8,
    V9,
    V10,
}

impl Version {
    pub const ALL: [Version; 4] = [Version::V7, Version::V8, Version::V9, Version::V10];
    /// `7.0.0` ... `10.0.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V7 => "7.0.0",
            Version::V8 => "8.0.0",
            Version::V9 => "9.0.0",
            Version::V10 => "10.0.0",
        }
    }
    pub fn parse(s: &str) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.as_str() == s)
    }
    /// The `specVersion` value of this model.
    pub fn spec_urn(self) -> String {
        format!("urn:io.catenax.pcf:datamodel:version:{}", self.as_str())
    }
    /// The version a document is written in, from its `specVersion` (a string in 7.0.0, an array
    /// in 8.0.0, `scopeOfPcfForm[0].specVersion` from 9.0.0 on).
    pub fn detect(doc: &Value) -> Option<Version> {
        let spec = match doc.get("specVersion") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(a)) => a.first()?.as_str()?.to_string(),
            _ => get(doc, "scopeOfPcfForm[0].specVersion")?.as_str()?.to_string(),
        };
        Version::ALL.into_iter().rev().find(|v| spec.ends_with(&format!(":{}", v.as_str())))
    }
}

/// A field of the overlap between the ledger and the aspect model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    Version,
    Spec,
    CompanyName,
    CompanyIds,
    ProductName,
    ProductIds,
    DeclaredUnit,
    DeclaredAmount,
    MassPerDeclaredUnit,
    PcfExcluding,
    PcfIncluding,
    BiogenicUptake,
    CarbonContentTotal,
    Gwp,
    ReferenceStart,
    ReferenceEnd,
    Created,
}

const CP: &str = "companyAndProductInformation[0]";
const PI: &str = "pcfAssessmentAndMethodology[0].pcfAssessmentInformation[0]";
const ST: &str = "productLifeCycleStagesAndEmissions[0].productionStage[0]";

/// The field's path in a version (`None`: the version has no such field).
pub fn path(v: Version, f: Field) -> Option<String> {
    use Field as F;
    use Version as V;
    let nested = |p: &str| Some(p.to_string());
    let p = match (v, f) {
        (V::V7 | V::V8, F::Id) => nested("id"),
        (V::V7 | V::V8, F::Version) => nested("version"),
        (V::V7, F::Spec) => nested("specVersion"),
        (V::V8, F::Spec) => nested("specVersion[0]"),
        (V::V7 | V::V8, F::CompanyName) => nested("companyName"),
        (V::V7 | V::V8, F::CompanyIds) => nested("companyIds"),
        (V::V7, F::ProductName) => nested("productName"),
        (V::V8, F::ProductName) => nested("productNameCompany"),
        (V::V7 | V::V8, F::ProductIds) => nested("productIds"),
        (V::V7, F::DeclaredUnit) => nested("pcf.declaredUnit"),
        (V::V8, F::DeclaredUnit) => nested("pcf.declaredUnitOfMeasurement"),
        // 7.0.0's unitaryProductAmount is how many declared units the product holds, not the
        // unit the values are per: 7.0.0 values are per one declared unit.
        (V::V7, F::DeclaredAmount) => None,
        (V::V8, F::DeclaredAmount) => nested("pcf.declaredUnitAmount"),
        (V::V7 | V::V8, F::MassPerDeclaredUnit) => nested("pcf.productMassPerDeclaredUnit"),
        (V::V7, F::PcfExcluding) => nested("pcf.pcfExcludingBiogenic"),
        (V::V8, F::PcfExcluding) => nested("pcf.pcfExcludingBiogenicUptake"),
        (V::V7, F::PcfIncluding) => nested("pcf.pcfIncludingBiogenic"),
        (V::V8, F::PcfIncluding) => nested("pcf.pcfIncludingBiogenicUptake"),
        (V::V7, F::BiogenicUptake) => nested("pcf.biogenicCarbonWithdrawal"),
        (V::V8, F::BiogenicUptake) => nested("pcf.biogenicCO2Uptake"),
        (V::V7 | V::V8, F::CarbonContentTotal) => nested("pcf.carbonContentTotal"),
        (V::V7, F::Gwp) => nested("pcf.extWBCSD_characterizationFactors"),
        (V::V8, F::Gwp) => nested("pcf.ipccCharacterizationFactors"),
        (V::V7 | V::V8, F::ReferenceStart) => nested("pcf.referencePeriodStart"),
        (V::V7 | V::V8, F::ReferenceEnd) => nested("pcf.referencePeriodEnd"),
        (V::V7 | V::V8, F::Created) => nested("created"),
        (_, F::Id) => Some(format!("{PI}.idAndVersion[0].id")),
        (_, F::Version) => Some(format!("{PI}.idAndVersion[0].version")),
        (_, F::Spec) => nested("scopeOfPcfForm[0].specVersion"),
        (_, F::CompanyName) => Some(format!("{CP}.companyInformation[0].companyName")),
        (_, F::CompanyIds) => Some(format!("{CP}.companyInformation[0].companyIds")),
        (_, F::ProductName) => Some(format!("{CP}.productInformation[0].productNameCompany")),
        (_, F::ProductIds) => Some(format!("{CP}.productInformation[0].productIds")),
        (_, F::DeclaredUnit) => Some(format!("{CP}.productInformation[0].declaredUnitOfMeasurement")),
        (_, F::DeclaredAmount) => Some(format!("{CP}.productInformation[0].declaredUnitAmount")),
        (_, F::MassPerDeclaredUnit) => Some(format!("{CP}.productInformation[0].productMassPerDeclaredUnit")),
        (_, F::PcfExcluding) => Some(format!("{ST}.pcfExcludingBiogenicUptake")),
        (_, F::PcfIncluding) => Some(format!("{ST}.pcfIncludingBiogenicUptake")),
        (_, F::BiogenicUptake) => Some(format!("{ST}.biogenicCO2Uptake")),
        (_, F::CarbonContentTotal) => nested("carbonContent[0].carbonContentTotal"),
        (_, F::Gwp) => {
            nested("pcfAssessmentAndMethodology[0].pcfMethodology[0].gwpCharacterizationFactorDetails[0].ipccCharacterizationFactors")
        }
        (_, F::ReferenceStart) => Some(format!("{PI}.time[0].referencePeriodStart")),
        (_, F::ReferenceEnd) => Some(format!("{PI}.time[0].referencePeriodEnd")),
        (_, F::Created) => Some(format!("{PI}.time[0].created")),
    };
    p
}

/// One step of a path: a key, and whether `[0]` follows it.
fn steps(path: &str) -> impl Iterator<Item = (&str, bool)> {
    path.split('.').map(|s| match s.strip_suffix("[0]") {
        Some(k) => (k, true),
        None => (s, false),
    })
}

/// The value at `path`, if every step exists.
pub fn get<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = doc;
    for (key, first) in steps(path) {
        v = v.get(key)?;
        if first {
            v = v.get(0)?;
        }
    }
    Some(v)
}

/// Sets `path` to `value`, creating the objects and one-element arrays on the way.
pub fn set(doc: &mut Value, path: &str, value: Value) {
    let all: Vec<(&str, bool)> = steps(path).collect();
    let mut v = doc;
    for (i, (key, first)) in all.iter().enumerate() {
        if !v.is_object() {
            *v = Value::Object(Map::new());
        }
        let m = v.as_object_mut().expect("made an object above");
        let last = i + 1 == all.len();
        if last && !first {
            m.insert(key.to_string(), value);
            return;
        }
        let slot = m.entry(key.to_string()).or_insert(Value::Null);
        if *first {
            if !matches!(slot, Value::Array(a) if !a.is_empty()) {
                *slot = Value::Array(vec![Value::Null]);
            }
            let first_el = &mut slot.as_array_mut().expect("made an array above")[0];
            if last {
                *first_el = value;
                return;
            }
            v = first_el;
        } else {
            v = slot;
        }
    }
}

/// Removes the last key of `path` if its parent exists.
pub fn remove(doc: &mut Value, path: &str) {
    let (parent, key) = match path.rsplit_once('.') {
        Some((p, k)) => (Some(p), k),
        None => (None, path),
    };
    let mut v = doc;
    if let Some(p) = parent {
        for (k, first) in steps(p) {
            let Some(next) = v.get_mut(k) else { return };
            v = next;
            if first {
                let Some(next) = v.get_mut(0) else { return };
                v = next;
            }
        }
    }
    if let Some(m) = v.as_object_mut() {
        m.remove(key);
    }
}
