//! The EU CBAM directives: `site` (an installation's data) and the CBAM fields of an `item`
//! (`cn-code`, `goods-category`, `embedded`). `docs/journal.md` and `docs/cbam.md` describe them.

use super::lexer::Line;
use super::reader::{arg, at, decimal, id_and_name, only, Block, Field, R};
use custody_core::exact;
use custody_core::model::{CbamGood, Embedded, Ets, GoodsCategory, Site};

/// A field holding one quoted (or single-word) text.
fn text(f: &Field, what: &str) -> R<String> {
    let t = arg(f, 0, what)?;
    only(f, 1)?;
    if t.text.trim().is_empty() {
        return at(f, Some(t), format!("{what} must not be empty"));
    }
    Ok(t.text.clone())
}

/// Reads the CBAM fields of an item block.
pub(super) fn item_cbam(b: &mut Block) -> R<CbamGood> {
    let cn_code = b.one("cn-code", |f| {
        let t = arg(f, 0, "a CN code of 4, 6 or 8 digits, e.g. 72083900")?;
        only(f, 1)?;
        let ok = matches!(t.text.len(), 4 | 6 | 8) && t.text.bytes().all(|c| c.is_ascii_digit()) && !t.quoted;
        if !ok {
            return at(f, Some(t), format!("`{}` is not a CN code: 4, 6 or 8 digits, no spaces", t.text));
        }
        Ok(t.text.clone())
    })?;
    let category = b.one("goods-category", |f| {
        let t = arg(f, 0, "an aggregated goods category, e.g. \"Iron or steel products\"")?;
        only(f, 1)?;
        GoodsCategory::parse(&t.text).map_or_else(
            || {
                let names: Vec<&str> = GoodsCategory::ALL.iter().map(|c| c.as_str()).collect();
                at(f, Some(t), format!("`{}` is not a CBAM goods category (one of: {})", t.text, names.join(", ")))
            },
            Ok,
        )
    })?;
    let embedded = b.one("embedded", |f| {
        let direct = decimal(f, 0, "the direct specific embedded emissions")?;
        let indirect = decimal(f, 1, "the indirect specific embedded emissions")?;
        let unit = arg(f, 2, "the unit tCO2e/t")?;
        if unit.text != "tCO2e/t" {
            return at(f, Some(unit), "embedded emissions are written in tCO2e/t");
        }
        let source = arg(f, 3, "actual or default")?;
        let default_values = match source.text.as_str() {
            "actual" => false,
            "default" => true,
            _ => return at(f, Some(source), "the values are `actual` (the producer's) or `default`"),
        };
        only(f, 4)?;
        if direct < exact::q(0) || indirect < exact::q(0) {
            return at(f, f.args.first(), "embedded emissions are zero or more");
        }
        Ok(Embedded { direct, indirect, default_values })
    })?;
    Ok(CbamGood { cn_code, category, embedded: embedded.map(Box::new) })
}

/// `site ID "Name"` with `city`, `country`, `unlocode`, `coordinates LAT LON`, `default` and
/// `ets "SCHEME"|none`.
pub(super) fn parse_site(header: &Line, b: &mut Block) -> R<Site> {
    let (id, name) = id_and_name(header)?;
    let city = b.one("city", |f| text(f, "a city"))?;
    let country = b.one("country", |f| text(f, "an ISO 3166-1 alpha-2 country code"))?;
    let unlocode = b.one("unlocode", |f| text(f, "a UN/LOCODE such as DEHAM"))?;
    let coordinates = b.one("coordinates", |f| {
        let lat = decimal(f, 0, "a latitude in decimal degrees")?;
        let lon = decimal(f, 1, "a longitude in decimal degrees")?;
        only(f, 2)?;
        Ok((lat, lon))
    })?;
    let default = b.one("default", |f| only(f, 0))?.is_some();
    let ets = b.one("ets", |f| {
        let t = arg(f, 0, "the emission trading scheme covering the site, quoted (\"EU ETS\"), or none")?;
        only(f, 1)?;
        match (t.quoted, t.text.trim()) {
            (false, "none") => Ok(Ets::NotCovered),
            (_, "") => at(f, Some(t), "an emission trading scheme's name must not be empty"),
            _ => Ok(Ets::Scheme(t.text.clone())),
        }
    })?;
    b.finish()?;
    Ok(Site { id, name, city, country, unlocode, coordinates, default, ets })
}
