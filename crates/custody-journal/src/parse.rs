//! Tokenizer and parser: text -> entries with spans -> ledger.

use custody_core::chart::{Account, Role, Side};
use custody_core::exact::{self, Q};
use custody_core::model::*;
use custody_core::ops::*;
use custody_core::units::{CarbonRatios, Dimension, Gwp, Intensity, Measure, Property, Species, SpeciesMass, Unit};
use custody_core::{Entity, Ledger};
use std::collections::BTreeMap;
use std::fmt;

/// One journal text and the name errors are reported under.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// An error at a place in a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

#[derive(Debug, Clone)]
struct Token {
    text: String,
    col: usize,
    quoted: bool,
}

#[derive(Debug, Clone)]
struct Line {
    no: usize,
    indented: bool,
    tokens: Vec<Token>,
}

fn tokenize(line: &str) -> Result<Vec<Token>, (usize, String)> {
    let chars: Vec<char> = line.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '#' {
            break;
        }
        let col = i + 1;
        if c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err((col, "unterminated string: add the closing `\"`".into())),
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        match chars.get(i + 1) {
                            Some('"') => s.push('"'),
                            Some('\\') => s.push('\\'),
                            Some('n') => s.push('\n'),
                            _ => return Err((i + 1, "unknown escape: use \\\" \\\\ or \\n".into())),
                        }
                        i += 2;
                    }
                    Some(ch) => {
                        s.push(*ch);
                        i += 1;
                    }
                }
            }
            tokens.push(Token { text: s, col, quoted: true });
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() {
                i += 1;
            }
            tokens.push(Token { text: chars[start..i].iter().collect(), col, quoted: false });
        }
    }
    Ok(tokens)
}

/// A parsed journal entry with the place it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Entity(Entity),
    Counterparty(Counterparty),
    Account(Account),
    Item(Item),
    Asset(Asset),
    Period(Period),
    Close(String),
    Pool(custody_core::coc::Policy),
    Target(Target),
    Op(Op),
}

#[derive(Debug, Clone)]
pub struct Spanned {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub entry: Entry,
}

struct Ctx<'a> {
    file: &'a str,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn err(&mut self, line: usize, column: usize, message: impl Into<String>) {
        self.diags.push(Diagnostic { file: self.file.to_string(), line, column, message: message.into() });
    }
}

/// A field line of a block: its key and the tokens after it.
struct Field<'a> {
    line: usize,
    key: &'a Token,
    args: &'a [Token],
}

impl Field<'_> {
    fn end_col(&self) -> usize {
        self.args.last().map(|t| t.col + t.text.chars().count()).unwrap_or(self.key.col + self.key.text.len())
    }
}

type R<T> = Result<T, (usize, usize, String)>;

fn at<T>(f: &Field, tok: Option<&Token>, msg: impl Into<String>) -> R<T> {
    let col = tok.map(|t| t.col).unwrap_or_else(|| f.end_col() + 1);
    Err((f.line, col, msg.into()))
}

fn arg<'a>(f: &'a Field, i: usize, what: &str) -> R<&'a Token> {
    match f.args.get(i) {
        Some(t) => Ok(t),
        None => at(f, None, format!("`{}` needs {what}", f.key.text)),
    }
}

fn only(f: &Field, n: usize) -> R<()> {
    match f.args.get(n) {
        Some(t) => at(f, Some(t), format!("unexpected `{}` after `{}`", t.text, f.key.text)),
        None => Ok(()),
    }
}

fn ident(f: &Field, i: usize, what: &str) -> R<String> {
    let t = arg(f, i, what)?;
    if t.text.is_empty() {
        return at(f, Some(t), format!("{what} must not be empty"));
    }
    Ok(t.text.clone())
}

fn measure(f: &Field, i: usize) -> R<Measure> {
    let v = arg(f, i, "a quantity such as `137000 t`")?;
    let u = arg(f, i + 1, "a unit after the number")?;
    let Some(value) = exact::parse_decimal(&v.text) else {
        return at(f, Some(v), format!("`{}` is not a number", v.text));
    };
    match Unit::parse(&u.text) {
        Some(unit) => Ok(Measure { value, unit }),
        None => at(
            f,
            Some(u),
            format!("unknown unit `{}` (one of: {})", u.text, Unit::names().collect::<Vec<_>>().join(", ")),
        ),
    }
}

fn species_mass(f: &Field, i: usize) -> R<SpeciesMass> {
    let v = arg(f, i, "an amount such as `401 tCO2`")?;
    let u = arg(f, i + 1, "a unit such as `tCO2` or `tC`")?;
    if exact::parse_decimal(&v.text).is_none() {
        return at(f, Some(v), format!("`{}` is not a number", v.text));
    }
    match SpeciesMass::parse(&v.text, &u.text) {
        Some(m) => Ok(m),
        None => at(
            f,
            Some(u),
            format!("`{}` is not a mass of a species (g|kg|t|kt|Mt + CO2|CH4|CO|VOC|N2O|SF6|CF4|C2F6|C)", u.text),
        ),
    }
}

