//! PACT v3 `ProductFootprint`s generated from a ledger: one per product sold in each closed
//! period, read from the product-intensity statement (`custody_core::statements::intensity`).
//!
//! Rules (docs/pact.md has the field-by-field table):
//! - Amounts are the stated gas of each posting (`IntensityLine::gas`, grams of gas, exact),
//!   weighted by the entity's GWP table (`ipccCharacterizationFactors`), divided by the quantity
//!   sold, and rounded once, half to even, to [`PLACES`] decimal places of kg per declared unit.
//! - Cradle to gate (PACT Methodology §"boundary"): every origin but `Transport` (the seller's
//!   transport to its customers). The CCS origin's net (captured minus the capture process's own
//!   emissions), when negative, is `ccsTechnologicalCO2Capture`; otherwise it is counted as fossil.
//! - What the ledger does not know is never filled in: optional fields are left out, and a
//!   required field the ledger and the owner's [`Options`] cannot give is listed in
//!   [`Generated::missing`] and left out of the document, which then is not complete.

use custody_core::exact::{self, format_decimal, Q};
use custody_core::model::{format_date, Date, Origin, Period};
use custody_core::statements::{product_intensity, ProductIntensity, Scope};
use custody_core::units::Dimension;
use custody_core::Ledger;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The PACT specification version custody writes (Technical Specifications 3.0.3).
pub const SPEC_VERSION: &str = "3.0.3";
/// Decimal places of every kg (or kgC) per declared unit value: grams per tonne.
pub const PLACES: u32 = 6;
/// Version of the custody data model extension (`schema/custody-extension.schema.json`).
pub const EXTENSION_VERSION: &str = "1.0.0";
/// Where `custody serve` publishes the extension schema, below its base URL.
pub const EXTENSION_PATH: &str = "/pact/extensions/custody/1.0.0/schema.json";

/// What the data owner declares; none of it is in the ledger.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The domain that issues custody's URNs: `urn:pact:{issuer}:company-id:{entity}` and
    /// `urn:pact:{issuer}:product-id:{item}` (PACT ADR-34 "Product Identification").
    pub issuer: String,
    /// `crossSectoralStandards` the owner claims (e.g. `GHGP-Product`, `ISO14067`). Empty: missing.
    pub standards: Vec<String>,
    /// `exemptedEmissionsPercent`, 0 to 100, as the owner states it. `None`: missing.
    pub exempted_percent: Option<Q>,
    /// The base URL (e.g. `https://host:8443`) the extension schema is published under.
    pub base_url: String,
}

/// A field the footprint should carry and the ledger cannot fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The v3 property path, e.g. `pcf.crossSectoralStandards`.
    pub field: &'static str,
    /// Required by the v3 schema (the footprint is incomplete without it) or only SHOULD.
    pub required: bool,
    pub reason: &'static str,
}

/// One generated footprint.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub entity: String,
    pub item: String,
    pub period: String,
    /// The v3 `ProductFootprint` JSON object.
    pub footprint: Value,
    pub missing: Vec<Missing>,
}

impl Generated {
    /// Every required field present: such a footprint may be served.
    pub fn complete(&self) -> bool {
        !self.missing.iter().any(|m| m.required)
    }
    pub fn id(&self) -> &str {
        self.footprint["id"].as_str().unwrap_or_default()
    }
}

/// `YYYY-MM-DDT00:00:00Z`.
pub fn midnight(d: Date) -> String {
    format!("{}T00:00:00Z", format_date(d))
}

fn dec(x: Q) -> String {
    format_decimal(x, PLACES)
}

