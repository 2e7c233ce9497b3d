//! The v3 ListFootprints filters (PACT Tech Specs v3 `components/parameters`, ADR-42):
//! `productId`, `companyId`, `geography`, `classification` (repeatable, case-insensitive),
//! `validOn`, `validAfter`, `validBefore` (RFC 3339 date-times against the validity period,
//! explicit or by default `referencePeriodEnd` to three years later) and `status`.
//! Values of one parameter are ORed, parameters ANDed. A bogus `status` matches nothing (the
//! conformance cases expect `200 {"data": []}`), a date that does not parse is a `BadRequest`.

use custody_core::model::parse_date;
use serde_json::Value;

/// The parsed filter. Empty vectors and `None` match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub product_id: Vec<String>,
    pub company_id: Vec<String>,
    pub geography: Vec<String>,
    pub classification: Vec<String>,
    /// Seconds since 1970-01-01T00:00:00Z.
    pub valid_on: Option<i64>,
    pub valid_after: Option<i64>,
    pub valid_before: Option<i64>,
    pub status: Vec<String>,
}

/// A parameter the filter cannot read: its name and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub parameter: String,
    pub message: String,
}

/// Seconds since the epoch of an RFC 3339 date-time (`2025-01-31T00:00:00Z`,
/// `...T01:00:00.5+01:00`); fractions of a second are dropped. A bare date is midnight UTC.
pub fn parse_instant(s: &str) -> Option<i64> {
    let s = s.trim();
    let date = parse_date(s.get(..10)?)?;
    let days = date.to_julian_day() as i64 - 2_440_588; // 1970-01-01
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(days * 86_400);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let num =
        |t: &str| -> Option<i64> { (t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok())? };
    let (h, m, sec) = (num(rest.get(0..2)?)?, num(rest.get(3..5)?)?, num(rest.get(6..8)?)?);
    if rest.get(2..3)? != ":" || rest.get(5..6)? != ":" || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let mut tz = &rest[8..];
    if let Some(frac) = tz.strip_prefix('.') {
        let digits = frac.bytes().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        tz = &frac[digits..];
    }
    let offset = match tz {
        "Z" | "z" => 0,
        _ => {
            let sign = match tz.get(0..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            if tz.len() != 6 || tz.get(3..4)? != ":" {
                return None;
            }
            sign * (num(&tz[1..3])? * 3600 + num(&tz[4..6])? * 60)
        }
    };
    Some(days * 86_400 + h * 3600 + m * 60 + sec - offset)
}

impl Filter {
    /// Reads the query pairs; parameters the filter does not know (`limit`, `$filter`, vendor
    /// `x-...`) are ignored here. Errors: a date-time that does not parse.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Filter, FilterError> {
        let mut f = Filter::default();
        let instant = |name: &str, v: &str| {
            parse_instant(v).ok_or_else(|| FilterError {
                parameter: name.into(),
                message: format!("`{name}` must be an RFC 3339 date-time, got `{v}`"),
            })
        };
        for (k, v) in pairs {
            match k {
                "productId" => f.product_id.push(v.to_lowercase()),
                "companyId" => f.company_id.push(v.to_lowercase()),
                "geography" => f.geography.push(v.to_lowercase()),
                "classification" => f.classification.push(v.to_lowercase()),
                "status" => f.status.push(v.to_lowercase()),
                "validOn" => f.valid_on = Some(instant(k, v)?),
                "validAfter" => f.valid_after = Some(instant(k, v)?),
                "validBefore" => f.valid_before = Some(instant(k, v)?),
                _ => {}
            }
        }
        Ok(f)
    }

    /// Reads the same criteria from a RequestCreatedEvent's `data` (arrays or single values).
    pub fn from_event_data(data: &Value) -> Result<Filter, FilterError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if let Some(obj) = data.as_object() {
            for (k, v) in obj {
                match v {
                    Value::Array(xs) => {
                        pairs.extend(xs.iter().filter_map(|x| x.as_str()).map(|x| (k.clone(), x.into())))
                    }
                    Value::String(x) => pairs.push((k.clone(), x.clone())),
                    _ => {}
                }
            }
        }
        Filter::from_pairs(pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())))
    }

    /// Whether footprint `pf` (a v3 ProductFootprint object) passes every criterion.
    pub fn matches(&self, pf: &Value) -> bool {
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| a.iter().filter_map(|x| x.as_str()).map(str::to_lowercase).collect())
                .unwrap_or_default()
        };
        let any = |wanted: &[String], have: &[String]| wanted.is_empty() || wanted.iter().any(|w| have.contains(w));
        let geo: Vec<String> = ["geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision"]
            .iter()
            .filter_map(|k| pf["pcf"][k].as_str().map(str::to_lowercase))
            .collect();
        let status = pf["status"].as_str().unwrap_or_default().to_lowercase();
        let (start, end) = validity(pf);
        any(&self.product_id, &strings(&pf["productIds"]))
            && any(&self.company_id, &strings(&pf["companyIds"]))
            && any(&self.classification, &strings(&pf["productClassifications"]))
            && any(&self.geography, &geo)
            && (self.status.is_empty() || self.status.contains(&status))
            && self.valid_on.is_none_or(|t| matches!((start, end), (Some(s), Some(e)) if s <= t && t <= e))
            && self.valid_after.is_none_or(|t| matches!(start, Some(s) if s > t))
            && self.valid_before.is_none_or(|t| matches!(end, Some(e) if e < t))
    }
}

/// The validity period in epoch seconds: `validityPeriodStart`/`End` when given, else from
/// `pcf.referencePeriodEnd` to three years later (Tech Specs v3 "Validity Period").
pub fn validity(pf: &Value) -> (Option<i64>, Option<i64>) {
    let at = |v: &Value| v.as_str().and_then(parse_instant);
    let ref_end = at(&pf["pcf"]["referencePeriodEnd"]);
    let start = at(&pf["validityPeriodStart"]).or(ref_end);
    let end = at(&pf["validityPeriodEnd"]).or_else(|| {
        let s = pf["pcf"]["referencePeriodEnd"].as_str()?;
        let d = parse_date(s.get(..10)?)?;
        let later = d
            .replace_year(d.year() + 3)
            .or_else(|_| d.replace_day(28).and_then(|x| x.replace_year(d.year() + 3)))
            .ok()?;
        Some(ref_end? + (later.to_julian_day() - d.to_julian_day()) as i64 * 86_400)
    });
    (start, end)
}