fn intensity(f: &Field, i: usize) -> R<Intensity> {
    let v = arg(f, i, "an intensity such as `675.28 gCO2/kWh`")?;
    let u = arg(f, i + 1, "a unit such as `gCO2/kWh`")?;
    if exact::parse_decimal(&v.text).is_none() {
        return at(f, Some(v), format!("`{}` is not a number", v.text));
    }
    match Intensity::parse(&v.text, &u.text) {
        Some(x) => Ok(x),
        None => {
            at(f, Some(u), format!("`{}` is not an intensity (species mass per unit, e.g. gCO2/kWh, kgCH4/t)", u.text))
        }
    }
}

fn property(f: &Field, i: usize) -> R<Property> {
    let v = arg(f, i, "a value such as `47.14 MJ/kg`")?;
    let u = arg(f, i + 1, "a unit such as `MJ/kg` or `kg/m3`")?;
    if exact::parse_decimal(&v.text).is_none() {
        return at(f, Some(v), format!("`{}` is not a number", v.text));
    }
    match Property::parse(&v.text, &u.text) {
        Some(p) => Ok(p),
        None => at(f, Some(u), format!("`{}` is not a unit ratio such as MJ/kg or kg/m3", u.text)),
    }
}

fn decimal(f: &Field, i: usize, what: &str) -> R<Q> {
    let t = arg(f, i, what)?;
    match exact::parse_decimal(&t.text) {
        Some(q) => Ok(q),
        None => at(f, Some(t), format!("`{}` is not a number", t.text)),
    }
}

fn enum_arg<T>(f: &Field, i: usize, what: &str, options: &str, parse: impl Fn(&str) -> Option<T>) -> R<T> {
    let t = arg(f, i, what)?;
    match parse(&t.text) {
        Some(x) => Ok(x),
        None => at(f, Some(t), format!("`{}` is not {what} (one of: {options})", t.text)),
    }
}

/// `key=value` options after the positional arguments.
fn options<'a>(f: &'a Field, from: usize, allowed: &[&str]) -> R<BTreeMap<&'a str, &'a Token>> {
    let mut m = BTreeMap::new();
    for t in f.args.iter().skip(from) {
        let Some((k, _)) = t.text.split_once('=') else {
            return at(f, Some(t), format!("expected `key=value` ({}), found `{}`", allowed.join(", "), t.text));
        };
        if !allowed.contains(&k) {
            return at(f, Some(t), format!("unknown option `{k}` (one of: {})", allowed.join(", ")));
        }
        if m.insert(k, t).is_some() {
            return at(f, Some(t), format!("option `{k}` given twice"));
        }
    }
    Ok(m)
}

fn opt_value(m: &BTreeMap<&str, &Token>, k: &str) -> Option<String> {
    m.get(k).map(|t| t.text.split_once('=').map(|(_, v)| v.to_string()).unwrap_or_default())
}

/// The fields of one block, read by key. Every field must be asked for by some key: the first
/// one nobody asked for is reported as unknown, naming the keys that were expected.
struct Block<'a> {
    header: &'a Line,
    fields: Vec<Field<'a>>,
    taken: Vec<bool>,
    keys: Vec<&'static str>,
}

impl<'a> Block<'a> {
    fn new(header: &'a Line, body: &'a [Line]) -> Block<'a> {
        let fields: Vec<Field> =
            body.iter().map(|l| Field { line: l.no, key: &l.tokens[0], args: &l.tokens[1..] }).collect();
        let taken = vec![false; fields.len()];
        Block { header, fields, taken, keys: Vec::new() }
    }

    /// Every field with this key, parsed, in order.
    fn many<T>(&mut self, key: &'static str, parse: impl Fn(&Field) -> R<T>) -> R<Vec<T>> {
        self.keys.push(key);
        let mut out = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            if f.key.text == key {
                self.taken[i] = true;
                out.push(parse(f)?);
            }
        }
        Ok(out)
    }

    /// A field that may appear at most once.
    fn one<T>(&mut self, key: &'static str, parse: impl Fn(&Field) -> R<T>) -> R<Option<T>> {
        self.keys.push(key);
        let mut out = None;
        for (i, f) in self.fields.iter().enumerate() {
            if f.key.text == key {
                self.taken[i] = true;
                if out.is_some() {
                    return at(f, Some(f.key), format!("`{key}` given twice"));
                }
                out = Some(parse(f)?);
            }
        }
        Ok(out)
    }

    /// Reports the first field no key asked for.
    fn finish(&self) -> R<()> {
        match self.fields.iter().zip(&self.taken).find(|(_, t)| !**t) {
            None => Ok(()),
            Some((f, _)) if self.keys.is_empty() => {
                at(f, Some(f.key), format!("`{}` takes no fields", self.header.tokens[0].text))
            }
            Some((f, _)) => at(
                f,
                Some(f.key),
                format!("unknown field `{}` here (expected one of: {})", f.key.text, self.keys.join(", ")),
            ),
        }
    }

    /// A value that must be present, or an error at the header naming the missing key.
    fn required<T>(&self, value: Option<T>, key: &str, what: &str) -> R<T> {
        value.ok_or_else(|| (self.header.no, self.header.tokens[0].col, format!("{what} needs a `{key}` line")))
    }

    fn non_empty<T>(&self, values: Vec<T>, key: &str, what: &str) -> R<Vec<T>> {
        if values.is_empty() {
            return self.required(None, key, what);
        }
        Ok(values)
    }
}

