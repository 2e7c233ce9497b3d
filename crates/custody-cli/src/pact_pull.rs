//! `custody pact pull URL`: a supplier's PACT v3 footprints fetched from its host (client
//! credentials, `GET /3/footprints` following `Link: rel="next"`) and booked as purchases with
//! their provenance (docs/pact.md "Pulling footprints").
//!
//! Rules: only `Active` footprints are booked; of several for the product, the one with the
//! latest `referencePeriodEnd` (the others are listed as not booked). The purchase id is
//! `pact:{footprint id}`, so a footprint is booked once; a footprint whose `precedingPfIds`
//! names one already booked is a newer version of it: reported, not booked. The factor is
//! `pcfExcludingBiogenicUptake` per declared unit (kgCO2e/kg or kgCO2e/MJ), the carbon content
//! `fossilCarbonContent` x the quantity; the memo states host, id and version (1 + the number of
//! preceding ids).

use crate::db::Db;
use anyhow::{bail, Context};
use custody_core::exact::{self, format_decimal, parse_decimal, Q};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Pull {
    /// The supplier's PACT host, `https://HOST[:PORT]`.
    pub url: String,
    #[arg(long)]
    pub client_id: String,
    #[arg(long)]
    pub client_secret: String,
    /// Only this product: the supplier's product id (`urn:...`, or the custody item id, which
    /// matches `urn:pact:*:product-id:ID`).
    #[arg(long)]
    pub product: Option<String>,
    /// The entity the purchases are booked into.
    #[arg(long)]
    pub entity: String,
    /// The supplier: a counterparty of the entity.
    #[arg(long)]
    pub supplier: String,
    /// The entity's item the footprint is booked as.
    #[arg(long)]
    pub item: String,
    /// The quantity delivered, e.g. '500 t' (mass for kilogram footprints, energy for megajoule).
    #[arg(long)]
    pub quantity: String,
    /// The purchase date, YYYY-MM-DD (in an open period of the entity).
    #[arg(long)]
    pub date: String,
    /// Trust this PEM certificate (or bundle) for the host, e.g. a test's self-signed one.
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// Footprints asked for per page (`limit`); further pages follow the `Link` header.
    #[arg(long, default_value_t = 100)]
    pub page_size: usize,
    /// `text` (default) or `json`.
    #[arg(long, default_value = "text")]
    pub format: String,
    #[command(flatten)]
    pub db: Db,
}

pub fn http(ca: &Option<PathBuf>) -> anyhow::Result<reqwest::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::Client::builder().timeout(std::time::Duration::from_secs(30));
    if let Some(p) = ca {
        let pem = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
        for c in reqwest::Certificate::from_pem_bundle(&pem).with_context(|| format!("{}: not PEM", p.display()))? {
            b = b.add_root_certificate(c);
        }
    }
    Ok(b.build()?)
}

