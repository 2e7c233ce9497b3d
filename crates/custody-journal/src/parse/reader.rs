//! The shared block-field reader: a block's fields read by key, the argument and option
//! helpers every directive uses, the common field parsers and the header helpers.

use super::lexer::{Line, Token};
use custody_core::exact::{self, Q};
use custody_core::model::*;
use custody_core::units::{Intensity, Measure, Property, SpeciesMass, Unit};
use std::collections::BTreeMap;

/// A field line of a block: its key and the tokens after it.
pub(super) struct Field<'a> {
    pub(super) line: usize,
    pub(super) key: &'a Token,
    pub(super) args: &'a [Token],
}

impl Field<'_> {
    /// The column just past the field's last token: where a missing argument is reported (a
    /// column of the line or the one after its end, never beyond).
    fn end_col(&self) -> usize {
        self.args.last().unwrap_or(self.key).end
    }
}

pub(super) type R<T> = Result<T, (usize, usize, String)>;

pub(super) fn at<T>(f: &Field, tok: Option<&Token>, msg: impl Into<String>) -> R<T> {
    let col = tok.map(|t| t.col).unwrap_or_else(|| f.end_col());
    Err((f.line, col, msg.into()))
}

pub(super) fn arg<'a>(f: &'a Field, i: usize, what: &str) -> R<&'a Token> {
    match f.args.get(i) {
        Some(t) => Ok(t),
        None => at(f, None, format!("`{}` needs {what}", f.key.text)),
    }
}

pub(super) fn only(f: &Field, n: usize) -> R<()> {
    match f.args.get(n) {
        Some(t) => at(f, Some(t), format!("unexpected `{}` after `{}`", t.text, f.key.text)),
        None => Ok(()),
    }
}

/// An id argument: one word of the id grammar (`custody_core::id`; a transfer id joins ids with
/// `/`), never quoted, so the printer writes exactly what the parser reads.
pub(super) fn ident(f: &Field, i: usize, what: &str) -> R<String> {
    let t = arg(f, i, what)?;
    if t.text.is_empty() {
        return at(f, Some(t), format!("{what} must not be empty"));
    }
    if t.quoted {
        return at(f, Some(t), format!("{what} is one word, not quoted: ids are {}", custody_core::id::GRAMMAR));
    }
    if let Err(e) = custody_core::id::check_ref(&t.text) {
        return at(f, Some(t), format!("`{}` is not {what}: {e}", short(&t.text)));
    }
    Ok(t.text.clone())
}