// Field parsers: each reads a whole field line and rejects anything after its arguments.

fn word(what: &'static str) -> impl Fn(&Field) -> R<String> {
    move |f| {
        let v = ident(f, 0, what)?;
        only(f, 1)?;
        Ok(v)
    }
}

fn one_measure(f: &Field) -> R<Measure> {
    let v = measure(f, 0)?;
    only(f, 2)?;
    Ok(v)
}

fn one_species_mass(f: &Field) -> R<SpeciesMass> {
    let v = species_mass(f, 0)?;
    only(f, 2)?;
    Ok(v)
}

fn one_intensity(f: &Field) -> R<Intensity> {
    let v = intensity(f, 0)?;
    only(f, 2)?;
    Ok(v)
}

fn choice<T>(what: &'static str, options: &'static str, parse: impl Fn(&str) -> Option<T>) -> impl Fn(&Field) -> R<T> {
    move |f| {
        let v = enum_arg(f, 0, what, options, &parse)?;
        only(f, 1)?;
        Ok(v)
    }
}

fn header_arg(header: &Line, i: usize, what: &str) -> R<String> {
    match header.tokens.get(i) {
        Some(t) => Ok(t.text.clone()),
        None => {
            let last = header.tokens.last().map(|t| t.col + t.text.chars().count() + 1).unwrap_or(1);
            Err((header.no, last, format!("`{}` needs {what}", header.tokens[0].text)))
        }
    }
}

fn header_name(header: &Line, i: usize) -> R<String> {
    match header.tokens.get(i) {
        Some(t) if t.quoted => Ok(t.text.clone()),
        Some(t) => Err((header.no, t.col, format!("names are quoted: \"{}\"", t.text))),
        None => Ok(String::new()),
    }
}

fn header_only(header: &Line, n: usize) -> R<()> {
    match header.tokens.get(n) {
        Some(t) => Err((header.no, t.col, format!("unexpected `{}`", t.text))),
        None => Ok(()),
    }
}

/// `KEYWORD ID "Name"`: the id and the (optional, quoted) name.
fn id_and_name(header: &Line) -> R<(String, String)> {
    let id = header_arg(header, 1, "an id")?;
    let name = header_name(header, 2)?;
    header_only(header, 3)?;
    Ok((id, name))
}

fn carbon_fraction(f: &Field) -> R<Q> {
    let q = decimal(f, 0, "a mass fraction such as 0.722 or 72.2%")?;
    only(f, 1)?;
    if q < exact::q(0) || q > exact::q(1) {
        return at(f, f.args.first(), "carbon content is a mass fraction between 0 and 1");
    }
    Ok(q)
}

fn item_property(f: &Field) -> R<Property> {
    let p = property(f, 0)?;
    only(f, 2)?;
    Ok(p)
}

fn life(f: &Field) -> R<u32> {
    let n = arg(f, 0, "a number")?;
    let unit = arg(f, 1, "`months` or `years`")?;
    only(f, 2)?;
    let Ok(count) = n.text.parse::<u32>() else {
        return at(f, Some(n), format!("`{}` is not a whole number", n.text));
    };
    let months = match unit.text.as_str() {
        "months" | "month" => Some(count),
        "years" | "year" => count.checked_mul(12),
        _ => return at(f, Some(unit), "useful life is in `months` or `years`"),
    };
    match months {
        Some(m) => Ok(m),
        None => at(f, Some(n), "useful life is too long"),
    }
}

fn month(f: &Field) -> R<MonthIndex> {
    let t = arg(f, 0, "a month YYYY-MM")?;
    only(f, 1)?;
    match MonthIndex::parse(&t.text) {
        Some(m) => Ok(m),
        None => at(f, Some(t), format!("`{}` is not a month YYYY-MM", t.text)),
    }
}

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
fn custody_model(f: &Field) -> R<custody_core::coc::CustodyModel> {
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
        "sites" => Boundary::Sites(ident(f, 1, "sites A,B,...")?.split(',').map(str::to_string).collect()),
        _ => return at(f, Some(kind), "a boundary is batch ID, process ID, site ID, sites A,B or company"),
    };
    only(f, 2)?;
    Ok(b)
}

