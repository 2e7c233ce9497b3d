//! Chain-of-custody directives: the `pool` definition, and the pool, certificate and
//! avoided-emission operations, with their field parsers.

use super::lexer::Line;
use super::reader::{
    arg, at, choice, decimal, enum_arg, id_and_name, ident, life, month, one_measure, only, opt_value, options, word,
    Block, Field, R,
};
use custody_core::exact::{self, Q};
use custody_core::model::*;
use custody_core::ops::*;
use custody_core::units::{Dimension, Unit};

/// `0.8 tCO2e/t` (or kgCO2e/t, gCO2e/kg): grams CO2e per gram, exact.
fn co2e_intensity(f: &Field) -> R<Q> {
    let v = decimal(f, 0, "an intensity such as `1.85 tCO2e/t`")?;
    let u = arg(f, 1, "a unit such as tCO2e/t or kgCO2e/t")?;
    only(f, 2)?;
    let parsed = u.text.split_once('/').and_then(|(num, den)| {
        let mass = num.strip_suffix("CO2e")?;
        let (n, d) = (Unit::parse(mass)?, Unit::parse(den)?);
        (n.dimension == Dimension::Mass && d.dimension == Dimension::Mass).then(|| v * n.base / d.base)
    });
    parsed.map_or_else(|| at(f, Some(u), format!("`{}` is not a CO2e intensity per mass (e.g. tCO2e/t)", u.text)), Ok)
}

/// `custody MODEL`: the chain-of-custody model a receipt, sale or receive declares.
pub(super) fn custody_model(f: &Field) -> R<custody_core::coc::CustodyModel> {
    choice(
        "a chain-of-custody model",
        "identity-preserved, segregated, controlled-blending, mass-balance, book-and-claim",
        custody_core::coc::CustodyModel::parse,
    )(f)
}

fn quoted(f: &Field, what: &str) -> R<String> {
    let t = arg(f, 0, what)?;
    only(f, 1)?;
    Ok(t.text.clone())
}

fn boundary(f: &Field) -> R<custody_core::coc::Boundary> {
    use custody_core::coc::Boundary;
    let kind = arg(f, 0, "batch ID, process ID, site ID, sites A,B or company")?;
    let b = match kind.text.as_str() {
        "company" => {
            only(f, 1)?;
            return Ok(Boundary::Company);
        }
        "batch" => Boundary::Batch(ident(f, 1, "a batch id")?),
        "process" => Boundary::Process(ident(f, 1, "a process id")?),
        "site" => Boundary::Site(ident(f, 1, "a site id")?),
        "sites" => Boundary::Sites(sites(f)?),
        _ => return at(f, Some(kind), "a boundary is batch ID, process ID, site ID, sites A,B or company"),
    };
    only(f, 2)?;
    Ok(b)
}

pub(super) fn parse_pool(header: &Line, b: &mut Block) -> R<custody_core::coc::Policy> {
    use custody_core::coc::*;
    let (id, name) = id_and_name(header)?;
    let attribute = b.one(
        "attribute",
        choice(
            "an attribute",
            "low-emission-iron, green-electricity, recycled-content, certified-material, emission-intensity",
            Attribute::parse,
        ),
    )?;
    let method = b.one("method", choice("a method", "percentage, credit", Method::parse))?;
    let eligible = b.many("eligible", word("an item id"))?;
    let benchmark = b.one("benchmark", co2e_intensity)?;
    let start = b.one("start", month)?;
    let period_months = b.one("period", life)?;
    let carry_over = b.one("carry-over", |f| {
        let share = decimal(f, 0, "a share such as 100%")?;
        let n = arg(f, 1, "a number of periods")?;
        only(f, 2)?;
        match n.text.parse::<u32>() {
            Ok(max_periods) => Ok(CarryOver { max_share: share, max_periods }),
            Err(_) => at(f, Some(n), "carry-over lasts a whole number of periods"),
        }
    })?;
    let bound = b.one("boundary", boundary)?;
    let groups = b.many("group", |f| {
        let g = ident(f, 0, "a group name")?;
        let items: Vec<String> = f.args.iter().skip(1).map(|t| t.text.clone()).collect();
        if items.is_empty() {
            return at(f, None, "a product group lists its items");
        }
        Ok((g, items))
    })?;
    let group_key = b.one("group-key", choice("a physical key", "mass, energy, carbon", GroupKey::parse))?;
    let attribution =
        b.one("attribution", choice("an attribution", "proportional, non-proportional", Attribution::parse))?;
    let output = b.one(
        "output",
        choice("an output", "updated-factor, bundled-certificate, unbundled-certificate", OutputForm::parse),
    )?;
    let claim = b.one("claim", |f| quoted(f, "the inventory claims may enter"))?;
    // `conversion 0.95` (same unit in and out) or `conversion 0.0714 t/MWh` (product per attribute).
    let conversion = b.one("conversion", |f| {
        let q = decimal(f, 0, "a conversion factor")?;
        let Some(u) = f.args.get(1) else { return Ok((q, None)) };
        only(f, 2)?;
        let parsed = u.text.split_once('/').and_then(|(n, d)| Some((Unit::parse(n)?, Unit::parse(d)?)));
        match parsed {
            Some((n, d)) => Ok((q * n.base / d.base, Some((n.dimension, d.dimension)))),
            None => at(f, Some(u), format!("`{}` is not a unit ratio such as t/MWh", u.text)),
        }
    })?;
    let verified_by = b.one("verified-by", |f| quoted(f, "the verifying body"))?;
    b.finish()?;
    Ok(Policy {
        id,
        name,
        attribute: b.required(attribute, "attribute", "a pool")?,
        method: b.required(method, "method", "a pool")?,
        eligible,
        benchmark,
        start: b.required(start, "start", "a pool")?,
        period_months: b.required(period_months, "period", "a pool")?,
        carry_over,
        boundary: b.required(bound, "boundary", "a pool")?,
        groups,
        group_key: group_key.unwrap_or(GroupKey::Mass),
        attribution: b.required(attribution, "attribution", "a pool")?,
        output: b.required(output, "output", "a pool")?,
        claim: b.required(claim, "claim", "a pool")?,
        conversion: conversion.map_or_else(|| exact::q(1), |c| c.0),
        conversion_dims: conversion.and_then(|c| c.1),
        verified_by,
    })
}

