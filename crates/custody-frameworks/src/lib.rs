//! Claim frameworks as data. Each file in `frameworks/` is one framework at one version, with its
//! sources and how sure we are of them; files are embedded at build time, and a directory can be
//! read at run time instead. See `docs/claims.md` for the schema.

use custody_core::claims::*;
use custody_core::coc::CustodyModel;
use custody_core::exact::{self, Q};
use serde::Deserialize;

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    id: String,
    name: String,
    version: String,
    material: String,
    unit: String,
    boundary: String,
    gases: Vec<String>,
    scrap: String,
    default_scrap_share: Option<String>,
    /// Where the framework's own text sets the default (required with it).
    default_scrap_share_source: Option<String>,
    comparison: String,
    confidence: String,
    sources: Vec<String>,
    not_found: Vec<String>,
    #[serde(default)]
    levels: Vec<LevelFile>,
    custody: CustodyFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelFile {
    name: String,
    intercept: String,
    slope: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CustodyFile {
    mass_balance_chain_of_custody: String,
    mass_balance_credit: String,
    book_and_claim: String,
    #[serde(default)]
    models: Vec<String>,
    #[serde(default)]
    site_level_link: bool,
    #[serde(default)]
    proportional_only: bool,
    max_period_months: Option<u32>,
    #[serde(default)]
    third_party_verification: bool,
    #[serde(default)]
    baseline_disclosure: bool,
    #[serde(default)]
    additionality: bool,
}

fn decimal(file: &str, field: &str, s: &str) -> Result<Q, String> {
    exact::parse_decimal(s).ok_or_else(|| format!("{file}: `{field}` = {s:?} is not a decimal"))
}

fn stance(file: &str, field: &str, s: &str) -> Result<Stance, String> {
    Stance::parse(s)
        .ok_or_else(|| format!("{file}: `{field}` = {s:?} (accepted, accepted-with-principles, refused, not-found)"))
}

/// Parses one framework file.
pub fn parse(file: &str, text: &str) -> Result<Framework, String> {
    let f: File = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    let mut levels = Vec::new();
    for l in &f.levels {
        levels.push(Level {
            name: l.name.clone(),
            intercept: decimal(file, "intercept", &l.intercept)?,
            slope: decimal(file, "slope", &l.slope)?,
        });
    }
    let mut models = Vec::new();
    for m in &f.custody.models {
        models.push(
            CustodyModel::parse(m).ok_or_else(|| format!("{file}: custody model {m:?} ({})", CustodyModel::names()))?,
        );
    }
    Ok(Framework {
        id: f.id,
        name: f.name,
        version: f.version,
        material: f.material,
        unit: f.unit,
        boundary: f.boundary,
        gases: f.gases,
        scrap: ScrapDefinition::parse(&f.scrap)
            .ok_or_else(|| format!("{file}: scrap = {:?} (metallic-input, charge-mass, none)", f.scrap))?,
        default_scrap_share: f
            .default_scrap_share
            .as_deref()
            .map(|s| decimal(file, "default_scrap_share", s))
            .transpose()?,
        default_scrap_share_source: match (&f.default_scrap_share, f.default_scrap_share_source) {
            (Some(_), None) => {
                return Err(format!(
                "{file}: default_scrap_share needs default_scrap_share_source, the framework's own text that sets it"
            ))
            }
            (_, src) => src,
        },
        comparison: match f.comparison.as_str() {
            "<=" => Comparison::AtMost,
            "<" => Comparison::Below,
            other => return Err(format!("{file}: comparison = {other:?} (\"<=\" or \"<\")")),
        },
        levels,
        custody: CustodyRules {
            mass_balance_chain_of_custody: stance(
                file,
                "mass_balance_chain_of_custody",
                &f.custody.mass_balance_chain_of_custody,
            )?,
            mass_balance_credit: stance(file, "mass_balance_credit", &f.custody.mass_balance_credit)?,
            book_and_claim: stance(file, "book_and_claim", &f.custody.book_and_claim)?,
            models,
            site_level_link: f.custody.site_level_link,
            proportional_only: f.custody.proportional_only,
            max_period_months: f.custody.max_period_months,
            third_party_verification: f.custody.third_party_verification,
            baseline_disclosure: f.custody.baseline_disclosure,
            additionality: f.custody.additionality,
        },
        sources: f.sources,
        confidence: f.confidence,
        not_found: f.not_found,
    })
}

/// Every embedded framework, in file-name order.
pub fn embedded() -> Vec<Framework> {
    EMBEDDED
        .iter()
        .map(|(name, text)| parse(name, text).unwrap_or_else(|e| panic!("embedded framework: {e}")))
        .collect()
}

/// The embedded frameworks, parsed once per process (servers assess on every request).
pub fn shared() -> &'static [Framework] {
    static PARSED: std::sync::OnceLock<Vec<Framework>> = std::sync::OnceLock::new();
    PARSED.get_or_init(embedded)
}

/// Every `*.toml` framework in a directory, in file-name order.
pub fn from_dir(dir: &std::path::Path) -> Result<Vec<Framework>, String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            parse(&p.display().to_string(), &text)
        })
        .collect()
}
