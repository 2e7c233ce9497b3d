//! Inputs of `custody assess`: a footprint and claim from a ledger, or an imported footprint file.

use anyhow::{bail, Context};
use custody_core::claims::{self, Claim, ClaimKind, FerrousInputs, Footprint};
use custody_core::coc::CustodyModel;
use custody_core::exact::{self, Q};
use custody_core::statements::Scope;
use custody_core::Ledger;
use serde_json::Value;
use std::path::Path;

/// The footprint and claim assessed from a ledger: `(product, claim, avoided, received)` as
/// given; a received transfer (`--received`) carries its own claim (docs/claims.md).
pub fn from_ledger(
    ledger: &Ledger,
    period: Option<&str>,
    (product, claim, avoided, received): (Option<&str>, Option<&str>, Option<&str>, Option<&str>),
    material: &str,
) -> anyhow::Result<(Footprint, Option<Claim>)> {
    if let Some(r) = received {
        return claims::received_from_ledger(ledger, r, material).map_err(|e| anyhow::anyhow!(e));
    }
    let product = product.context("name the --product whose footprint is assessed")?;
    let scope = Scope::resolve(ledger, period).map_err(|e| anyhow::anyhow!(e))?;
    let fp = claims::footprint_from_ledger(ledger, &scope, product, material).map_err(|e| anyhow::anyhow!(e))?;
    let c = claims::claim_from_ledger(ledger, claim, avoided).map_err(|e| match e {
        claims::ClaimRefError::Usage(m) | claims::ClaimRefError::Unknown(m) => anyhow::anyhow!(m),
    })?;
    Ok((fp, c))
}

fn dec(v: &Value, what: &str) -> anyhow::Result<Q> {
    let s = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => bail!("`{what}` must be a number"),
    };
    exact::parse_decimal(&s).with_context(|| format!("`{what}` = {s} is not a decimal"))
}

fn opt_dec(v: &Value, key: &str) -> anyhow::Result<Option<Q>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(x) => dec(x, key).map(Some),
    }
}

fn ferrous(v: &Value, key: &str) -> anyhow::Result<Vec<(i64, Q)>> {
    let mut out = Vec::new();
    for e in v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
        let t = dec(e.get("t").context("a ferrous input has `t`")?, "t")?;
        let grams = exact::round_i64(t * exact::q(1_000_000)).map_err(|_| anyhow::anyhow!("`t` out of range"))?;
        let metallic = dec(e.get("metallic").context("a ferrous input has `metallic`")?, "metallic")?;
        // Out-of-range facts are refused, never read leniently.
        if grams < 0 || metallic < exact::q(0) || metallic > exact::q(1) {
            bail!("a ferrous input needs `t` >= 0 and `metallic` between 0 and 1");
        }
        out.push((grams, metallic));
    }
    Ok(out)
}

/// An optional quantity in tonnes, as grams.
fn tonnes_opt(v: &Value, key: &str) -> anyhow::Result<Option<i64>> {
    match opt_dec(v, key)? {
        // A quantity is never negative (unknown never helps the claimant, nor does a sign).
        Some(t) if t < exact::q(0) => {
            anyhow::bail!("`{key}` is {}: a quantity is not negative", exact::format_decimal(t, 6))
        }
        Some(t) => {
            exact::round_i64(t * exact::q(1_000_000)).map(Some).map_err(|_| anyhow::anyhow!("`{key}` out of range"))
        }
        None => Ok(None),
    }
}

/// Reads a footprint file: `{product, material, intensity_tCO2e_per_t, scrap_share?, ferrous?,
/// gases?, boundary?, claim?}` (docs/claims.md).
pub fn imported(path: &Path) -> anyhow::Result<(Footprint, Option<Claim>)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let v: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let fp = Footprint {
        product: s("product").context("the footprint names its `product`")?,
        material: s("material").unwrap_or_else(|| "steel".into()),
        intensity: dec(
            v.get("intensity_tCO2e_per_t").context("the footprint states `intensity_tCO2e_per_t`")?,
            "intensity_tCO2e_per_t",
        )?,
        ferrous: match v.get("ferrous") {
            Some(f) => FerrousInputs { scrap: ferrous(f, "scrap")?, primary: ferrous(f, "primary")? },
            None => FerrousInputs::default(),
        },
        scrap_share: opt_dec(&v, "scrap_share")?,
        gases: v
            .get("gases")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
        data_gaps: vec![],
        boundary_note: s("boundary").unwrap_or_else(|| "as stated by the supplier (not given)".into()),
        quantity: tonnes_opt(&v, "quantity_t")?,
    };
    let claim = match v.get("claim") {
        None | Some(Value::Null) => None,
        Some(c) => {
            let kind = c.get("kind").and_then(Value::as_str).context("a claim has a `kind`")?;
            Some(Claim {
                kind: ClaimKind::parse(kind).with_context(|| format!("claim kind `{kind}`"))?,
                claimed_intensity: dec(
                    c.get("claimed_tCO2e_per_t").context("a claim states `claimed_tCO2e_per_t`")?,
                    "claimed_tCO2e_per_t",
                )?,
                site_level: c.get("site_level").and_then(Value::as_bool).unwrap_or(false),
                // Not stated stays unknown: the checks that need it fail (docs/claims.md).
                non_proportional: c.get("non_proportional").and_then(Value::as_bool),
                period_months: c.get("period_months").and_then(Value::as_u64).and_then(|m| u32::try_from(m).ok()),
                lowest_input: opt_dec(c, "lowest_input_tCO2e_per_t")?,
                technology: opt_dec(c, "technology_tCO2e_per_t")?,
                verified_by: c.get("verified_by").and_then(Value::as_str).map(str::to_string),
                baseline_disclosed: c.get("baseline_disclosed").and_then(Value::as_bool).unwrap_or(false),
                model: c.get("model").and_then(Value::as_str).and_then(CustodyModel::parse),
                items: Vec::new(),
                quantity: tonnes_opt(c, "quantity_t")?,
                residual: None,
                declared_inputs: Vec::new(),
                provisional: None,
            })
        }
    };
    Ok((fp, claim))
}