fn parse_pool(header: &Line, b: &mut Block) -> R<custody_core::coc::Policy> {
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

fn parse_custody(kind: &str, b: &mut Block) -> R<Option<Operation>> {
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
            b.finish()?;
            C::PoolClaim { pool, output, quantity: b.required(quantity, "quantity", kind)?, factor }
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
                // block POOL PERIOD PREFIX FIRST LAST [bundled-with=SALE] [expires=DATE]
                let pool = ident(f, 0, "the pool")?;
                let nums = |i: usize, what: &str| -> R<u64> {
                    let t = arg(f, i, what)?;
                    t.text.parse::<u64>().map_or_else(|_| at(f, Some(t), format!("{what} is a whole number")), Ok)
                };
                let period = nums(1, "the period")? as u32;
                let prefix = ident(f, 2, "the serial prefix")?;
                let (first, last) = (nums(3, "the first serial")?, nums(4, "the last serial")?);
                let o = options(f, 5, &["bundled-with", "expires"])?;
                let expires = match opt_value(&o, "expires") {
                    Some(d) => Some(
                        parse_date(&d).map_or_else(|| at(f, o.get("expires").copied(), "expires=YYYY-MM-DD"), Ok)?,
                    ),
                    None => None,
                };
                Ok(custody_core::coc::CertificateBlock {
                    pool,
                    period,
                    prefix,
                    first,
                    last,
                    bundled_with: opt_value(&o, "bundled-with"),
                    expires,
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

fn parse_block(header: &Line, body: &[Line]) -> R<Entry> {
    let mut b = Block::new(header, body);
    let head = &header.tokens[0];
    let entry = match head.text.as_str() {
        "entity" => {
            let (id, name) = id_and_name(header)?;
            let ratios = b.one("ratios", choice("a ratio table", "efi, molar", CarbonRatios::parse))?;
            let gwp = b.one("gwp", choice("a GWP table", "ar5, ar6", Gwp::parse))?;
            b.finish()?;
            Entry::Entity(Entity {
                id,
                name,
                ratios: b.required(ratios, "ratios", "an entity")?,
                gwp: b.required(gwp, "gwp", "an entity")?,
            })
        }
        "counterparty" => {
            let (id, name) = id_and_name(header)?;
            b.finish()?;
            Entry::Counterparty(Counterparty { id, name })
        }
        "account" => {
            let code = header_arg(header, 1, "a code")?;
            let side = match header_arg(header, 2, "a side (stock or flow)")?.as_str() {
                "stock" => Side::Stock,
                "flow" => Side::Flow,
                other => {
                    return Err((header.no, header.tokens[2].col, format!("`{other}` is not a side (stock or flow)")))
                }
            };
            let name = header_name(header, 3)?;
            header_only(header, 4)?;
            b.finish()?;
            Entry::Account(Account { code, name, side, role: Role::Custom })
        }
        "item" => {
            let (id, name) = id_and_name(header)?;
            let category = b.one(
                "category",
                choice("a category", "raw-material, fuel, electricity, product, byproduct, waste", Category::parse),
            )?;
            let measure_dim = b.one(
                "measure",
                choice("a measure", "mass, energy", |s| match s {
                    "mass" => Some(Dimension::Mass),
                    "energy" => Some(Dimension::Energy),
                    _ => None,
                }),
            )?;
            let costing = b.one("costing", choice("a costing method", "mwa, fifo, specific", Costing::parse))?;
            let carbon_content = b.one("carbon-content", carbon_fraction)?;
            let energy = b.many("energy-content", |f| {
                let p = item_property(f)?;
                match (p.num.dimension, p.den.dimension) {
                    (Dimension::Energy, Dimension::Mass | Dimension::Volume) => Ok(p),
                    _ => at(f, f.args.get(1), "energy content is energy per mass or volume, e.g. MJ/kg, MJ/m3"),
                }
            })?;
            let ferrous = b.one("ferrous", |f| {
                let kind = enum_arg(f, 0, "scrap or primary", "scrap, primary", Ferrous::parse)?;
                let frac = decimal(f, 1, "a metallic fraction such as 98%")?;
                only(f, 2)?;
                if frac <= exact::q(0) || frac > exact::q(1) {
                    return at(f, f.args.get(1), "a metallic fraction is above 0 and at most 1");
                }
                Ok((kind, frac))
            })?;
            let density = b.one("density", |f| {
                let p = item_property(f)?;
                if p.num.dimension != Dimension::Mass || p.den.dimension != Dimension::Volume {
                    return at(f, f.args.get(1), "density is mass per volume, e.g. kg/m3");
                }
                Ok(p)
            })?;
            b.finish()?;
            let per = |d: Dimension| {
                let mut it = energy.iter().filter(|p| p.den.dimension == d);
                match (it.next(), it.next()) {
                    (_, Some(_)) => {
                        Err((header.no, head.col, format!("item `{id}` gives two energy contents per {}", d.as_str())))
                    }
                    (first, None) => Ok(first.copied()),
                }
            };
            let category = b.required(category, "category", "an item")?;
            Entry::Item(Item {
                measure: measure_dim.unwrap_or(if category == Category::Electricity {
                    Dimension::Energy
                } else {
                    Dimension::Mass
                }),
                category,
                costing: costing.unwrap_or_default(),
                carbon_content,
                energy_content: per(Dimension::Mass)?,
                volumetric_energy: per(Dimension::Volume)?,
                density,
                ferrous,
                id,
                name,
            })
        }
        "asset" => {
            let (id, name) = id_and_name(header)?;
            let in_service = b.one("in-service", month)?;
            let life_months = b.one("life", life)?;
            b.finish()?;
            Entry::Asset(Asset {
                id,
                name,
                in_service: b.required(in_service, "in-service", "an asset")?,
                life_months: b.required(life_months, "life", "an asset")?,
            })
        }
        "period" => {
            let id = header_arg(header, 1, "an id")?;
            let start = header_date(header, 2)?;
            let end = header_date(header, 3)?;
            header_only(header, 4)?;
            b.finish()?;
            Entry::Period(Period { id, start, end, closed: false })
        }
        "pool" => Entry::Pool(parse_pool(header, &mut b)?),
        "target" => {
            let (id, name) = id_and_name(header)?;
            let baseline = b.one("baseline", |f| {
                let v = decimal(f, 0, "a baseline such as 52000 tCO2e")?;
                let u = arg(f, 1, "tCO2e or kgCO2e")?;
                only(f, 2)?;
                match u.text.as_str() {
                    "tCO2e" => Ok(v * exact::q(1_000_000)),
                    "kgCO2e" => Ok(v * exact::q(1_000)),
                    _ => at(f, Some(u), "a baseline is in tCO2e or kgCO2e"),
                }
            })?;
            let baseline_period = b.one("baseline-period", word("a period id of this ledger"))?;
            let year_of = |what: &'static str| {
                move |f: &Field| {
                    let t = arg(f, 0, what)?;
                    only(f, 1)?;
                    t.text.parse::<i32>().map_or_else(|_| at(f, Some(t), format!("{what} is a year such as 2030")), Ok)
                }
            };
            let baseline_year = b.one("baseline-year", year_of("the baseline year"))?;
            let reduction = b.one("reduction", |f| {
                let q = decimal(f, 0, "a reduction such as 30%")?;
                only(f, 1)?;
                Ok(q)
            })?;
            let year = b.one("year", year_of("the target year"))?;
            b.finish()?;
            Entry::Target(Target {
                id,
                name,
                baseline,
                baseline_period,
                baseline_year: b.required(baseline_year, "baseline-year", "a target")?,
                reduction: b.required(reduction, "reduction", "a target")?,
                year: b.required(year, "year", "a target")?,
            })
        }
        "close" => {
            let id = header_arg(header, 1, "a period id")?;
            header_only(header, 2)?;
            b.finish()?;
            Entry::Close(id)
        }
        text if text.starts_with(|c: char| c.is_ascii_digit()) => {
            let date = header_date(header, 0)?;
            let kind = header_arg(header, 1, "an operation (opening, purchase, consume, emit, capture, produce, capitalise, depreciate, sell, txn, reverse, obtain)")?;
            let id = header_arg(header, 2, "an id")?;
            let memo = header_name(header, 3)?;
            header_only(header, 4)?;
            let body = parse_op(&mut b, &kind)?;
            Entry::Op(Op { id, date, memo, body })
        }
        other => {
            return Err((
                header.no,
                head.col,
                format!(
                "unknown directive `{other}` (entity, counterparty, account, item, asset, period, pool, target, close, or a date)"
            ),
            ))
        }
    };
    Ok(entry)
}

fn header_date(header: &Line, i: usize) -> R<Date> {
    let s = header_arg(header, i, "a date YYYY-MM-DD")?;
    parse_date(&s).ok_or((header.no, header.tokens[i].col, format!("`{s}` is not a date YYYY-MM-DD")))
}

fn output(f: &Field) -> R<Output> {
    let item = ident(f, 0, "an item id")?;
    let quantity = measure(f, 1)?;
    let mut o = Output { item, quantity, content: None, value: None, cut_off: false };
    let mut i = 3;
    while let Some(t) = f.args.get(i) {
        match t.text.as_str() {
            "content" if o.content.is_none() => {
                o.content = Some(species_mass(f, i + 1)?);
                i += 3;
            }
            "value" if o.value.is_none() => {
                o.value = Some(decimal(f, i + 1, "an economic value")?);
                i += 2;
            }
            "cut-off" if !o.cut_off => {
                o.cut_off = true;
                i += 1;
            }
            _ => return at(f, Some(t), format!("unexpected `{}` (content N tC, value N, cut-off)", t.text)),
        }
    }
    Ok(o)
}

fn sale_line(f: &Field) -> R<SaleLine> {
    let customer = ident(f, 0, "a counterparty id")?;
    let t = arg(f, 1, "`share P%` or a quantity")?;
    if t.text == "share" {
        let share = decimal(f, 2, "a share such as 48.1%")?;
        only(f, 3)?;
        Ok(SaleLine { customer, share: Some(share), quantity: None })
    } else {
        let q = measure(f, 1)?;
        only(f, 3)?;
        Ok(SaleLine { customer, share: None, quantity: Some(q) })
    }
}

fn depreciation_target(f: &Field) -> R<(String, Q)> {
    let item = ident(f, 0, "a product id")?;
    let weight = match f.args.get(1) {
        Some(t) if t.text == "weight" => {
            let w = decimal(f, 2, "a weight")?;
            only(f, 3)?;
            w
        }
        Some(t) => return at(f, Some(t), format!("unexpected `{}` (weight N)", t.text)),
        None => exact::q(1),
    };
    Ok((item, weight))
}

fn co2e_quantity(f: &Field) -> R<Q> {
    let v = decimal(f, 0, "an amount such as `100 tCO2e`")?;
    let u = arg(f, 1, "a unit gCO2e, kgCO2e or tCO2e")?;
    only(f, 2)?;
    let scale = match u.text.as_str() {
        "gCO2e" => 1,
        "kgCO2e" => 1_000,
        "tCO2e" => 1_000_000,
        _ => return at(f, Some(u), "instruments are counted in gCO2e, kgCO2e or tCO2e"),
    };
    Ok(v * exact::q(scale))
}

fn meta_line(f: &Field) -> R<(String, String)> {
    let k = ident(f, 0, "a key")?;
    let v = arg(f, 1, "a value")?.text.clone();
    only(f, 2)?;
    Ok((k, v))
}

fn parse_op(b: &mut Block, kind: &str) -> R<Operation> {
    if let Some(op) = parse_custody(kind, b)? {
        return Ok(op);
    }
    let op = match kind {
        "opening" | "purchase" => {
            let counterparty = if kind == "purchase" { b.one("supplier", word("a counterparty id"))? } else { None };
            let item = b.one("item", word("an item id"))?;
            let r = Receipt {
                counterparty,
                item: String::new(),
                quantity: b.one("quantity", one_measure)?,
                lot: b.one("lot", word("a lot id"))?,
                site: b.one("site", word("a site id"))?,
                factors: b.many("factor", one_intensity)?,
                attributed: b.many("attributed", one_species_mass)?,
                content: b.one("content", one_species_mass)?,
                custody: b.one("custody", custody_model)?,
            };
            b.finish()?;
            let r = Receipt { item: b.required(item, "item", kind)?, ..r };
            if kind == "purchase" {
                Operation::Purchase(r)
            } else {
                Operation::Opening(r)
            }
        }
        "capitalise" => {
            let asset = b.one("asset", word("an asset id"))?;
            let c = Capitalise {
                asset: String::new(),
                counterparty: b.one("counterparty", word("a counterparty id"))?,
                site: b.one("site", word("a site id"))?,
                amounts: b.many("amount", one_species_mass)?,
            };
            b.finish()?;
            Operation::Capitalise(Capitalise { asset: b.required(asset, "asset", "capitalise")?, ..c })
        }
        "consume" => {
            let site = b.one("site", word("a site id"))?;
            let uses = b.many("use", |f| {
                let item = ident(f, 0, "an item id")?;
                let quantity = measure(f, 1)?;
                let o = options(f, 3, &["lot"])?;
                Ok(Use { item, quantity, lot: opt_value(&o, "lot") })
            })?;
            b.finish()?;
            Operation::Consume(Consume { site, uses: b.non_empty(uses, "use", "consume")? })
        }
        "emit" => {
            let site = b.one("site", word("a site id"))?;
            let emissions = b.many("emission", one_species_mass)?;
            b.finish()?;
            Operation::Emit(Emit { site, emissions: b.non_empty(emissions, "emission", "emit")? })
        }
        "capture" => {
            let site = b.one("site", word("a site id"))?;
            let operator = b.one("operator", word("a counterparty id"))?;
            let captured = b.many("captured", one_species_mass)?;
            let process = b.many("process", one_species_mass)?;
            b.finish()?;
            Operation::Capture(Capture { site, operator: b.required(operator, "operator", "capture")?, captured, process })
        }
        "produce" => {
            let site = b.one("site", word("a site id"))?;
            let key = b.one("allocation", choice("an allocation key", "mass, energy, carbon, value", AllocationKey::parse))?;
            let outputs = b.many("output", output)?;
            b.finish()?;
            Operation::Produce(Produce {
                site,
                key: key.unwrap_or_default(),
                outputs: b.non_empty(outputs, "output", "produce")?,
            })
        }
        "depreciate" => {
            let asset = b.one("asset", word("an asset id"))?;
            let site = b.one("site", word("a site id"))?;
            let to = b.many("to", depreciation_target)?;
            b.finish()?;
            Operation::Depreciate(Depreciate {
                asset: b.required(asset, "asset", "depreciate")?,
                site,
                to: b.non_empty(to, "to", "depreciate")?,
            })
        }
        "sell" => {
            let item = b.one("item", word("a product id"))?;
            let s = Sell {
                item: String::new(),
                site: b.one("site", word("a site id"))?,
                lot: b.one("lot", word("a lot id"))?,
                quantity: b.one("quantity", one_measure)?,
                lines: b.many("customer", sale_line)?,
                transport: b.many("transport", one_intensity)?,
                carrier: b.one("carrier", word("a counterparty id"))?,
                custody: b.one("custody", custody_model)?,
            };
            b.finish()?;
            let lines = b.non_empty(s.lines.clone(), "customer", "sell")?;
            Operation::Sell(Sell { item: b.required(item, "item", "sell")?, lines, ..s })
        }
        "reverse" => {
            let of = b.one("of", word("a transaction id"))?;
            b.finish()?;
            Operation::Reverse { of: b.required(of, "of", "reverse")? }
        }
        "obtain" => {
            let kind = b.one("instrument", choice("an instrument", "removal, eac", InstrumentKind::parse))?;
            let amount = b.one("quantity", co2e_quantity)?;
            let counterparty = b.one("counterparty", word("a counterparty id"))?;
            b.finish()?;
            Operation::Obtain(Obtain {
                kind: b.required(kind, "instrument", "obtain")?,
                co2e_grams: b.required(amount, "quantity", "obtain")?,
                counterparty,
            })
        }
        "receive" => {
            let transfer = b.one("transfer", word("a transfer id (SELLER/SALE/CUSTOMER)"))?;
            let item = b.one("item", word("an item id"))?;
            let r = Receive {
                transfer: String::new(),
                item: String::new(),
                supplier: b.one("supplier", word("a counterparty id"))?,
                custody: b.one("custody", custody_model)?,
                lot: b.one("lot", word("a lot id"))?,
                site: b.one("site", word("a site id"))?,
                quantity: b.one("quantity", |f| {
                    let n = arg(f, 0, "a quantity in base units (g or kJ)")?;
                    match f.args.get(1) {
                        Some(t) if t.text == "g" || t.text == "kJ" => only(f, 2)?,
                        _ => only(f, 1)?,
                    }
                    exact::parse_decimal(&n.text).and_then(whole).map_or_else(
                        || at(f, Some(n), "a transfer quantity is a whole number of base units (g or kJ)"),
                        Ok,
                    )
                })?,
                amounts: b.many("amount", |f| {
                    let form = enum_arg(f, 0, "a form", "content, emissions", TransferForm::parse)?;
                    let sp = arg(f, 1, "a species")?;
                    let Ok(species) = sp.text.parse::<Species>() else {
                        return at(f, Some(sp), format!("`{}` is not a species", sp.text));
                    };
                    let n = arg(f, 2, "an amount in base units")?;
                    let unit = arg(f, 3, "gC (or g for N2O and SF6)")?;
                    only(f, 4)?;
                    if unit.text != if species.is_carbon() { "gC" } else { "g" } {
                        return at(f, Some(unit), "transfer amounts are exact base units: gC (g for N2O, SF6)");
                    }
                    match exact::parse_decimal(&n.text).and_then(whole) {
                        Some(a) => Ok((form, species, a)),
                        None => at(f, Some(n), "an amount is a whole number of base units"),
                    }
                })?,
            };
            b.finish()?;
            Operation::Receive(Receive {
                transfer: b.required(transfer, "transfer", "receive")?,
                item: b.required(item, "item", "receive")?,
                ..r
            })
        }
        "return" => {
            let sale = b.one("sale", word("a sale id"))?;
            let customer = b.one("customer", word("a counterparty id"))?;
            b.finish()?;
            Operation::Return(Return {
                sale: b.required(sale, "sale", "return")?,
                customer: b.required(customer, "customer", "return")?,
            })
        }
        "txn" => {
            let kind = b.one(
                "kind",
                choice(
                    "a transaction kind",
                    "opening, capitalise, purchase, consume, emit, capture, produce, depreciate, sell, txn, reverse, receive, return",
                    TxKind::parse,
                ),
            )?;
            let raw = Raw {
                kind: kind.unwrap_or(TxKind::Raw),
                description: String::new(),
                reverses: b.one("reverses", word("a transaction id"))?,
                meta: b.many("meta", meta_line)?.into_iter().collect(),
                postings: b.many("post", parse_posting)?,
                movements: b.many("move", parse_movement)?,
            };
            b.finish()?;
            Operation::Raw(raw)
        }
        other => {
            return Err((
                b.header.no,
                b.header.tokens[1].col,
                format!("unknown operation `{other}` (opening, purchase, capitalise, consume, emit, capture, produce, depreciate, sell, txn, reverse, obtain, receive, return)"),
            ))
        }
    };
    Ok(op)
}

fn whole(q: Q) -> Option<i64> {
    if q.is_integer() {
        i64::try_from(q.to_integer()).ok()
    } else {
        None
    }
}

fn parse_posting(f: &Field) -> R<Posting> {
    let account = ident(f, 0, "an account code")?;
    let v = arg(f, 1, "an amount")?;
    let u = arg(f, 2, "a unit (gC, kgC, tC; or g, kg, t for N2O and SF6)")?;
    let sp = arg(f, 3, "a species")?;
    let Some(value) = exact::parse_decimal(&v.text) else {
        return at(f, Some(v), format!("`{}` is not a number", v.text));
    };
    let Ok(species) = sp.text.parse::<Species>() else {
        return at(f, Some(sp), format!("`{}` is not a species", sp.text));
    };
    let (mass_unit, carbon) = match u.text.strip_suffix('C') {
        Some(m) if !m.is_empty() => (m, true),
        _ => (u.text.as_str(), false),
    };
    let unit = Unit::parse(mass_unit).filter(|x| x.dimension == Dimension::Mass);
    let Some(unit) = unit else {
        return at(f, Some(u), format!("`{}` is not a posting unit (gC, kgC, tC; g, kg, t)", u.text));
    };
    if carbon != species.is_carbon() {
        return at(
            f,
            Some(u),
            if carbon {
                format!("{species} is not carbon: post it in g, kg or t of the gas")
            } else {
                format!("{species} is posted in carbon mass: gC, kgC or tC")
            },
        );
    }
    let Some(amount) = exact::mul(value, unit.base).ok().and_then(whole) else {
        return at(f, Some(v), "a posting is a whole number of grams");
    };
    let o = options(f, 4, &["item", "lot", "site", "origin", "counterparty"])?;
    let origin = match opt_value(&o, "origin") {
        Some(s) => match Origin::parse(&s) {
            Some(x) => Some(x),
            None => return at(f, o.get("origin").copied(), format!("`{s}` is not an origin")),
        },
        None => None,
    };
    Ok(Posting {
        account,
        species,
        amount,
        dims: Dims {
            item: opt_value(&o, "item"),
            lot: opt_value(&o, "lot"),
            site: opt_value(&o, "site"),
            origin,
            counterparty: opt_value(&o, "counterparty"),
        },
    })
}

fn parse_movement(f: &Field) -> R<Movement> {
    let item = ident(f, 0, "an item id")?;
    let n = arg(f, 1, "a quantity in the item's base unit (g or kJ)")?;
    let Some(quantity) = exact::parse_decimal(&n.text).and_then(whole) else {
        return at(f, Some(n), "a movement is a whole number of base units (g or kJ)");
    };
    // An optional unit names the base unit for readers: g (mass items) or kJ (energy items).
    let from = match f.args.get(2) {
        Some(t) if t.text == "g" || t.text == "kJ" => 3,
        _ => 2,
    };
    let o = options(f, from, &["lot", "site"])?;
    Ok(Movement { item, lot: opt_value(&o, "lot"), site: opt_value(&o, "site"), quantity })
}

/// Parses journal texts into entries. Errors are collected, never panicked on.
pub fn parse(sources: &[Source]) -> (Vec<Spanned>, Vec<Diagnostic>) {
    let mut entries = Vec::new();
    let mut diags = Vec::new();
    for src in sources {
        let mut ctx = Ctx { file: &src.name, diags: Vec::new() };
        let mut lines = Vec::new();
        for (i, raw) in src.text.lines().enumerate() {
            match tokenize(raw) {
                Ok(tokens) if tokens.is_empty() => {}
                Ok(tokens) => lines.push(Line { no: i + 1, indented: raw.starts_with([' ', '\t']), tokens }),
                Err((col, msg)) => ctx.err(i + 1, col, msg),
            }
        }
        let mut i = 0;
        while i < lines.len() {
            let header = &lines[i];
            if header.indented {
                ctx.err(header.no, header.tokens[0].col, "indented line outside a block: directives start in column 1");
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < lines.len() && lines[j].indented {
                j += 1;
            }
            match parse_block(header, &lines[i + 1..j]) {
                Ok(entry) => entries.push(Spanned {
                    file: src.name.clone(),
                    line: header.no,
                    column: header.tokens[0].col,
                    entry,
                }),
                Err((line, col, msg)) => ctx.err(line, col, msg),
            }
            i = j;
        }
        diags.extend(ctx.diags);
    }
    (entries, diags)
}

/// Parses and applies journal texts in order. Every parse error and every rejection is reported;
/// entries that fail are skipped, so later errors are still found.
pub fn load(sources: &[Source]) -> Result<Ledger, (Option<Ledger>, Vec<Diagnostic>)> {
    let (entries, mut diags) = parse(sources);
    let mut ledger: Option<Ledger> = None;
    for e in entries {
        let mut err = |msg: String| {
            diags.push(Diagnostic { file: e.file.clone(), line: e.line, column: e.column, message: msg });
        };
        if let Entry::Entity(ent) = &e.entry {
            if ledger.is_some() {
                err("the entity is already defined: one journal describes one entity".into());
            } else {
                ledger = Some(Ledger::new(ent.clone()));
            }
            continue;
        }
        let Some(l) = ledger.as_mut() else {
            err("the journal must start with an `entity` directive".into());
            continue;
        };
        let res = match e.entry {
            Entry::Entity(_) => unreachable!("handled above"),
            Entry::Counterparty(c) => l.add_counterparty(c).map_err(|x| x.to_string()),
            Entry::Account(a) => l.add_account(a).map_err(|x| x.to_string()),
            Entry::Item(it) => l.add_item(it).map_err(|x| x.to_string()),
            Entry::Asset(a) => l.add_asset(a).map_err(|x| x.to_string()),
            Entry::Period(p) => l.add_period(p).map_err(|x| x.to_string()),
            Entry::Close(id) => l.close_period(&id).map_err(|x| x.to_string()),
            Entry::Pool(p) => l.add_pool(p).map_err(|x| x.to_string()),
            Entry::Target(t) => l.add_target(t).map_err(|x| x.to_string()),
            Entry::Op(op) => {
                let id = op.id.clone();
                l.apply(op).map(|_| ()).map_err(|r| {
                    let parts: Vec<String> = r
                        .violations
                        .iter()
                        .map(|v| {
                            let field = v.field.map(|f| format!(" (field `{f}`)")).unwrap_or_default();
                            format!("[{}] {}{field}", v.code, v.message)
                        })
                        .collect();
                    format!("`{id}` rejected: {}", parts.join("; "))
                })
            }
        };
        if let Err(m) = res {
            err(m);
        }
    }
    if ledger.is_none() && diags.is_empty() {
        diags.push(Diagnostic {
            file: sources.first().map(|s| s.name.clone()).unwrap_or_default(),
            line: 1,
            column: 1,
            message: "no `entity` directive: nothing to load".into(),
        });
    }
    diags.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    match ledger {
        Some(l) if diags.is_empty() => Ok(l),
        other => Err((other, diags)),
    }
}
