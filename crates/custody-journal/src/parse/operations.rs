//! Dated operations: opening, purchase, capitalise, consume, emit, capture, produce, depreciate,
//! sell, reverse, obtain, receive, return and raw `txn` (postings and movements).

use super::coc::{custody_model, parse_custody, received_claim};
use super::reader::{
    arg, at, choice, decimal, enum_arg, ident, measure, one_intensity, one_measure, one_species_mass, only, opt_value,
    options, species_mass, word, Block, Field, R,
};
use custody_core::exact::{self, Q};
use custody_core::model::*;
use custody_core::ops::*;
use custody_core::units::{CarbonRatios, Dimension, Species, Unit};

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

pub(super) fn parse_op(b: &mut Block, kind: &str) -> R<Operation> {
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
                biogenic_uptake: b.one("biogenic-uptake", one_intensity)?,
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
            let serial = b.one("certificate", word("the certificate's serial"))?;
            let against = b.one("against", word("the Scope 2 item it is retired against"))?;
            let covers = b.one("covers", one_measure)?;
            let generated = b.one("generated", |f| {
                let day = |i: usize| -> R<Date> {
                    let t = arg(f, i, "the first and last day of generation, YYYY-MM-DD")?;
                    parse_date(&t.text).map_or_else(|| at(f, Some(t), format!("`{}` is not a date YYYY-MM-DD", t.text)), Ok)
                };
                let (a, z) = (day(0)?, day(1)?);
                only(f, 2)?;
                Ok((a, z))
            })?;
            let boundary = b.one("boundary", word("a market boundary such as MISO"))?;
            let rate = b.one("rate", one_intensity)?;
            b.finish()?;
            let eac = match serial {
                None if against.is_some() || covers.is_some() || generated.is_some() || boundary.is_some() || rate.is_some() => {
                    return b.required(None, "certificate", "certificate terms");
                }
                None => None,
                Some(serial) => Some(EacTerms {
                    serial,
                    item: b.required(against, "against", "a certificate")?,
                    covers: b.required(covers, "covers", "a certificate")?,
                    generated: b.required(generated, "generated", "a certificate")?,
                    boundary: b.required(boundary, "boundary", "a certificate")?,
                    rate: b.required(rate, "rate", "a certificate")?,
                }),
            };
            Operation::Obtain(Obtain {
                kind: b.required(kind, "instrument", "obtain")?,
                co2e_grams: b.required(amount, "quantity", "obtain")?,
                counterparty,
                eac,
            })
        }
        "receive" => {
            let transfer = b.one("transfer", word("a transfer id (SELLER/SALE/CUSTOMER)"))?;
            let item = b.one("item", word("an item id"))?;
            let quantity = b.one("quantity", |f| {
                let n = arg(f, 0, "a quantity in base units (g or kJ)")?;
                let measure = match f.args.get(1).map(|t| t.text.as_str()) {
                    Some("g") => Some(custody_core::units::Dimension::Mass),
                    Some("kJ") => Some(custody_core::units::Dimension::Energy),
                    _ => None,
                };
                if measure.is_some() {
                    only(f, 2)?
                } else {
                    only(f, 1)?
                }
                exact::parse_decimal(&n.text).and_then(whole).map_or_else(
                    || at(f, Some(n), "a transfer quantity is a whole number of base units (g or kJ)"),
                    |q| Ok((q, measure)),
                )
            })?;
            let claim = received_claim(b)?;
            let r = Receive {
                claim,
                data_gaps: b.many("data-gap", word("the id of an operation without emission data"))?,
                transfer: String::new(),
                item: String::new(),
                supplier: b.one("supplier", word("a counterparty id"))?,
                custody: b.one("custody", custody_model)?,
                lot: b.one("lot", word("a lot id"))?,
                site: b.one("site", word("a site id"))?,
                quantity: quantity.map(|q| q.0),
                measure: quantity.and_then(|q| q.1),
                amounts: b.many("amount", |f| {
                    let form = enum_arg(f, 0, "a form", "content, emissions", TransferForm::parse)?;
                    let sp = arg(f, 1, "a species")?;
                    let Ok(species) = sp.text.parse::<Species>() else {
                        return at(f, Some(sp), format!("`{}` is not a species", sp.text));
                    };
                    let n = arg(f, 2, "an amount in base units")?;
                    let unit = arg(f, 3, "gC (or g for N2O and SF6)")?;
                    if unit.text != if species.is_carbon() { "gC" } else { "g" } {
                        return at(f, Some(unit), "transfer amounts are exact base units: gC (g for N2O, SF6)");
                    }
                    let Some(a) = exact::parse_decimal(&n.text).and_then(whole) else {
                        return at(f, Some(n), "an amount is a whole number of base units");
                    };
                    // `gas N g`: the seller's stated gas beside the carbon (gases held in carbon).
                    if f.args.len() <= 4 {
                        return Ok((form, species, a, None));
                    }
                    let kw = arg(f, 4, "`gas`")?;
                    if kw.text != "gas" || !CarbonRatios::keeps_gas(species) {
                        return at(f, Some(kw), "after the amount only `gas N g` may follow, for a gas held in carbon");
                    }
                    let g = arg(f, 5, "grams of gas")?;
                    let gu = arg(f, 6, "g")?;
                    only(f, 7)?;
                    if gu.text != "g" {
                        return at(f, Some(gu), "the stated gas is in whole grams: g");
                    }
                    match exact::parse_decimal(&g.text).and_then(whole) {
                        Some(x) => Ok((form, species, a, Some(x))),
                        None => at(f, Some(g), "the stated gas is a whole number of grams"),
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
            let purchase = b.one("purchase", word("a purchase id"))?;
            let supplier = b.one("supplier", word("a counterparty id"))?;
            let quantity = b.one("quantity", one_measure)?;
            b.finish()?;
            match purchase {
                // Goods sent back to a supplier name the purchase; a customer's refusal, the sale.
                Some(purchase) => Operation::SupplierReturn(SupplierReturn {
                    purchase,
                    supplier,
                    quantity: b.required(quantity, "quantity", "return")?,
                }),
                None => Operation::Return(Return {
                    sale: b.required(sale, "sale", "return")?,
                    customer: b.required(customer, "customer", "return")?,
                }),
            }
        }
        "move" => {
            let item = b.one("item", word("an item id"))?;
            let lot = b.one("lot", word("a lot id"))?;
            let quantity = b.one("quantity", one_measure)?;
            let from = b.one("from", word("a site id"))?;
            let to = b.one("to", word("a site id"))?;
            b.finish()?;
            Operation::Move(Move {
                item: b.required(item, "item", "move")?,
                lot,
                quantity: b.required(quantity, "quantity", "move")?,
                from,
                to,
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
                format!("unknown operation `{other}` (opening, purchase, capitalise, consume, emit, capture, produce, depreciate, sell, txn, reverse, obtain, receive, return, move)"),
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
        return at(f, Some(v), super::reader::not_a_number(&v.text));
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
    let name = |k: &str| opt_value(&o, k).as_deref().map(custody_core::name::Name::new);
    Ok(Posting {
        account: account.into(),
        species,
        amount,
        dims: Dims {
            item: name("item"),
            lot: name("lot"),
            site: name("site"),
            origin,
            counterparty: name("counterparty"),
        }
        .into(),
        gas: None,
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
    let name = |k: &str| opt_value(&o, k).as_deref().map(custody_core::name::Name::new);
    Ok(Movement { item: item.into(), lot: name("lot"), site: name("site"), quantity })
}
