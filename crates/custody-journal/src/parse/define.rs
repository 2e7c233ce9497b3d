//! The directive dispatcher and the definition directives: entity, counterparty, account, item,
//! asset, period, target and close (pools are in `coc`, dated operations in `operations`).

use super::cbam::{item_cbam, parse_site};
use super::coc::parse_pool;
use super::lexer::Line;
use super::operations::parse_op;
use super::reader::{
    arg, at, choice, decimal, enum_arg, header_arg, header_id, header_name, header_only, header_ref, id_and_name,
    intensity, life, month, only, property, word, Block, Field, R,
};
use custody_core::chart::{Account, Role, Side};
use custody_core::exact::{self, Q};
use custody_core::model::*;
use custody_core::ops::*;
use custody_core::units::{CarbonRatios, Dimension, Gwp, Property};
use custody_core::Entity;

/// A parsed journal entry with the place it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Entity(Entity),
    Counterparty(Counterparty),
    Site(Site),
    Account(Account),
    /// Boxed: an item is the largest definition (its GHG fields), and entries are moved often.
    Item(Box<Item>),
    Asset(Asset),
    Period(Period),
    Close(String),
    /// Boxed, as `Item` and `Op`: a pool's policy is large and rare.
    Pool(Box<custody_core::coc::Policy>),
    Target(Target),
    /// Boxed: an operation is the largest entry, and a journal holds one per line of work, so a
    /// parsed journal costs a pointer per entry beside its operations (issue 12 item 2).
    Op(Box<Op>),
}

fn carbon_fraction(f: &Field) -> R<Q> {
    let q = decimal(f, 0, "a mass fraction such as 0.722 or 72.2%")?;
    only(f, 1)?;
    if q < exact::q(0) || q > exact::q(1) {
        return at(f, f.args.first(), "carbon content is a mass fraction between 0 and 1");
    }
    Ok(q)
}

/// `grid-factor 675.28 gCO2/kWh "source"`: a location-based factor and where it comes from.
fn grid_factor(f: &Field) -> R<GridFactor> {
    let factor = intensity(f, 0)?;
    if factor.value < exact::q(0) {
        return at(f, f.args.first(), format!("`{}` is negative: an emission factor is never below zero", f.key.text));
    }
    let source = arg(f, 2, "its source, quoted (\"eGRID 2023, MROW\")")?;
    if !source.quoted || source.text.trim().is_empty() {
        return at(f, Some(source), "a grid factor's source is a quoted, non-empty text");
    }
    only(f, 3)?;
    Ok(GridFactor { factor, source: source.text.clone() })
}

/// `oxidised F`: the share of a product's carbon content oxidised to CO2 in a downstream stage.
fn oxidised(f: &Field, stage: &str) -> R<Q> {
    let what = arg(f, 0, "`oxidised` and a fraction such as 10%")?;
    if what.text != "oxidised" {
        return at(
            f,
            Some(what),
            format!("the {stage} fate is `oxidised F` (the share of carbon content burnt to CO2)"),
        );
    }
    let q = decimal(f, 1, "a fraction such as 10%")?;
    only(f, 2)?;
    if q < exact::q(0) || q > exact::q(1) {
        return at(f, f.args.get(1), "an oxidised share is between 0 and 1");
    }
    Ok(q)
}

fn item_property(f: &Field) -> R<Property> {
    let p = property(f, 0)?;
    only(f, 2)?;
    Ok(p)
}