pub(super) fn parse_custody(kind: &str, b: &mut Block) -> R<Option<Operation>> {
    use custody_core::coc::AvoidedBasis;
    use custody_core::ops::CustodyOp as C;
    let pool = |b: &mut Block| -> R<String> {
        let p = b.one("pool", word("a pool id"))?;
        b.required(p, "pool", kind)
    };
    let cert = |b: &mut Block| -> R<String> {
        let c = b.one("certificate", word("a certificate id"))?;
        b.required(c, "certificate", kind)
    };
    let units = |f: &Field| -> R<i64> {
        let n = arg(f, 0, "a whole number of units")?;
        only(f, 1)?;
        n.text.parse::<i64>().map_or_else(|_| at(f, Some(n), "a whole number of units"), Ok)
    };
    let op = match kind {
        "pool-input" | "pool-output" => {
            let pool = pool(b)?;
            let item = b.one("item", word("an item id"))?;
            let operation = b.one("operation", word("an operation id of this ledger"))?;
            let quantity = b.one("quantity", one_measure)?;
            let intensity = if kind == "pool-input" { b.one("intensity", co2e_intensity)? } else { None };
            let site = b.one("site", word("a site id"))?;
            let process = b.one("process", word("a process id"))?;
            let batch = b.one("batch", word("a batch id"))?;
            b.finish()?;
            let item = b.required(item, "item", kind)?;
            // From the ledger, the quantity may be left to the operation; declared, it is stated.
            let quantity = if operation.is_some() { quantity } else { Some(b.required(quantity, "quantity", kind)?) };
            if kind == "pool-input" {
                C::PoolInput { pool, item, operation, quantity, intensity, site, process, batch }
            } else {
                C::PoolOutput { pool, item, operation, quantity, site, process, batch }
            }
        }
        "pool-claim" => {
            let pool = pool(b)?;
            let output = b.one("output", word("a pool output id"))?;
            let quantity = b.one("quantity", one_measure)?;
            let factor = b.one("factor", co2e_intensity)?;
            let sale = b.one("sale", word("a sale id"))?;
            let customer = b.one("customer", word("a counterparty id"))?;
            b.finish()?;
            C::PoolClaim { pool, output, quantity: b.required(quantity, "quantity", kind)?, factor, sale, customer }
        }
        "pool-close" => {
            let pool = pool(b)?;
            let period = b.one("period", |f| {
                let n = arg(f, 0, "a period number (0 is the first)")?;
                only(f, 1)?;
                n.text.parse::<u32>().map_or_else(|_| at(f, Some(n), "a period number"), Ok)
            })?;
            b.finish()?;
            C::PoolClose { pool, period }
        }
        "certificate-issue" => {
            let pool = pool(b)?;
            let certificate = cert(b)?;
            let n = b.one("units", units)?;
            let bundled_with = b.one("bundled-with", word("a sale id"))?;
            let expires = b.one("expires", |f| {
                let t = arg(f, 0, "a date")?;
                only(f, 1)?;
                parse_date(&t.text).map_or_else(|| at(f, Some(t), "a date YYYY-MM-DD"), Ok)
            })?;
            b.finish()?;
            C::CertificateIssue { pool, certificate, units: b.required(n, "units", kind)?, bundled_with, expires }
        }
        "certificate-split" => {
            let certificate = cert(b)?;
            let n = b.one("units", units)?;
            let first = b.one("first", word("the new first certificate id"))?;
            let rest = b.one("rest", word("the new remainder certificate id"))?;
            b.finish()?;
            C::CertificateSplit {
                certificate,
                units: b.required(n, "units", kind)?,
                first: b.required(first, "first", kind)?,
                rest: b.required(rest, "rest", kind)?,
            }
        }
        "certificate-transfer" => {
            let certificate = cert(b)?;
            let to = b.one("to", word("a counterparty id"))?;
            b.finish()?;
            C::CertificateTransfer { certificate, to: b.required(to, "to", kind)? }
        }
        "certificate-receive" => {
            let certificate = cert(b)?;
            let from = b.one("from", word("the sending entity"))?;
            let block = b.one("block", |f| {
                // block ISSUER POOL PERIOD FIRST LAST [bundled-with=SALE] [expires=DATE] [sent-by=OP]
                // [named-by=HOLDER] (the holder that named the block by a split)
                let issuer = ident(f, 0, "the issuing entity")?;
                let pool = ident(f, 1, "the pool")?;
                let nums = |i: usize, what: &str| -> R<u64> {
                    let t = arg(f, i, what)?;
                    t.text.parse::<u64>().map_or_else(|_| at(f, Some(t), format!("{what} is a whole number")), Ok)
                };
                let period = u32::try_from(nums(2, "the period")?)
                    .map_or_else(|_| at(f, None, "the period is out of range"), Ok)?;
                let (first, last) = (nums(3, "the first serial")?, nums(4, "the last serial")?);
                let o = options(f, 5, &["bundled-with", "expires", "sent-by", "named-by"])?;
                let expires = match opt_value(&o, "expires") {
                    Some(d) => Some(
                        parse_date(&d).map_or_else(|| at(f, o.get("expires").copied(), "expires=YYYY-MM-DD"), Ok)?,
                    ),
                    None => None,
                };
                Ok(custody_core::coc::CertificateBlock {
                    issuer,
                    pool,
                    period,
                    first,
                    last,
                    bundled_with: opt_value(&o, "bundled-with"),
                    expires,
                    sent_by: opt_value(&o, "sent-by"),
                    named_by: opt_value(&o, "named-by"),
                })
            })?;
            b.finish()?;
            C::CertificateReceive { certificate, from: b.required(from, "from", kind)?, block }
        }
        "certificate-retire" => {
            let certificate = cert(b)?;
            let beneficiary = b.one("beneficiary", |f| quoted(f, "a beneficiary"))?;
            let purpose = b.one("purpose", |f| quoted(f, "a purpose"))?;
            let claim_period = b.one("claim-period", |f| quoted(f, "a claim period"))?;
            b.finish()?;
            C::CertificateRetire {
                certificate,
                beneficiary: b.required(beneficiary, "beneficiary", kind)?,
                purpose: b.required(purpose, "purpose", kind)?,
                claim_period: b.required(claim_period, "claim-period", kind)?,
            }
        }
        "certificate-cancel" => {
            let certificate = cert(b)?;
            let reason = b.one("reason", |f| quoted(f, "a reason"))?;
            b.finish()?;
            C::CertificateCancel { certificate, reason: b.required(reason, "reason", kind)? }
        }
        "certificate-expire" => {
            let certificate = cert(b)?;
            b.finish()?;
            C::CertificateExpire { certificate }
        }
        "avoided" => {
            let project = b.one("project", |f| quoted(f, "the reduction project"))?;
            let basis = b.one("basis", choice("a basis", "project-baseline, company-baseline", AvoidedBasis::parse))?;
            let baseline = b.one("baseline", co2e_intensity)?;
            let actual = b.one("actual", co2e_intensity)?;
            let quantity = b.one("quantity", one_measure)?;
            let allocated_to = b.one("allocated-to", |f| quoted(f, "what the reduction is allocated to"))?;
            b.finish()?;
            C::Avoided {
                project: b.required(project, "project", kind)?,
                basis: b.required(basis, "basis", kind)?,
                baseline: b.required(baseline, "baseline", kind)?,
                actual: b.required(actual, "actual", kind)?,
                quantity: b.required(quantity, "quantity", kind)?,
                allocated_to,
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(Operation::Custody(op)))
}

/// `sites A,B,...`: each a site id.
fn sites(f: &Field) -> R<Vec<String>> {
    let t = arg(f, 1, "sites A,B,...")?;
    let mut out = Vec::new();
    for part in t.text.split(',') {
        if let Err(e) = custody_core::id::check_id(part) {
            return at(f, Some(t), format!("`{part}` is not a site id: {e}"));
        }
        out.push(part.to_string());
    }
    Ok(out)
}

/// A receive's claimed view (filled by a registry from the seller's pool; docs/journal.md):
/// `claim POOL PERIOD METHOD ATTRIBUTION open|closed site|wide LOWEST-N/D|-`, `claim-line claimed|residual QTY N/D G
/// [CLAIM]` (base units, g CO2e per base unit as an exact fraction, g CO2e), `claim-verifier
/// "NAME"`, `claim-certificate ID` (`NAMER/ID` for a part a holder named).
pub(super) fn received_claim(b: &mut Block) -> R<Option<custody_core::coc::ReceivedClaim>> {
    use custody_core::coc::{Attribution, Method, ReceivedClaim, ReceivedLine, SaleKind};
    let int = |f: &Field, i: usize, what: &str| -> R<i64> {
        let t = arg(f, i, what)?;
        t.text.parse::<i64>().or_else(|_| at(f, Some(t), format!("`{}` is not {what}", t.text)))
    };
    let head = b.one("claim", |f| {
        let pool = ident(f, 0, "a pool id")?;
        let period = int(f, 1, "a pool period number")?;
        let method = enum_arg(f, 2, "a pool method", &Method::names(), Method::parse)?;
        let attribution = enum_arg(f, 3, "an attribution", &Attribution::names(), Attribution::parse)?;
        let closed = enum_arg(f, 4, "open or closed", "open, closed", |s| match s {
            "open" => Some(false),
            "closed" => Some(true),
            _ => None,
        })?;
        let site_level = enum_arg(f, 5, "site or wide", "site, wide", |s| match s {
            "site" => Some(true),
            "wide" => Some(false),
            _ => None,
        })?;
        let lt = arg(f, 6, "the lowest input N/D or -")?;
        let lowest = match lt.text.as_str() {
            "-" => None,
            t => match fraction(t) {
                Some(q) => Some(q),
                None => return at(f, Some(lt), "the lowest input is an exact fraction N/D, or -"),
            },
        };
        only(f, 7)?;
        Ok((pool, period, method, attribution, closed, site_level, lowest))
    })?;
    let lines = b.many("claim-line", |f| {
        let kind = enum_arg(f, 0, "claimed or residual", &SaleKind::names(), SaleKind::parse)?;
        let quantity = int(f, 1, "a quantity in base units")?;
        let ft = arg(f, 2, "a factor N/D (g CO2e per base unit)")?;
        let factor = fraction(&ft.text);
        let Some(factor) = factor else { return at(f, Some(ft), "a factor is an exact fraction N/D") };
        let co2e_g = int(f, 3, "grams of CO2e")?;
        let claim = f.args.get(4).map(|t| t.text.clone());
        only(f, 5)?;
        Ok(ReceivedLine { kind, quantity, factor, co2e_g, claim })
    })?;
    let verifier = b.one("claim-verifier", |f| quoted(f, "a verifier"))?;
    let certificates = b.many("claim-certificate", word("a certificate id"))?;
    match head {
        None if lines.is_empty() && verifier.is_none() && certificates.is_empty() => Ok(None),
        None => at_header(b, "`claim-line`, `claim-verifier` and `claim-certificate` follow a `claim` line"),
        Some((pool, period, method, attribution, closed, site_level, lowest_input)) => Ok(Some(ReceivedClaim {
            pool,
            period: u32::try_from(period).unwrap_or(u32::MAX),
            method,
            attribution,
            closed,
            verifier,
            site_level,
            lowest_input,
            certificates,
            lines,
        })),
    }
}

/// An exact fraction `N/D` (D > 0).
fn fraction(t: &str) -> Option<Q> {
    let (n, d) = t.split_once('/')?;
    let (n, d) = (n.parse::<i128>().ok()?, d.parse::<i128>().ok()?);
    (d > 0).then(|| Q::new(n, d))
}

fn at_header<T>(b: &Block, msg: &str) -> R<T> {
    Err((b.header.no, 1, msg.to_string()))
}