/// A token from the host's OIDC `token_endpoint` (https on the same host and port), else
/// `{url}/auth/token`.
pub async fn token(http: &reqwest::Client, base: &str, id: &str, secret: &str) -> anyhow::Result<String> {
    let discovered = match http.get(format!("{base}/.well-known/openid-configuration")).send().await {
        Ok(r) if r.status().is_success() => {
            r.json::<Value>().await.ok().and_then(|v| v["token_endpoint"].as_str().map(str::to_string))
        }
        _ => None,
    };
    let url = discovered.unwrap_or_else(|| format!("{base}/auth/token"));
    // The secret goes only to the host named, over https (never to where a discovery document
    // points elsewhere).
    custody_server::pact_send::same_origin(base.trim_end_matches('/'), &url).map_err(|e| anyhow::anyhow!(e))?;
    let r = http
        .post(&url)
        .basic_auth(id, Some(secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .with_context(|| format!("token at {url}"))?;
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("token at {url}: HTTP {status} {body}");
    }
    body["access_token"].as_str().map(str::to_string).with_context(|| format!("token at {url}: no access_token"))
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(v: &str) -> Option<String> {
    v.split(',').find(|p| p.contains("rel=\"next\"")).and_then(|p| {
        let (a, b) = (p.find('<')?, p.find('>')?);
        Some(p[a + 1..b].to_string())
    })
}

async fn fetch(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    product: Option<&str>,
    limit: usize,
) -> anyhow::Result<Vec<Value>> {
    let mut url = format!("{base}/3/footprints?limit={limit}");
    if let Some(p) = product.filter(|p| p.to_ascii_lowercase().starts_with("urn:")) {
        url.push_str(&format!("&productId={}", p.replace(':', "%3A")));
    }
    let mut out = Vec::new();
    for _ in 0..10_000 {
        let r = http.get(&url).bearer_auth(token).send().await.with_context(|| format!("GET {url}"))?;
        let status = r.status();
        let link = r.headers().get("link").and_then(|v| v.to_str().ok()).and_then(next_link);
        let body: Value = r.json().await.with_context(|| format!("GET {url}: not JSON"))?;
        if !status.is_success() {
            bail!("GET {url}: HTTP {status} {body}");
        }
        out.extend(body["data"].as_array().cloned().unwrap_or_default());
        match link {
            Some(l) => url = l,
            None => return Ok(out),
        }
    }
    bail!("more than 10000 pages at {base}")
}

fn matches_product(pf: &Value, product: &str) -> bool {
    pf["productIds"].as_array().is_some_and(|ids| {
        ids.iter().filter_map(Value::as_str).any(|id| {
            id.eq_ignore_ascii_case(product)
                || id.rsplit_once(":product-id:").is_some_and(|(_, item)| item.eq_ignore_ascii_case(product))
        })
    })
}

fn dec(v: &Value, field: &str) -> anyhow::Result<Q> {
    v.as_str().and_then(parse_decimal).with_context(|| format!("`{field}` is not a decimal string: {v}"))
}

/// The journal text booking `pf` as purchase `id`.
fn purchase(pf: &Value, id: &str, host: &str, p: &Pull) -> anyhow::Result<String> {
    let (value, unit) = p.quantity.split_once(' ').context("--quantity is a number and a unit, e.g. '500 t'")?;
    let qty = parse_decimal(value.trim()).with_context(|| format!("--quantity: `{value}` is not a number"))?;
    let (per, dim) = match pf["pcf"]["declaredUnitOfMeasurement"].as_str() {
        Some("kilogram") => ("kg", custody_core::units::Dimension::Mass),
        Some("megajoule") => ("MJ", custody_core::units::Dimension::Energy),
        other => bail!("declared unit {other:?}: custody books kilogram and megajoule footprints"),
    };
    let amount = dec(&pf["pcf"]["declaredUnitAmount"], "pcf.declaredUnitAmount")?;
    let (Some(u), Some(d)) = (custody_core::units::Unit::parse(unit.trim()), custody_core::units::Unit::parse(per))
    else {
        bail!("--quantity unit `{unit}` is unknown")
    };
    if u.dimension != dim {
        bail!("--quantity unit `{unit}` is not a unit of the footprint's `{per}`");
    }
    // Quantity in declared units: qty x unit / (amount x per).
    let range = |_| anyhow::anyhow!("the quantity or a footprint figure is out of range");
    let units = exact::div(exact::mul(qty, u.base).map_err(range)?, exact::mul(amount, d.base).map_err(range)?)
        .map_err(range)?;
    let factor = exact::div(dec(&pf["pcf"]["pcfExcludingBiogenicUptake"], "pcf.pcfExcludingBiogenicUptake")?, amount)
        .map_err(range)?;
    let content =
        exact::mul(dec(&pf["pcf"]["fossilCarbonContent"], "pcf.fossilCarbonContent")?, units).map_err(range)?;
    // Written with 18 decimals: a nonzero figure finer than that would be booked as zero.
    for (x, field) in [(factor, "pcfExcludingBiogenicUptake"), (content, "fossilCarbonContent")] {
        if x != exact::q(0) && parse_decimal(&format_decimal(x, 18)) == Some(exact::q(0)) {
            bail!("`pcf.{field}` {} is not zero but below the precision custody books: not booked", pf["pcf"][field]);
        }
    }
    let version = pf["precedingPfIds"].as_array().map_or(0, Vec::len) + 1;
    let name = pf["productNameCompany"].as_str().unwrap_or_default().replace(['"', '\\', '\n'], " ");
    let pf_id = pf["id"].as_str().unwrap_or_default();
    Ok(format!(
        "{} purchase {id} \"PACT footprint {pf_id} version {version} from {host}: {name}\"\n  supplier {}\n  item {}\n  \
         quantity {} {}\n  factor {} kgCO2e/{per}\n  content {} kgC\n",
        p.date,
        p.supplier,
        p.item,
        format_decimal(qty, 18),
        unit.trim(),
        format_decimal(factor, 18),
        format_decimal(content, 18),
    ))
}

pub async fn run(p: Pull) -> anyhow::Result<ExitCode> {
    if p.format != "text" && p.format != "json" {
        bail!("--format is `text` or `json`");
    }
    let base = p.url.trim_end_matches('/').to_string();
    if !base.starts_with("https://") {
        bail!("PACT hosts are reached over HTTPS only: `{base}`");
    }
    let host = base.trim_start_matches("https://").to_string();
    let http = http(&p.ca_cert)?;
    let token = token(&http, &base, &p.client_id, &p.client_secret).await?;
    let all = fetch(&http, &base, &token, p.product.as_deref(), p.page_size).await?;
    let mut active: Vec<&Value> = all
        .iter()
        .filter(|pf| pf["status"] == "Active")
        .filter(|pf| p.product.as_deref().is_none_or(|x| matches_product(pf, x)))
        .collect();
    // Latest reference period first (RFC 3339 at UTC midnight compares as text).
    active.sort_by(|a, b| b["pcf"]["referencePeriodEnd"].as_str().cmp(&a["pcf"]["referencePeriodEnd"].as_str()));
    let registry = p.db.writer().await?;
    let booked_ids: Vec<String> = registry
        .read(&p.entity, |l| {
            l.transactions().iter().filter_map(|t| t.id.strip_prefix("pact:").map(str::to_string)).collect()
        })
        .await
        .with_context(|| format!("entity `{}`", p.entity))?;
    let mut report = json!({"host": host, "booked": [], "alreadyBooked": [], "newerVersions": [], "notBooked": []});
    let push = |r: &mut Value, k: &str, v: Value| r[k].as_array_mut().expect("an array").push(v);
    let mut journal = String::new();
    for (n, pf) in active.iter().enumerate() {
        let id = pf["id"].as_str().unwrap_or_default().to_string();
        let preceding: Vec<String> = pf["precedingPfIds"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        if booked_ids.contains(&id) {
            push(&mut report, "alreadyBooked", json!({"id": id, "purchase": format!("pact:{id}")}));
        } else if let Some(old) = preceding.iter().find(|x| booked_ids.contains(x)) {
            push(&mut report, "newerVersions", json!({"id": id, "replaces": old, "booked": format!("pact:{old}")}));
        } else if n > 0 {
            push(
                &mut report,
                "notBooked",
                json!({"id": id, "reason": "one purchase per pull: the Active footprint with the latest reference period is booked"}),
            );
        } else {
            journal.push_str(&purchase(pf, &format!("pact:{id}"), &host, &p)?);
            push(
                &mut report,
                "booked",
                json!({"id": id, "purchase": format!("pact:{id}"), "version": preceding.len() + 1}),
            );
        }
    }
    if !journal.is_empty() {
        let dir = std::env::temp_dir().join(format!("custody-pact-pull-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("pull.journal");
        std::fs::write(&file, &journal)?;
        let code = crate::import::run(&registry, &[file], Some(&p.entity), 500, true).await;
        let _ = std::fs::remove_dir_all(&dir);
        if code? != ExitCode::SUCCESS {
            return Ok(ExitCode::from(1));
        }
    }
    if p.format == "json" {
        println!("{report}");
    } else {
        for (k, what) in [
            ("booked", "booked"),
            ("alreadyBooked", "already booked"),
            ("newerVersions", "newer version, not booked"),
            ("notBooked", "not booked (an earlier period or another product)"),
        ] {
            for v in report[k].as_array().into_iter().flatten() {
                println!(
                    "{what}: {} {}",
                    v["id"].as_str().unwrap_or_default(),
                    v.get("replaces").and_then(Value::as_str).map(|r| format!("(replaces {r})")).unwrap_or_default()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        p: Pull,
    }

    /// The purchase text a footprint with these figures books as 1 t, loaded into a small ledger.
    fn book(pcf: &str, content: &str) -> anyhow::Result<Result<usize, String>> {
        let t = T::parse_from([
            "t",
            "https://h",
            "--client-id",
            "i",
            "--client-secret",
            "s",
            "--entity",
            "b",
            "--supplier",
            "sup",
            "--item",
            "bar",
            "--quantity",
            "1 t",
            "--date",
            "2025-05-02",
        ]);
        let pf = json!({"id": "f1", "pcf": {"declaredUnitOfMeasurement": "kilogram", "declaredUnitAmount": "1",
            "pcfExcludingBiogenicUptake": pcf, "fossilCarbonContent": content}});
        let text = purchase(&pf, "pact:f1", "h", &t.p)?;
        let head = "entity b \"B\"\n  ratios efi\n  gwp ar6\ncounterparty sup \"S\"\nitem bar \"Bar\"\n  category raw-material\n\
            period 2025-05 2025-05-01 2025-05-31\n";
        let src = custody_journal::Source { name: "pull.journal".into(), text: format!("{head}{text}") };
        Ok(custody_journal::load(&[src])
            .map(|l| l.transactions().len())
            .map_err(|(_, d)| d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")))
    }

    #[test]
    fn a_pulled_footprint_is_physical_or_not_booked() {
        // (pcf kgCO2e/kg, fossilCarbonContent kgC/kg, the code refusing it; none: booked).
        for (pcf, content, code) in [
            ("1.5", "0.04", None),
            ("1.5", "1", None),
            ("0", "0", None),
            ("1.5", "2", Some("E046 content_exceeds_mass")),
            ("0.0000000001", "0", Some("E021 overflow")),
            ("1.5", "0.0000001", Some("E021 overflow")),
        ] {
            match (book(pcf, content).unwrap(), code) {
                (Ok(n), None) => assert_eq!(n, 1),
                (Err(e), Some(c)) => assert!(e.contains(c), "{pcf} {content}: {e}"),
                (r, c) => panic!("{pcf} {content}: {r:?}, want {c:?}"),
            }
        }
        // Finer than the 18 decimals the purchase is written with: refused before booking.
        let e = book("0.0000000000000000001", "0").unwrap_err().to_string();
        assert!(e.contains("pcfExcludingBiogenicUptake") && e.contains("not booked"), "{e}");
    }
}