pub(super) fn parse_block(header: &Line, body: &[Line]) -> R<Entry> {
    let mut b = Block::new(header, body);
    let head = &header.tokens[0];
    let entry = match head.text.as_str() {
        "entity" => {
            let (id, name) = id_and_name(header)?;
            let ratios = b.one("ratios", choice("a ratio table", "efi, molar", CarbonRatios::parse))?;
            let gwp = b.one("gwp", choice("a GWP table", "ar5, ar6", Gwp::parse))?;
            let co_voc = b.one("co-voc", choice("a CO and VOC rule", "excluded, oxidised", CoVocRule::parse))?;
            b.finish()?;
            Entry::Entity(Entity {
                id,
                name,
                ratios: b.required(ratios, "ratios", "an entity")?,
                gwp: b.required(gwp, "gwp", "an entity")?,
                co_voc: co_voc.unwrap_or_default(),
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
            let cbam = item_cbam(&mut b)?;
            let ghg = b.one("ghg", choice("a GHG Protocol place", "scope2, scope3-1 .. scope3-15", GhgClass::parse))?;
            let grid_factors = b.many("grid-factor", grid_factor)?;
            let residual_mix = b.many("residual-mix", grid_factor)?;
            let market_boundary = b.one("market-boundary", word("a market boundary such as MISO"))?;
            let ghg_split = b.one("ghg-split", |f| {
                let place = enum_arg(f, 0, "a GHG Protocol place", "scope2, scope3-1 .. scope3-15", GhgClass::parse)?;
                let share = decimal(f, 1, "a share such as 8%")?;
                only(f, 2)?;
                if share <= exact::q(0) || share >= exact::q(1) {
                    return at(f, f.args.get(1), "a split share is above 0 and below 100%");
                }
                Ok((place, share))
            })?;
            let fate = SoldFate {
                processing: b.one("processing", |f| oxidised(f, "processing"))?,
                use_phase: b.one("use", |f| oxidised(f, "use"))?,
                end_of_life: b.one("end-of-life", |f| oxidised(f, "end-of-life"))?,
            };
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
            let shares = [fate.processing, fate.use_phase, fate.end_of_life];
            if shares.iter().flatten().copied().sum::<Q>() > exact::q(1) {
                return Err((header.no, head.col, format!("item `{id}`: the shares oxidised in processing, use and end of life sum to more than 100% of its carbon")));
            }
            if (!grid_factors.is_empty() || !residual_mix.is_empty() || market_boundary.is_some())
                && ghg.unwrap_or_else(|| GhgClass::default_for(category)) != GhgClass::Scope2
            {
                return Err((header.no, head.col, format!("item `{id}`: a grid factor, residual mix or market boundary is for Scope 2 items (electricity, or `ghg scope2`)")));
            }
            if ghg_split.is_some_and(|(p, _)| p == ghg.unwrap_or_else(|| GhgClass::default_for(category))) {
                return Err((header.no, head.col, format!("item `{id}`: a split moves part of the footprint to another place")));
            }
            for (list, what) in [(&grid_factors, "grid factors"), (&residual_mix, "residual-mix factors")] {
                let mut species: Vec<_> = list.iter().map(|g| g.factor.species).collect();
                species.sort();
                if species.windows(2).any(|w| w[0] == w[1]) {
                    return Err((header.no, head.col, format!("item `{id}` gives two {what} for one species")));
                }
            }
            Entry::Item(Box::new(Item {
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
                cbam,
                ghg,
                grid_factors,
                residual_mix,
                fate,
                market_boundary,
                ghg_split,
                id,
                name,
            }))
        }
        "site" => Entry::Site(parse_site(header, &mut b)?),
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
            let id = header_id(header, 1, "an id")?;
            let start = header_date(header, 2)?;
            let end = header_date(header, 3)?;
            header_only(header, 4)?;
            let revenue = b.one("revenue", |f| {
                let amount = decimal(f, 0, "a net revenue such as 125000000")?;
                let cur = arg(f, 1, "a currency code such as EUR")?;
                only(f, 2)?;
                if amount < exact::q(0) {
                    return at(f, f.args.first(), "a net revenue is not negative");
                }
                if cur.quoted || cur.text.len() != 3 || !cur.text.chars().all(|c| c.is_ascii_uppercase()) {
                    return at(f, Some(cur), "a currency is a three-letter ISO 4217 code such as EUR");
                }
                Ok(Revenue { amount, currency: cur.text.clone() })
            })?;
            b.finish()?;
            Entry::Period(Period { id, start, end, closed: false, revenue })
        }
        "pool" => Entry::Pool(Box::new(parse_pool(header, &mut b)?)),
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
            let measure = b.one("scope", choice("what the target measures", TargetMeasure::NAMES, TargetMeasure::parse))?;
            let intensity = b.one(
                "basis",
                choice("a basis", "absolute, intensity", |s| match s {
                    "absolute" => Some(false),
                    "intensity" => Some(true),
                    _ => None,
                }),
            )?;
            let recalculate_above = b.one("recalculate-above", |f| {
                let q = decimal(f, 0, "a significance threshold such as 5%")?;
                only(f, 1)?;
                if q < exact::q(0) || q > exact::q(1) {
                    return at(f, f.args.first(), "a significance threshold is between 0 and 100%");
                }
                Ok(q)
            })?;
            b.finish()?;
            let intensity = intensity.unwrap_or(false);
            if intensity && (measure.is_none() || baseline_period.is_none() || baseline.is_some()) {
                return Err((
                    header.no,
                    head.col,
                    format!("target `{id}`: an intensity target needs `scope` and a `baseline-period` with declared revenue, and no stated `baseline`"),
                ));
            }
            Entry::Target(Target {
                measure,
                intensity,
                recalculate_above,
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
            let id = header_id(header, 1, "a period id")?;
            header_only(header, 2)?;
            b.finish()?;
            Entry::Close(id)
        }
        text if text.starts_with(|c: char| c.is_ascii_digit()) => {
            let date = header_date(header, 0)?;
            let kind = header_arg(header, 1, "an operation (opening, purchase, consume, emit, capture, produce, capitalise, depreciate, sell, txn, reverse, obtain)")?;
            let id = header_ref(header, 2, "an id")?;
            let memo = header_name(header, 3)?;
            header_only(header, 4)?;
            let body = parse_op(&mut b, &kind)?;
            Entry::Op(Box::new(Op { id, date, memo, body }))
        }
        other => {
            return Err((
                header.no,
                head.col,
                format!(
                "unknown directive `{other}` (entity, counterparty, site, account, item, asset, period, pool, target, close, or a date)"
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