/// The first 40 characters of a long id, for messages.
fn short(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Why `text` is not a number: too many digits for an exact decimal, or not a decimal at all.
pub(super) fn not_a_number(text: &str) -> String {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    if digits > 30 && text.chars().all(|c| c.is_ascii_digit() || "+-._%".contains(c)) {
        format!("`{}` has {digits} digits: a number is an exact decimal of at most 30 digits", short(text))
    } else {
        format!("`{}` is not a number", short(text))
    }
}

/// An id in a header line (entity, item, period), checked like [`ident`].
pub(super) fn header_id(header: &Line, i: usize, what: &str) -> R<String> {
    header_checked(header, i, what, custody_core::id::check_id)
}

/// An operation id: an id, or ids joined by `/` (the API names a receive `receive:S/SALE/B`).
pub(super) fn header_ref(header: &Line, i: usize, what: &str) -> R<String> {
    header_checked(header, i, what, custody_core::id::check_ref)
}

fn header_checked(
    header: &Line,
    i: usize,
    what: &str,
    check: fn(&str) -> Result<(), custody_core::id::IdError>,
) -> R<String> {
    let id = header_arg(header, i, what)?;
    let t = &header.tokens[i];
    if t.quoted {
        return Err((
            header.no,
            t.col,
            format!("{what} is one word, not quoted: ids are {}", custody_core::id::GRAMMAR),
        ));
    }
    if let Err(e) = check(&id) {
        return Err((header.no, t.col, format!("`{}` is not {what}: {e}", short(&id))));
    }
    Ok(id)
}

pub(super) fn measure(f: &Field, i: usize) -> R<Measure> {
    let v = arg(f, i, "a quantity such as `137000 t`")?;
    let u = arg(f, i + 1, "a unit after the number")?;
    let Some(value) = exact::parse_decimal(&v.text) else {
        return at(f, Some(v), not_a_number(&v.text));
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

pub(super) fn species_mass(f: &Field, i: usize) -> R<SpeciesMass> {
    let v = arg(f, i, "an amount such as `401 tCO2`")?;
    let u = arg(f, i + 1, "a unit such as `tCO2` or `tC`")?;
    if exact::parse_decimal(&v.text).is_none() {
        return at(f, Some(v), not_a_number(&v.text));
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

pub(super) fn intensity(f: &Field, i: usize) -> R<Intensity> {
    let v = arg(f, i, "an intensity such as `675.28 gCO2/kWh`")?;
    let u = arg(f, i + 1, "a unit such as `gCO2/kWh`")?;
    if exact::parse_decimal(&v.text).is_none() {
        return at(f, Some(v), not_a_number(&v.text));
    }
    match Intensity::parse(&v.text, &u.text) {
        Some(x) => Ok(x),
        None => {
            at(f, Some(u), format!("`{}` is not an intensity (species mass per unit, e.g. gCO2/kWh, kgCH4/t)", u.text))
        }
    }
}

pub(super) fn property(f: &Field, i: usize) -> R<Property> {
    let v = arg(f, i, "a value such as `47.14 MJ/kg`")?;
    let u = arg(f, i + 1, "a unit such as `MJ/kg` or `kg/m3`")?;
    if exact::parse_decimal(&v.text).is_none() {
        return at(f, Some(v), not_a_number(&v.text));
    }
    match Property::parse(&v.text, &u.text) {
        Some(p) => Ok(p),
        None => at(f, Some(u), format!("`{}` is not a unit ratio such as MJ/kg or kg/m3", u.text)),
    }
}

pub(super) fn decimal(f: &Field, i: usize, what: &str) -> R<Q> {
    let t = arg(f, i, what)?;
    match exact::parse_decimal(&t.text) {
        Some(q) => Ok(q),
        None => at(f, Some(t), not_a_number(&t.text)),
    }
}

pub(super) fn enum_arg<T>(f: &Field, i: usize, what: &str, options: &str, parse: impl Fn(&str) -> Option<T>) -> R<T> {
    let t = arg(f, i, what)?;
    match parse(&t.text) {
        Some(x) => Ok(x),
        None => at(f, Some(t), format!("`{}` is not {what} (one of: {options})", t.text)),
    }
}

/// `key=value` options after the positional arguments.
pub(super) fn options<'a>(f: &'a Field, from: usize, allowed: &[&str]) -> R<BTreeMap<&'a str, &'a Token>> {
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

pub(super) fn opt_value(m: &BTreeMap<&str, &Token>, k: &str) -> Option<String> {
    m.get(k).map(|t| t.text.split_once('=').map(|(_, v)| v.to_string()).unwrap_or_default())
}

/// The fields of one block, read by key. Every field must be asked for by some key: the first
/// one nobody asked for is reported as unknown, naming the keys that were expected.
pub(super) struct Block<'a> {
    pub(super) header: &'a Line,
    fields: Vec<Field<'a>>,
    taken: Vec<bool>,
    keys: Vec<&'static str>,
}

impl<'a> Block<'a> {
    pub(super) fn new(header: &'a Line, body: &'a [Line]) -> Block<'a> {
        let fields: Vec<Field> =
            body.iter().map(|l| Field { line: l.no, key: &l.tokens[0], args: &l.tokens[1..] }).collect();
        let taken = vec![false; fields.len()];
        Block { header, fields, taken, keys: Vec::new() }
    }

    /// Every field with this key, parsed, in order.
    pub(super) fn many<T>(&mut self, key: &'static str, parse: impl Fn(&Field) -> R<T>) -> R<Vec<T>> {
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
    pub(super) fn one<T>(&mut self, key: &'static str, parse: impl Fn(&Field) -> R<T>) -> R<Option<T>> {
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
    pub(super) fn finish(&self) -> R<()> {
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
    pub(super) fn required<T>(&self, value: Option<T>, key: &str, what: &str) -> R<T> {
        value.ok_or_else(|| (self.header.no, self.header.tokens[0].col, format!("{what} needs a `{key}` line")))
    }

    pub(super) fn non_empty<T>(&self, values: Vec<T>, key: &str, what: &str) -> R<Vec<T>> {
        if values.is_empty() {
            return self.required(None, key, what);
        }
        Ok(values)
    }
}

// Field parsers: each reads a whole field line and rejects anything after its arguments.

pub(super) fn word(what: &'static str) -> impl Fn(&Field) -> R<String> {
    move |f| {
        let v = ident(f, 0, what)?;
        only(f, 1)?;
        Ok(v)
    }
}

pub(super) fn one_measure(f: &Field) -> R<Measure> {
    let v = measure(f, 0)?;
    only(f, 2)?;
    Ok(v)
}

pub(super) fn one_species_mass(f: &Field) -> R<SpeciesMass> {
    let v = species_mass(f, 0)?;
    only(f, 2)?;
    Ok(v)
}

pub(super) fn one_intensity(f: &Field) -> R<Intensity> {
    let v = intensity(f, 0)?;
    only(f, 2)?;
    Ok(v)
}

pub(super) fn choice<T>(
    what: &'static str,
    options: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> impl Fn(&Field) -> R<T> {
    move |f| {
        let v = enum_arg(f, 0, what, options, &parse)?;
        only(f, 1)?;
        Ok(v)
    }
}

pub(super) fn header_arg(header: &Line, i: usize, what: &str) -> R<String> {
    match header.tokens.get(i) {
        Some(t) => Ok(t.text.clone()),
        None => {
            let last = header.tokens.last().map(|t| t.end).unwrap_or(1);
            Err((header.no, last, format!("`{}` needs {what}", header.tokens[0].text)))
        }
    }
}

pub(super) fn header_name(header: &Line, i: usize) -> R<String> {
    match header.tokens.get(i) {
        Some(t) if t.quoted => Ok(t.text.clone()),
        Some(t) => Err((header.no, t.col, format!("names are quoted: \"{}\"", t.text))),
        None => Ok(String::new()),
    }
}

pub(super) fn header_only(header: &Line, n: usize) -> R<()> {
    match header.tokens.get(n) {
        Some(t) => Err((header.no, t.col, format!("unexpected `{}`", t.text))),
        None => Ok(()),
    }
}

/// `KEYWORD ID "Name"`: the id and the (optional, quoted) name.
pub(super) fn id_and_name(header: &Line) -> R<(String, String)> {
    let id = header_id(header, 1, "an id")?;
    let name = header_name(header, 2)?;
    header_only(header, 3)?;
    Ok((id, name))
}

pub(super) fn life(f: &Field) -> R<u32> {
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

pub(super) fn month(f: &Field) -> R<MonthIndex> {
    let t = arg(f, 0, "a month YYYY-MM")?;
    only(f, 1)?;
    match MonthIndex::parse(&t.text) {
        Some(m) => Ok(m),
        None => at(f, Some(t), format!("`{}` is not a month YYYY-MM", t.text)),
    }
}
