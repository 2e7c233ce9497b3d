//! The Catena-X PCF reader (`custody-catenax`): no panic on any JSON; every error has a message; a
//! document it reads books as a journal that loads (`custody import catenax`), and the ledger's
//! export on the same document reads back to the same overlap (`custody export catenax`).

use custody_catenax::{from_ledger, read, to_journal, write, Booking, Footprint};
use custody_core::exact::{self, Q};
use custody_fuzz::{shape, Outcome};
use custody_journal::{load, Source};
use serde_json::Value;

pub const DICT: &[&str] = &[
    "\"specVersion\":\"urn:io.catenax.pcf:datamodel:version:9.0.0\"",
    "\"urn:io.catenax.pcf:datamodel:version:7.0.0\"",
    "\"urn:io.catenax.pcf:datamodel:version:10.0.0\"",
    "\"declaredUnitOfMeasurement\":\"liter\"",
    "\"declaredUnit\":\"piece\"",
    "\"cubic meter\"",
    "\"megajoule\"",
    "\"kilowatt hour\"",
    "\"productMassPerDeclaredUnit\":0",
    "\"pcfExcludingBiogenicUptake\":",
    "\"biogenicCO2Uptake\":-",
    "\"carbonContentTotal\":",
    "\"declaredUnitAmount\":",
    "1E+2",
    "1e-9",
    "-0",
    "[]",
    "[{}]",
    "null",
    "\"\"",
];

/// The fields export must give back (as in `custody-catenax`'s sample tests), per one declared
/// unit and to 12 decimals (conversions are written with 18); a unit the ledger does not hold
/// comes back per kilogram. `None` where a figure is out of the exact range.
#[derive(Debug, PartialEq, Eq)]
struct Overlap(String, String, String, String, String, Option<String>, Option<String>);

fn overlap(f: &Footprint) -> Option<Overlap> {
    let (unit, per) = match f.declared_unit.ledger_unit() {
        Some(_) => (f.declared_unit.as_str().to_string(), f.declared_amount),
        None => ("kilogram".to_string(), f.mass_per_declared_unit?),
    };
    let d = |q: Q| exact::div(q, per).ok().map(|x| exact::format_decimal(x, 12));
    Some(Overlap(
        f.id.clone(),
        f.company_name.clone(),
        f.product_name.clone(),
        unit,
        d(f.pcf_excluding)?,
        f.biogenic_uptake.and_then(d),
        f.carbon_content_total.and_then(d),
    ))
}

const HEAD: &str = "entity buyer \"Buyer\"\n  ratios efi\n  gwp ar5\nperiod 2025-03 2025-03-01 2025-03-31\n";

pub fn target(data: &[u8]) -> Outcome {
    let Ok(doc) = serde_json::from_slice::<Value>(data) else { return Ok("not json".into()) };
    let fp = match read(&doc) {
        Ok(fp) => fp,
        Err(e) if e.to_string().trim().is_empty() => return Err(format!("an error without a message: {e:?}")),
        Err(e) => return Ok(shape(&e.to_string())),
    };
    let mut last = String::new();
    for unit in ["kg", "L", "kWh", "MJ", "m3"] {
        let b = Booking {
            date: "2025-03-10".into(),
            quantity: (Q::from_integer(1000), unit.into()),
            item: None,
            supplier: None,
            id: None,
        };
        let text = match to_journal(&fp, &b) {
            Ok((text, _)) => text,
            Err(e) => {
                last = shape(&e.to_string());
                continue;
            }
        };
        let ledger = load(&[Source { name: "c.journal".into(), text: format!("{HEAD}{text}") }])
            .map_err(|(_, d)| format!("the booking of a footprint that reads does not load: {}\n{text}", d[0]))?;
        let item = ledger.items().next().expect("the booking defines its item").id.clone();
        let scope = custody_core::statements::Scope::resolve(&ledger, Some("2025-03")).expect("defined above");
        let back = from_ledger(&ledger, &item, &scope)
            .map_err(|e| format!("no footprint back from the ledger: {e}\n{text}"))?;
        let out = write(&back, &doc, "2025-04-01T00:00:00Z").map_err(|e| format!("cannot write: {e}"))?;
        let again = read(&out).map_err(|e| format!("the export does not read back: {e}\n{out}"))?;
        if let (Some(a), Some(b)) = (overlap(&again), overlap(&fp)) {
            if a == b {
                return Ok(format!("booked {}", fp.declared_unit.as_str()));
            }
        }
        if overlap(&again) != overlap(&fp) {
            return Err(format!("the overlap changed:\n{:?}\n{:?}\n{text}", overlap(&fp), overlap(&again)));
        }
        return Ok(format!("booked {}", fp.declared_unit.as_str()));
    }
    Ok(last)
}