/// A name-based UUID (RFC 9562 version 8) from SHA-256 of `text`: the same footprint content
/// always gets the same id, and any change of content a new one (PACT ADR-41).
pub fn uuid_of(text: &str) -> String {
    let h = Sha256::digest(text.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Footprints of every product sold in every closed period of `ledger`, in period then item order.
pub fn footprints(ledger: &Ledger, opts: &Options) -> Vec<Generated> {
    let mut out = Vec::new();
    for p in ledger.periods().iter().filter(|p| p.closed) {
        let scope = Scope { period: p.id.clone(), start: p.start, end: p.end };
        let st = product_intensity(ledger, &scope);
        for prod in st.products.iter().filter(|x| x.sold > 0) {
            if let Some(g) = footprint(ledger, p, prod, opts) {
                out.push(g);
            }
        }
    }
    out
}

/// Countries of the sites the product left from in the period (sorted, unique).
fn countries(ledger: &Ledger, period: &Period, item: &str) -> Vec<String> {
    let mut sites: Vec<Option<String>> = Vec::new();
    for t in ledger.transactions().iter().filter(|t| t.date >= period.start && t.date <= period.end) {
        if t.kind != custody_core::model::TxKind::Sell {
            continue;
        }
        for m in t.movements.iter().filter(|m| m.item == item) {
            let site = m.site.map(String::from).or_else(|| ledger.sites().find(|s| s.default).map(|s| s.id.clone()));
            sites.push(site);
        }
    }
    let mut out: Vec<String> = Vec::new();
    for s in sites {
        match s.and_then(|id| ledger.sites().find(|x| x.id == id).and_then(|x| x.country.clone())) {
            Some(c) if !out.contains(&c) => out.push(c),
            Some(_) => {}
            None => return Vec::new(), // a sale from a site of unknown country: no single geography
        }
    }
    out.sort();
    out
}

/// Mass-balance claims made in the period on `item`'s output (`custody_core::claims::claim_from_pool`):
/// pool, claim, method, attribution, the claimed factor and the pool's residual factor (kgCO2e per
/// kg, as the pool states them, g CO2e per g), the quantity claimed (g). A claim states an
/// attribute, not the physical footprint: the pcf fields stay physical.
fn claims(ledger: &Ledger, period: &Period, item: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for pool in ledger.pools() {
        for pp in pool.periods.values() {
            for c in pp.claims.iter().filter(|c| c.date >= period.start && c.date <= period.end) {
                let Ok(claim) = custody_core::claims::claim_from_pool(ledger, &pool.policy.id, &c.id) else { continue };
                if !claim.items.iter().any(|i| i == item) {
                    continue;
                }
                out.push(json!({
                    "pool": pool.policy.id,
                    "claim": c.id,
                    "model": "mass-balance",
                    "method": pool.policy.method.as_str(),
                    "attribution": pool.policy.attribution.as_str(),
                    "claimedFactor": dec(claim.claimed_intensity),
                    "quantityClaimed": c.quantity.to_string(),
                    "residualFactor": claim.residual.map(dec),
                }));
            }
        }
    }
    out
}

/// The footprint of one product of a closed period's intensity statement. `None` for an item
/// held by volume (never sold as such) or one the statement does not define.
pub fn footprint(ledger: &Ledger, period: &Period, p: &ProductIntensity, opts: &Options) -> Option<Generated> {
    let item = ledger.item(&p.item)?;
    let entity = ledger.entity();
    let gwp = entity.gwp;
    let mut missing = Vec::new();
    // The declared unit: 1 kg (mass items, base unit g) or 1 MJ (energy, base unit kJ).
    let (unit, per_base, mass) = match item.measure {
        Dimension::Mass => ("kilogram", exact::q(1000), "1"),
        Dimension::Energy => ("megajoule", exact::q(1000), "0"),
        Dimension::Volume => return None,
    };
    let units_sold = Q::new(p.sold as i128, 1) / per_base;
    let kg_per_unit = |grams: Q| grams / exact::q(1000) / units_sold;
    let co2e = |origin_filter: &dyn Fn(Origin) -> bool| -> Q {
        p.lines
            .iter()
            .filter(|l| origin_filter(l.origin))
            .flat_map(|l| l.gas.iter())
            .filter_map(|(sp, g)| gwp.factor(*sp).map(|f| *g * f))
            .sum()
    };
    let ccs_net = co2e(&|o| o == Origin::Ccs);
    let capture = if ccs_net < exact::q(0) { ccs_net } else { exact::q(0) };
    let gross = co2e(&|o| o != Origin::Transport) - capture;
    let excl = gross + capture;
    let mut pcf = Map::new();
    pcf.insert("declaredUnitOfMeasurement".into(), json!(unit));
    pcf.insert("declaredUnitAmount".into(), json!("1"));
    pcf.insert("productMassPerDeclaredUnit".into(), json!(mass));
    pcf.insert("referencePeriodStart".into(), json!(midnight(period.start)));
    let end_excl = period.end.next_day().unwrap_or(period.end);
    pcf.insert("referencePeriodEnd".into(), json!(midnight(end_excl)));
    let countries = countries(ledger, period, &p.item);
    if let [c] = countries.as_slice() {
        pcf.insert("geographyCountry".into(), json!(c));
    } else {
        missing.push(Missing {
            field: "pcf.geographyCountry",
            required: false,
            reason: "the product left from sites in several countries, or from a site without a country",
        });
    }
    pcf.insert("pcfExcludingBiogenicUptake".into(), json!(dec(kg_per_unit(excl))));
    // The intensity statement carries no biogenic uptake: including equals excluding.
    pcf.insert("pcfIncludingBiogenicUptake".into(), json!(dec(kg_per_unit(excl))));
    pcf.insert("fossilGhgEmissions".into(), json!(dec(kg_per_unit(gross))));
    pcf.insert("fossilCarbonContent".into(), json!(dec(kg_per_unit(Q::new(p.content as i128, 1)))));
    missing.push(Missing {
        field: "pcf.biogenicCO2Uptake",
        required: false,
        reason: "the ledger does not tell biogenic from fossil emissions in a product's intensity",
    });
    if p.lines.iter().any(|l| l.origin == Origin::Ccs) {
        pcf.insert("ccsTechnologicalCO2CaptureIncluded".into(), json!(true));
        pcf.insert("ccsTechnologicalCO2Capture".into(), json!(dec(kg_per_unit(capture))));
    } else {
        pcf.insert("ccsTechnologicalCO2CaptureIncluded".into(), json!(false));
    }
    pcf.insert("ipccCharacterizationFactors".into(), json!([gwp.as_str().to_uppercase()]));
    if opts.standards.is_empty() {
        missing.push(Missing {
            field: "pcf.crossSectoralStandards",
            required: true,
            reason: "the ledger names no standard; the owner declares them (`--pact-standard`)",
        });
    } else {
        pcf.insert("crossSectoralStandards".into(), json!(opts.standards));
    }
    match opts.exempted_percent {
        Some(x) => {
            pcf.insert("exemptedEmissionsPercent".into(), json!(format_decimal(x, PLACES)));
        }
        None => missing.push(Missing {
            field: "pcf.exemptedEmissionsPercent",
            required: true,
            reason: "the ledger cannot know what it does not hold; the owner declares it (`--pact-exempted`)",
        }),
    }
    let origins: Vec<&str> =
        p.lines.iter().filter(|l| l.origin != Origin::Transport).map(|l| l.origin.as_str()).collect();
    pcf.insert(
        "boundaryProcessesDescription".into(),
        json!(format!(
            "Cradle to gate from the custody ledger's product-intensity statement; origins included: {}; \
             the seller's transport to customers excluded.",
            origins.join(", ")
        )),
    );
    for (field, reason) in [
        ("pcf.primaryDataShare", "the ledger does not classify its inputs as primary or secondary data"),
        ("pcf.dqi", "the ledger holds no data quality ratings"),
        ("pcf.packagingEmissionsIncluded", "the ledger does not separate packaging"),
        ("pcf.allocationRulesDescription", "allocation rules are recorded per operation, not per product"),
    ] {
        missing.push(Missing { field, required: false, reason });
    }
    if entity.name.is_empty() {
        missing.push(Missing { field: "companyName", required: true, reason: "the entity has no name" });
    }
    let urn = |kind: &str, id: &str| format!("urn:pact:{}:{kind}:{id}", opts.issuer);
    let mut f = Map::new();
    f.insert("specVersion".into(), json!(SPEC_VERSION));
    f.insert("created".into(), json!(midnight(end_excl)));
    f.insert("status".into(), json!("Active"));
    if !entity.name.is_empty() {
        f.insert("companyName".into(), json!(entity.name));
    }
    f.insert("companyIds".into(), json!([urn("company-id", &entity.id)]));
    f.insert("productDescription".into(), json!(""));
    f.insert("productIds".into(), json!([urn("product-id", &item.id)]));
    if let Some(cn) = &item.cbam.cn_code {
        f.insert("productClassifications".into(), json!([format!("urn:pact:ec.europa.eu:cn:{cn}")]));
    }
    f.insert("productNameCompany".into(), json!(if item.name.is_empty() { &item.id } else { &item.name }));
    f.insert("pcf".into(), Value::Object(pcf));
    // The id hashes what the footprint states (not the server's URL in the extension).
    let id = uuid_of(&format!("custody-pact|{}", Value::Object(f.clone())));
    let by_origin: Vec<Value> = p
        .lines
        .iter()
        .map(|l| {
            let gas: Map<String, Value> =
                l.gas.iter().map(|(sp, g)| (sp.as_str().to_string(), json!(dec(*g)))).collect();
            json!({"origin": l.origin.as_str(), "gasGrams": gas})
        })
        .collect();
    let data = json!({
        "entity": entity.id,
        "item": item.id,
        "period": period.id,
        "quantitySold": p.sold.to_string(),
        "quantityUnit": if item.measure == Dimension::Mass { "g" } else { "kJ" },
        "carbonContentGrams": p.content.to_string(),
        "gwp": gwp.as_str(),
        "custodyModels": p.custody_models,
        "claims": claims(ledger, period, &item.id),
        "physicalFactor": dec(kg_per_unit(excl)),
        "byOrigin": by_origin,
        "missing": missing.iter().map(|m| json!({"field": m.field, "required": m.required, "reason": m.reason})).collect::<Vec<_>>(),
    });
    f.insert(
        "extensions".into(),
        json!([{
            "specVersion": EXTENSION_VERSION,
            "dataSchema": format!("{}{}", opts.base_url, EXTENSION_PATH),
            "data": data,
        }]),
    );
    let mut doc = Map::new();
    doc.insert("id".into(), json!(id));
    doc.extend(f);
    Some(Generated {
        entity: entity.id.clone(),
        item: item.id.clone(),
        period: period.id.clone(),
        footprint: Value::Object(doc),
        missing,
    })
}
