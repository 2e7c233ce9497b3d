//! Renders the core's statements as text tables and as JSON (documented in `docs/reports.md`).
//!
//! Ledger amounts are exact integers in gC; this crate converts them for display only: tonnes of
//! carbon (tC), tonnes of gas (tCO2, tCH4) through the ledger's carbon ratio table, and tCO2e
//! through its GWP table. JSON numbers are exact decimals (never binary floating point).

use custody_core::exact::{self, Q};
use custody_core::model::{format_date, Origin};
use custody_core::statements::{self as st, BySpecies, Scope};
use custody_core::units::{Dimension, Species};
use custody_core::Ledger;
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// The statements `custody report` knows.
pub const KINDS: [&str; 11] = [
    "ledger",
    "balances",
    "product-intensity",
    "entity-emissions",
    "eledger",
    "carbon-balance",
    "pool",
    "certificates",
    "market-instruments",
    "disclosure",
    "purchased-goods",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Renders statement `kind` for the period (default: the last one).
pub fn render(ledger: &Ledger, kind: &str, period: Option<&str>, format: Format) -> Result<String, String> {
    let scope = Scope::resolve(ledger, period)?;
    let (text, value) = match kind {
        "ledger" => ledger_statement(ledger, &scope),
        "balances" => balances(ledger, &scope),
        "product-intensity" => product_intensity(ledger, &scope),
        "entity-emissions" => entity_emissions(ledger, &scope),
        "eledger" => eledger(ledger, &scope),
        "carbon-balance" => carbon_balance(ledger, &scope),
        "pool" => pools(ledger, &scope),
        "certificates" => certificates(ledger, &scope),
        "market-instruments" => market_instruments(ledger, &scope),
        "disclosure" => disclosure(ledger, &scope),
        "purchased-goods" => purchased_goods(ledger, &scope),
        other => return Err(format!("unknown report `{other}` (one of: {})", KINDS.join(", "))),
    };
    Ok(match format {
        Format::Text => text,
        Format::Json => serde_json::to_string_pretty(&value).expect("JSON values serialize") + "\n",
    })
}

// ---- number helpers -------------------------------------------------------------------------------

/// An exact decimal as a JSON number.
fn num(x: Q, places: u32) -> Value {
    let s = exact::format_decimal(x, places);
    Value::Number(s.parse().expect("a formatted decimal is a JSON number"))
}

fn tonnes(grams: i64) -> Q {
    Q::new(grams as i128, 1_000_000)
}

fn t_c(grams: i64) -> Value {
    num(tonnes(grams), 6)
}

/// Thousands-separated with `places` decimals, negatives in parentheses (the report's style).
fn fmt_amount(x: Q, places: u32) -> String {
    let s = exact::format_decimal(exact::abs_q(x), places);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), format!(".{f:0<width$}", width = places as usize)),
        None if places > 0 => (s.clone(), format!(".{}", "0".repeat(places as usize))),
        None => (s.clone(), String::new()),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if x < exact::q(0) && format!("{grouped}{frac}").chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("({grouped}{frac})")
    } else if x == exact::q(0) {
        "-".to_string()
    } else {
        format!("{grouped}{frac}")
    }
}

fn fmt_tc(grams: i64) -> String {
    fmt_amount(tonnes(grams), 0)
}

/// Gas mass (grams) of a species for a ledger amount.
fn gas(ledger: &Ledger, species: Species, amount: i64) -> Q {
    ledger.entity().ratios.gas_grams(species, amount)
}

fn gas_of(ledger: &Ledger, m: &BySpecies, species: Species) -> Q {
    m.get(&species).map(|a| gas(ledger, species, *a)).unwrap_or_else(|| exact::q(0))
}

/// Grams CO2e of emissions by species (CO and VOC have no GWP100 and add nothing).
fn co2e(ledger: &Ledger, m: &BySpecies) -> Q {
    m.iter().filter_map(|(sp, a)| ledger.entity().gwp.factor(*sp).map(|f| gas(ledger, *sp, *a) * f)).sum()
}

fn header(ledger: &Ledger, scope: &Scope, title: &str) -> String {
    format!(
        "{}\n{title}\nPeriod {} ({} to {}); carbon ratios {}, GWP100 {}\n\n",
        ledger.entity().name,
        scope.period,
        format_date(scope.start),
        format_date(scope.end),
        ledger.entity().ratios.as_str(),
        ledger.entity().gwp.as_str().to_uppercase()
    )
}

fn base(ledger: &Ledger, scope: &Scope, statement: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("statement".into(), json!(statement));
    m.insert("entity".into(), json!(ledger.entity().id));
    m.insert("period".into(), json!(scope.period));
    m.insert("from".into(), json!(format_date(scope.start)));
    m.insert("to".into(), json!(format_date(scope.end)));
    m.insert("carbon_ratios".into(), json!(ledger.entity().ratios.as_str()));
    m.insert("gwp".into(), json!(ledger.entity().gwp.as_str()));
    m
}

/// Renders rows as aligned columns; the first column left-aligned, the rest right-aligned.
fn table(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..n).map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i == 0 {
                let _ = write!(line, "{c:<w$}", w = widths[0]);
            } else {
                let _ = write!(line, "  {c:>w$}", w = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

// ---- ledger -------------------------------------------------------------------------------------

fn ledger_statement(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let s = st::ledger_statement(ledger, scope);
    let mut rows = vec![{
        let mut h = vec!["transaction".to_string()];
        h.extend(s.columns.iter().map(|a| a.code.clone()));
        h.extend(["stocks".to_string(), "flows".to_string()]);
        h
    }];
    let row_cells = |r: &st::LedgerRow| {
        let mut c = vec![r.id.clone()];
        c.extend(r.amounts.iter().map(|a| fmt_tc(*a)));
        c.extend([fmt_tc(r.stocks_total), fmt_tc(r.flows_total)]);
        c
    };
    rows.push(row_cells(&s.beginning));
    rows.extend(s.rows.iter().map(row_cells));
    rows.push(row_cells(&s.ending));
    let mut text = header(ledger, scope, "Carbon ledger (Table ES-1 layout), tonnes of carbon");
    text.push_str(&table(&rows));
    text.push_str("\nAccounts:\n");
    for a in &s.columns {
        let _ = writeln!(text, "  {:<22} {:<5}  {}", a.code, a.side.as_str(), a.name);
    }
    let row_json = |r: &st::LedgerRow| {
        let amounts: Map<String, Value> =
            s.columns.iter().zip(&r.amounts).map(|(a, v)| (a.code.clone(), t_c(*v))).collect();
        let postings: Vec<Value> = r
            .postings
            .iter()
            .map(|p| {
                json!({
                    "account": p.account, "species": p.species.as_str(), "amount_gC": p.amount,
                    "item": p.dims.item, "lot": p.dims.lot, "site": p.dims.site,
                    "origin": p.dims.origin.map(|o| o.as_str()), "counterparty": p.dims.counterparty,
                })
            })
            .collect();
        json!({
            "id": r.id, "date": r.date.map(format_date), "kind": r.kind.map(|k| k.as_str()),
            "description": r.description, "amounts_tC": amounts,
            "stocks_total_tC": t_c(r.stocks_total), "flows_total_tC": t_c(r.flows_total),
            "postings": postings,
        })
    };
    let mut m = base(ledger, scope, "ledger");
    m.insert(
        "columns".into(),
        Value::Array(
            s.columns.iter().map(|a| json!({"code": a.code, "name": a.name, "side": a.side.as_str()})).collect(),
        ),
    );
    m.insert("beginning".into(), row_json(&s.beginning));
    m.insert("rows".into(), Value::Array(s.rows.iter().map(row_json).collect()));
    m.insert("ending".into(), row_json(&s.ending));
    (text, Value::Object(m))
}

// ---- balances -----------------------------------------------------------------------------------

fn balances(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let b = st::balances(ledger, scope);
    let mut rows = vec![vec!["account".to_string(), "side".to_string(), "tC".to_string()]];
    for (a, bal) in &b.accounts {
        rows.push(vec![format!("{} ({})", a.name, a.code), a.side.as_str().to_string(), fmt_tc(*bal)]);
    }
    rows.push(vec![String::new(); 3]);
    for (label, v) in [
        ("Total emissions held (stock)", b.stock_emissions),
        ("Total carbon content held (stock)", b.stock_content),
        ("Total carbon stock", b.stocks_total),
        ("Total emissions flow", b.flow_emissions),
        ("Total carbon content flow", b.flow_content),
        ("Total abatement flow (sequestration)", b.flow_sequestered),
        ("Total carbon flow", b.flows_total),
    ] {
        rows.push(vec![label.to_string(), String::new(), fmt_tc(v)]);
    }
    let mut text = header(ledger, scope, "Summary of account balances at period end (Figure 7), tonnes of carbon");
    text.push_str(&table(&rows));
    for (a, sp, g) in &b.gases {
        let _ = writeln!(
            text,
            "{} ({}): {} t {sp} (non-carbon gas, own balance)",
            a.name,
            a.code,
            fmt_amount(tonnes(*g), 3)
        );
    }
    let _ = writeln!(
        text,
        "\nStocks {} the flows: {}",
        if b.stocks_total == b.flows_total { "equal" } else { "DO NOT EQUAL" },
        fmt_tc(b.stocks_total)
    );
    let mut m = base(ledger, scope, "balances");
    m.insert(
        "accounts".into(),
        Value::Array(
            b.accounts
                .iter()
                .map(|(a, bal)| {
                    json!({"code": a.code, "name": a.name, "side": a.side.as_str(), "role": a.role.as_str(),
                           "balance_gC": bal, "balance_tC": t_c(*bal)})
                })
                .collect(),
        ),
    );
    m.insert(
        "non_carbon_gases".into(),
        Value::Array(
            b.gases.iter().map(|(a, sp, g)| json!({"code": a.code, "species": sp.as_str(), "balance_g": g})).collect(),
        ),
    );
    for (k, v) in [
        ("stocks_total", b.stocks_total),
        ("flows_total", b.flows_total),
        ("stock_emissions", b.stock_emissions),
        ("stock_content", b.stock_content),
        ("flow_emissions", b.flow_emissions),
        ("flow_content", b.flow_content),
        ("flow_sequestered", b.flow_sequestered),
    ] {
        m.insert(format!("{k}_tC"), t_c(v));
        m.insert(format!("{k}_gC"), json!(v));
    }
    m.insert("balanced".into(), json!(b.stocks_total == b.flows_total));
    (text, Value::Object(m))
}

// ---- product intensity --------------------------------------------------------------------------

fn origin_label(o: Origin) -> &'static str {
    match o {
        Origin::RawMaterials => "Emissions from raw material production and transport",
        Origin::Electricity => "Emissions from electricity use",
        Origin::Fuels => "Emissions from fuel production and transport",
        Origin::Direct => "Direct emissions (fuel combustion and process), gross",
        Origin::Ccs => "Emissions abated via CCS (net of capture process)",
        Origin::Ppe => "Emissions from production of equipment used",
        Origin::Transport => "Emissions from transport of products",
    }
}

fn product_intensity(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let s = st::product_intensity(ledger, scope);
    let mut text = header(ledger, scope, "Product carbon emissions intensity (Figure 8 / Table ES-2)");
    let mut products = Vec::new();
    let (mut all_co2, mut all_mass) = (exact::q(0), 0i64);
    for p in &s.products {
        let measure = ledger.item(&p.item).map(|i| i.measure).unwrap_or(Dimension::Mass);
        // Per kg for mass items, per kWh for energy items.
        let (per, per_base) = match measure {
            Dimension::Energy => ("kWh", 3_600i128),
            _ => ("kg", 1_000i128),
        };
        if p.sold <= 0 {
            continue;
        }
        let units = Q::new(p.sold as i128, per_base);
        let per_unit = |grams: Q| grams / units;
        let mut rows =
            vec![vec![p.name.clone(), format!("kgCO2/{per}"), format!("gCH4/{per}"), format!("kgCO2e/{per}")]];
        let mut lines = Vec::new();
        let mut total = BySpecies::new();
        for l in &p.lines {
            for (sp, a) in &l.by_species {
                *total.entry(*sp).or_default() += a;
            }
            let co2 = per_unit(gas_of(ledger, &l.by_species, Species::CO2)) / exact::q(1000);
            let ch4 = per_unit(gas_of(ledger, &l.by_species, Species::CH4));
            let e = per_unit(co2e(ledger, &l.by_species)) / exact::q(1000);
            rows.push(vec![
                origin_label(l.origin).to_string(),
                fmt_amount(co2, 3),
                fmt_amount(ch4, 3),
                fmt_amount(e, 3),
            ]);
            let by: Map<String, Value> =
                l.by_species.iter().map(|(sp, a)| (sp.as_str().to_string(), json!(a))).collect();
            lines.push(json!({
                "category": l.origin.as_str(), "label": origin_label(l.origin),
                format!("kgCO2_per_{per}"): num(co2, 6), format!("gCH4_per_{per}"): num(ch4, 6),
                format!("kgCO2e_per_{per}"): num(e, 6), "by_species_gC": by,
            }));
        }
        let co2_g = gas_of(ledger, &total, Species::CO2);
        let tot_co2 = per_unit(co2_g) / exact::q(1000);
        let tot_ch4 = per_unit(gas_of(ledger, &total, Species::CH4));
        let tot_e = per_unit(co2e(ledger, &total)) / exact::q(1000);
        let content = per_unit(Q::from_integer(p.content as i128)) / exact::q(1000);
        rows.push(vec![
            "Product carbon emissions intensity".into(),
            fmt_amount(tot_co2, 3),
            fmt_amount(tot_ch4, 3),
            fmt_amount(tot_e, 3),
        ]);
        if measure == Dimension::Mass {
            all_co2 += co2_g;
            all_mass += p.sold;
        }
        let _ = writeln!(text, "{} sold: {} t\n", p.name, fmt_amount(tonnes(p.sold), 3));
        text.push_str(&table(&rows));
        let _ = writeln!(
            text,
            "Carbon content carried in the product (not an emission): {} kgC/{per}",
            fmt_amount(content, 6)
        );
        for (c, q) in &p.customers {
            let _ = writeln!(text, "Sold to {c}: {} t", fmt_amount(tonnes(*q), 3));
        }
        let _ = writeln!(text, "Chain-of-custody model of the sales: {}", p.custody_models.join(", "));
        text.push('\n');
        products.push(json!({
            "item": p.item, "name": p.name, "per": per, "sold_t": num(tonnes(p.sold), 6),
            "lines": lines,
            format!("total_kgCO2_per_{per}"): num(tot_co2, 6),
            format!("total_gCH4_per_{per}"): num(tot_ch4, 6),
            format!("total_kgCO2e_per_{per}"): num(tot_e, 6),
            format!("content_kgC_per_{per}"): num(content, 6),
            "customers": p.customers.iter().map(|(c, q)| json!({"customer": c, "sold_t": num(tonnes(*q), 6)})).collect::<Vec<_>>(),
            "custody_models": p.custody_models,
        }));
    }
    let _ = writeln!(
        text,
        "CO2e excludes CO and VOC, which have no GWP100 in the {} table.",
        ledger.entity().gwp.as_str().to_uppercase()
    );
    let mut m = base(ledger, scope, "product-intensity");
    m.insert("products".into(), Value::Array(products));
    let total = if all_mass > 0 { all_co2 / Q::from_integer(all_mass as i128) } else { exact::q(0) };
    m.insert("total_kgCO2_per_kg".into(), num(total, 6));
    (text, Value::Object(m))
}

// ---- entity emissions ---------------------------------------------------------------------------

fn entity_emissions(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let e = st::entity_emissions(ledger, scope);
    let mut text = header(ledger, scope, "Entity-level emissions statement (Figure 9 / Table ES-3)");
    let mut rows = vec![vec!["".to_string(), "tCO2".into(), "tCH4".into(), "tCO2e".into()]];
    let mut lines = Vec::new();
    let mut total = BySpecies::new();
    let mut direct_net = BySpecies::new();
    let t = |g: Q| g / exact::q(1_000_000);
    let push = |rows: &mut Vec<Vec<String>>, label: &str, m: &BySpecies| {
        rows.push(vec![
            label.to_string(),
            fmt_amount(t(gas_of(ledger, m, Species::CO2)), 2),
            fmt_amount(t(gas_of(ledger, m, Species::CH4)), 2),
            fmt_amount(t(co2e(ledger, m)), 2),
        ]);
    };
    for (k, m) in &e.lines {
        use st::EntityLineKind as K;
        for (sp, a) in m {
            *total.entry(*sp).or_default() += a;
            if matches!(k, K::DirectGross | K::CcsAbated) {
                *direct_net.entry(*sp).or_default() += a;
            }
        }
        push(&mut rows, k.label(), m);
        if *k == K::CcsAbated {
            push(&mut rows, "Direct emissions, net", &direct_net);
        }
        lines.push(json!({
            "key": k.as_str(), "label": k.label(),
            "tCO2": num(t(gas_of(ledger, m, Species::CO2)), 6), "tCH4": num(t(gas_of(ledger, m, Species::CH4)), 6),
            "tCO2e": num(t(co2e(ledger, m)), 6),
            "by_species_gC": m.iter().map(|(sp, a)| (sp.as_str().to_string(), json!(a))).collect::<Map<_, _>>(),
        }));
    }
    push(&mut rows, "Total entity-level emissions", &total);
    text.push_str(&table(&rows));
    let removals: i64 =
        e.instruments.iter().filter(|i| i.kind == custody_core::model::InstrumentKind::Removal).map(|i| i.co2e_g).sum();
    let eacs: i64 =
        e.instruments.iter().filter(|i| i.kind == custody_core::model::InstrumentKind::Eac).map(|i| i.co2e_g).sum();
    let _ = writeln!(text, "\nMarket instruments obtained (shown beside the ledger, never netted):");
    let _ = writeln!(text, "  Carbon removals                         {} tCO2e", fmt_amount(tonnes(removals), 2));
    let _ = writeln!(text, "  Environmental attribute certificates    {} tCO2e", fmt_amount(tonnes(eacs), 2));
    if !e.capitalised.is_empty() {
        let _ = writeln!(
            text,
            "\nCapitalised in the period (enters through depreciation, not counted above): {} tCO2",
            fmt_amount(t(gas_of(ledger, &e.capitalised, Species::CO2)), 2)
        );
    }
    let _ = writeln!(
        text,
        "CO2e excludes CO and VOC, which have no GWP100 in the {} table.",
        ledger.entity().gwp.as_str().to_uppercase()
    );
    let mut m = base(ledger, scope, "entity-emissions");
    m.insert("lines".into(), Value::Array(lines));
    m.insert("direct_net_tCO2".into(), num(t(gas_of(ledger, &direct_net, Species::CO2)), 6));
    m.insert("total_tCO2".into(), num(t(gas_of(ledger, &total, Species::CO2)), 6));
    m.insert("total_tCH4".into(), num(t(gas_of(ledger, &total, Species::CH4)), 6));
    m.insert("total_tCO2e".into(), num(t(co2e(ledger, &total)), 6));
    m.insert("capitalised_tCO2".into(), num(t(gas_of(ledger, &e.capitalised, Species::CO2)), 6));
    m.insert("removals_obtained_tCO2e".into(), num(tonnes(removals), 6));
    m.insert("eacs_obtained_tCO2e".into(), num(tonnes(eacs), 6));
    m.insert(
        "instruments".into(),
        Value::Array(
            e.instruments
                .iter()
                .map(|i| json!({"id": i.id, "date": format_date(i.date), "kind": i.kind.as_str(), "tCO2e": num(tonnes(i.co2e_g), 6), "counterparty": i.counterparty}))
                .collect(),
        ),
    );
    (text, Value::Object(m))
}

// ---- E-ledger -----------------------------------------------------------------------------------

fn eledger(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let e = st::eledger(ledger, scope);
    let tco2 = |a: i64| gas(ledger, Species::CO2, a) / exact::q(1_000_000);
    let mut rows = vec![vec!["CO2 emissions liabilities".to_string(), "tCO2".into()]];
    let mut add = |label: String, a: Q| rows.push(vec![label, fmt_amount(a, 0)]);
    add("Beginning balance (A)".into(), tco2(e.beginning));
    let mut sub_b = 0i64;
    for (item, a) in &e.purchases {
        sub_b += a;
        add(format!("Attributed CO2 emissions to {item} supply"), tco2(*a));
    }
    add("Subtotal, purchases (B)".into(), tco2(sub_b));
    add("Direct gross CO2 emissions".into(), tco2(e.direct_gross));
    add("CO2 abatement (CCS)".into(), tco2(e.ccs_abated));
    add("Depreciation (period share of emissions attributed to PPE)".into(), tco2(e.depreciation));
    add("Depreciation allocated to products".into(), tco2(-e.depreciation));
    for (item, a) in &e.allocated_to_products {
        add(format!("Net CO2 allocated to {item} inventory"), tco2(*a));
    }
    let mut customers = Vec::new();
    for c in &e.customers {
        add(
            format!("Share of product sold to {}: {}%", c.customer, exact::format_decimal(c.share * exact::q(100), 2)),
            exact::q(0),
        );
        add(format!("Net CO2 allocated to product sold to {}", c.customer), tco2(c.product));
        add(format!("CO2 emissions transporting product to {}", c.customer), tco2(c.transport));
        add(format!("Net CO2 transferred to {}", c.customer), -tco2(c.product + c.transport));
        customers.push(json!({
            "customer": c.customer, "share": num(c.share, 6), "product_tCO2": num(tco2(c.product), 6),
            "transport_tCO2": num(tco2(c.transport), 6), "transferred_tCO2": num(tco2(c.product + c.transport), 6),
        }));
    }
    add("CO2 emissions liabilities balance (ending)".into(), tco2(e.ending));
    let mut text = header(ledger, scope, "E-ledger view: CO2 emissions liabilities (Table A1), single-entry");
    text.push_str(&table(&rows));
    let _ = writeln!(
        text,
        "\nAssets (carbon removals obtained): {} tCO2",
        fmt_amount(
            tonnes(
                ledger
                    .instruments()
                    .iter()
                    .filter(|i| i.kind == custody_core::model::InstrumentKind::Removal
                        && i.date >= scope.start
                        && i.date <= scope.end)
                    .map(|i| i.co2e_g)
                    .sum()
            ),
            0
        )
    );
    let mut m = base(ledger, scope, "eledger");
    m.insert("beginning_tCO2".into(), num(tco2(e.beginning), 6));
    m.insert(
        "purchases".into(),
        Value::Array(e.purchases.iter().map(|(i, a)| json!({"item": i, "tCO2": num(tco2(*a), 6)})).collect()),
    );
    m.insert("purchases_subtotal_tCO2".into(), num(tco2(sub_b), 6));
    m.insert("direct_gross_tCO2".into(), num(tco2(e.direct_gross), 6));
    m.insert("ccs_abated_tCO2".into(), num(tco2(e.ccs_abated), 6));
    m.insert("depreciation_tCO2".into(), num(tco2(e.depreciation), 6));
    m.insert(
        "allocated".into(),
        Value::Array(
            e.allocated_to_products.iter().map(|(i, a)| json!({"item": i, "tCO2": num(tco2(*a), 6)})).collect(),
        ),
    );
    m.insert("customers".into(), Value::Array(customers));
    m.insert("ending_tCO2".into(), num(tco2(e.ending), 6));
    (text, Value::Object(m))
}

// ---- carbon balance -----------------------------------------------------------------------------

fn carbon_balance(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let c = st::carbon_balance(ledger, scope);
    let mut text = header(ledger, scope, "Carbon balance checks, tonnes of carbon");
    let mut rows = vec![vec!["Period check".to_string(), "tC".into()]];
    rows.push(vec!["Opening carbon stocks".into(), fmt_amount(tonnes(c.opening_stocks), 3)]);
    rows.push(vec!["Closing carbon stocks".into(), fmt_amount(tonnes(c.closing_stocks), 3)]);
    rows.push(vec!["Change in stocks".into(), fmt_amount(tonnes(c.closing_stocks - c.opening_stocks), 3)]);
    for (a, v) in &c.flows {
        if *v != 0 {
            rows.push(vec![format!("  {} ({})", a.name, a.code), fmt_amount(tonnes(*v), 3)]);
        }
    }
    rows.push(vec!["Net flows".into(), fmt_amount(tonnes(c.net_flows), 3)]);
    rows.push(vec![
        "Closing - opening = net flows".into(),
        if c.period_check() { "holds".into() } else { "FAILS".into() },
    ]);
    rows.push(vec![String::new(), String::new()]);
    rows.push(vec!["Engineer's check on carbon content".into(), "tC".into()]);
    rows.push(vec!["Content transferred in".into(), fmt_amount(tonnes(c.content_in), 3)]);
    rows.push(vec!["Content emitted as gases (direct emissions)".into(), fmt_amount(tonnes(c.content_emitted), 3)]);
    rows.push(vec!["Content transferred out with products".into(), fmt_amount(tonnes(c.content_out), 3)]);
    rows.push(vec!["Change in content held".into(), fmt_amount(tonnes(c.content_stock_change), 3)]);
    rows.push(vec![
        "In - emitted + out = change held".into(),
        if c.content_check() { "holds".into() } else { "FAILS".into() },
    ]);
    text.push_str(&table(&rows));
    if !c.closures.is_empty() {
        let _ = writeln!(text, "\nProduction closure (WIP content against measured output content):");
        for (id, wip, measured, closure) in &c.closures {
            let pct = if *wip != 0 { Q::new(*closure as i128 * 100, *wip as i128) } else { exact::q(0) };
            let _ = writeln!(
                text,
                "  {id}: WIP content {} tC, measured outputs {} tC, closure {} tC ({}%), allocated pro rata to measured content",
                fmt_amount(tonnes(*wip), 3),
                fmt_amount(tonnes(*measured), 3),
                fmt_amount(tonnes(*closure), 3),
                exact::format_decimal(pct, 2)
            );
        }
    }
    let mut m = base(ledger, scope, "carbon-balance");
    m.insert("opening_stocks_tC".into(), t_c(c.opening_stocks));
    m.insert("closing_stocks_tC".into(), t_c(c.closing_stocks));
    m.insert("net_flows_tC".into(), t_c(c.net_flows));
    m.insert("period_check".into(), json!(c.period_check()));
    m.insert(
        "flows".into(),
        Value::Array(c.flows.iter().map(|(a, v)| json!({"code": a.code, "name": a.name, "net_tC": t_c(*v)})).collect()),
    );
    m.insert(
        "content".into(),
        json!({
            "in_tC": t_c(c.content_in), "emitted_tC": t_c(c.content_emitted), "out_tC": t_c(c.content_out),
            "stock_change_tC": t_c(c.content_stock_change), "check": c.content_check(),
        }),
    );
    m.insert(
        "closures".into(),
        Value::Array(
            c.closures
                .iter()
                .map(|(id, w, me, cl)| json!({"transaction": id, "wip_content_tC": t_c(*w), "measured_content_tC": t_c(*me), "closure_tC": t_c(*cl)}))
                .collect(),
        ),
    );
    (text, Value::Object(m))
}

// ---- chain of custody -------------------------------------------------------------------------------

/// g CO2e per g, shown as tCO2e/t.
fn factor(q: Q) -> Value {
    num(q, 6)
}

fn pools(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let mut text = header(ledger, scope, "Mass-balance pools: policy and statement per period");
    let mut out = Vec::new();
    for pool in ledger.pools() {
        let p = &pool.policy;
        let _ = writeln!(text, "Pool {} ({}): {}", p.id, p.name, p.attribute.as_str());
        let decisions = [
            (
                "1 input criteria",
                format!(
                    "eligible: {}{}",
                    p.eligible.join(", "),
                    p.benchmark
                        .map(|b| format!(
                            "; benchmark {} tCO2e/t (controlled mass balance)",
                            exact::format_decimal(b, 6)
                        ))
                        .unwrap_or_default()
                ),
            ),
            (
                "2 temporal boundary",
                format!(
                    "{}-month periods from {}; carry-over: {}",
                    p.period_months,
                    p.start,
                    p.carry_over
                        .as_ref()
                        .map(|c| format!(
                            "up to {}% for {} period(s)",
                            exact::format_decimal(c.max_share * exact::q(100), 4),
                            c.max_periods
                        ))
                        .unwrap_or_else(|| "none".into())
                ),
            ),
            ("3 transfer boundary", p.boundary.describe()),
            (
                "4 allocation across groups",
                format!(
                    "{} key; groups: {}",
                    p.group_key.as_str(),
                    p.groups.iter().map(|(g, i)| format!("{g} [{}]", i.join(", "))).collect::<Vec<_>>().join("; ")
                ),
            ),
            ("5 attribution", p.attribution.as_str().to_string()),
            ("6 output", p.output.as_str().to_string()),
            ("7 claim", p.claim.clone()),
        ];
        for (k, v) in &decisions {
            let _ = writeln!(text, "  {k:<28} {v}");
        }
        // A stated conversion is shown in t and MWh (stored in base units, g and kJ).
        let conversion = match p.conversion_dims {
            Some((n, d)) => {
                let size = |x: Dimension| match x {
                    Dimension::Energy => (3_600_000i128, "MWh"),
                    Dimension::Mass => (1_000_000, "t"),
                    Dimension::Volume => (1, "m3"),
                };
                let ((ns, nu), (ds, du)) = (size(n), size(d));
                format!("{} {nu}/{du}", exact::format_decimal(p.conversion * Q::new(ds, ns), 6))
            }
            None => exact::format_decimal(p.conversion, 6),
        };
        let _ = writeln!(text, "  method: {}; conversion factor {conversion}", p.method.as_str());
        for f in p.flags() {
            let _ = writeln!(text, "  FLAG: {f}");
        }
        // Inputs are in their items' unit; credits, claims and balances in output units for the
        // percentage method and in input units times the conversion factor for the credit method.
        let unit_of = |item: &str| match ledger.item(item).map(|i| i.measure) {
            Some(Dimension::Energy) => ("MWh", 3_600_000i128),
            _ => ("t", 1_000_000i128),
        };
        let unit_in = pool
            .periods
            .values()
            .flat_map(|x| x.inputs.first())
            .next()
            .map(|i| unit_of(&i.item))
            .unwrap_or(("t", 1_000_000));
        let unit_out = pool
            .periods
            .values()
            .flat_map(|x| x.outputs.first())
            .next()
            .map(|o| unit_of(&o.item))
            .unwrap_or(("t", 1_000_000));
        // A stated conversion (`t/MWh`) turns the credit into the product's unit.
        let unit_credit = if p.method == custody_core::coc::Method::Percentage || p.conversion_dims.is_some() {
            unit_out
        } else {
            unit_in
        };
        let show = |g: i64, u: (&str, i128)| fmt_amount(Q::new(g as i128, u.1), 3);
        let mut rows = vec![vec![
            "period".to_string(),
            format!("inputs {}", unit_in.0),
            format!("eligible {}", unit_in.0),
            format!("credited {}", unit_credit.0),
            format!("carried in {}", unit_credit.0),
            format!("outputs {}", unit_out.0),
            format!("claimed {}", unit_credit.0),
            format!("balance {}", unit_credit.0),
            format!("carry-out {}", unit_credit.0),
            format!("lapsed {}", unit_credit.0),
            "state".into(),
        ]];
        let mut periods = Vec::new();
        for st in pool.statements() {
            rows.push(vec![
                format!("{} ({}..{})", st.period, st.first_month, st.last_month),
                show(st.inputs, unit_in),
                show(st.eligible_inputs, unit_in),
                show(st.credited, unit_credit),
                show(st.carried_in, unit_credit),
                show(st.outputs, unit_out),
                show(st.claimed, unit_credit),
                show(st.balance, unit_credit),
                show(st.carry_out, unit_credit),
                show(st.lapsed, unit_credit),
                if st.closed { "closed".into() } else { "open".into() },
            ]);
            let amount = |g: i64, u: (&str, i128)| num(Q::new(g as i128, u.1), 6);
            periods.push(json!({
                "period": st.period, "first_month": st.first_month.to_string(), "last_month": st.last_month.to_string(),
                "input_unit": unit_in.0, "credit_unit": unit_credit.0, "output_unit": unit_out.0,
                "inputs": pool.periods.get(&st.period).map(|x| x.inputs.iter().map(|i| json!({
                    "id": i.id, "item": i.item, "operation": i.sources.first().map(|s| s.0.clone()),
                    "operations": i.sources.iter().map(|(o, q)| json!({"operation": o, "quantity": amount(*q, unit_of(&i.item))})).collect::<Vec<_>>(),
                    "quantity": amount(i.quantity, unit_of(&i.item)),
                    "intensity_tCO2e_per_t": i.intensity.map(factor), "eligible": i.eligible, "source": i.source(),
                })).collect::<Vec<_>>()).unwrap_or_default(),
                "outputs_list": pool.periods.get(&st.period).map(|x| x.outputs.iter().map(|o| json!({
                    "id": o.id, "item": o.item, "operation": o.sources.first().map(|s| s.0.clone()),
                    "quantity": amount(o.quantity, unit_of(&o.item)),
                    "source": if o.sources.is_empty() { "declared" } else { "ledger" },
                })).collect::<Vec<_>>()).unwrap_or_default(),
                "inputs_total": amount(st.inputs, unit_in), "eligible_inputs": amount(st.eligible_inputs, unit_in),
                "credited": amount(st.credited, unit_credit), "carried_in": amount(st.carried_in, unit_credit),
                "outputs": amount(st.outputs, unit_out),
                "outputs_by_group": st.outputs_by_group.iter().map(|(g, q)| json!({"group": g, "quantity": amount(*q, unit_out)})).collect::<Vec<_>>(),
                "claimed": amount(st.claimed, unit_credit), "balance": amount(st.balance, unit_credit),
                "carry_out": amount(st.carry_out, unit_credit), "lapsed": amount(st.lapsed, unit_credit),
                "eligible_share": st.eligible_share.map(|x| num(x, 6)),
                "emissions_tCO2e": st.emissions.map(|e| num(tonnes(e), 6)),
                "lowest_input_tCO2e_per_t": st.lowest_input_factor.map(factor),
                "residual_tCO2e_per_t": st.residual_factor.map(factor),
                "cleanest_input_per_output_tCO2e_per_t": st.cleanest_input_factor.map(factor),
                "highest_input_per_output_tCO2e_per_t": st.highest_input_factor.map(factor),
                "line": st.line.iter().map(|l| json!({"input": l.input, "factor_tCO2e_per_t": factor(l.factor),
                    "supports": num(l.supports / Q::from_integer(unit_out.1), 6)})).collect::<Vec<_>>(),
                "output_capacity": st.output_capacity.map(|c| amount(c, unit_out)),
                "flags": st.flags,
                "closed": st.closed,
            }));
            if let (Some(e), Some(r)) = (st.emissions, st.residual_factor) {
                let _ = writeln!(
                    text,
                    "  period {}: group emissions {} tCO2e; lowest input {} tCO2e/t; RESIDUAL factor on unclaimed output {} tCO2e/t",
                    st.period,
                    fmt_amount(tonnes(e), 3),
                    st.lowest_input_factor.map(|x| exact::format_decimal(x, 4)).unwrap_or_default(),
                    exact::format_decimal(r, 4)
                );
            }
            if !st.line.is_empty() {
                let steps: Vec<String> = st
                    .line
                    .iter()
                    .map(|l| {
                        format!(
                            "{} t at {}",
                            fmt_amount(l.supports / Q::from_integer(unit_out.1), 3),
                            exact::format_decimal(l.factor, 4)
                        )
                    })
                    .collect();
                let _ = writeln!(
                    text,
                    "  period {}: stacking line (eligible input intensity / conversion {}, quantity x conversion): {}; claims at most the tonnes at or below their factor, none above {} tCO2e/t; residual not below {} tCO2e/t",
                    st.period,
                    exact::format_decimal(p.conversion, 6),
                    steps.join(", "),
                    st.highest_input_factor.map(|x| exact::format_decimal(x, 4)).unwrap_or_default(),
                    st.cleanest_input_factor.map(|x| exact::format_decimal(x, 4)).unwrap_or_default()
                );
            }
            for f in st.flags.iter().filter(|f| !p.flags().contains(f)) {
                let _ = writeln!(text, "  period {}: FLAG: {f}", st.period);
            }
            if let Some(sh) = st.eligible_share {
                let _ = writeln!(
                    text,
                    "  period {}: eligible share {}% of output may be claimed",
                    st.period,
                    exact::format_decimal(sh * exact::q(100), 4)
                );
            }
        }
        text.push_str(&table(&rows));
        text.push('\n');
        out.push(json!({
            "id": p.id, "name": p.name, "attribute": p.attribute.as_str(), "method": p.method.as_str(),
            "policy": {
                "input_criteria": {"eligible": p.eligible, "benchmark_tCO2e_per_t": p.benchmark.map(factor), "controlled": p.benchmark.is_some()},
                "temporal_boundary": {"start": p.start.to_string(), "period_months": p.period_months,
                    "carry_over": p.carry_over.as_ref().map(|c| json!({"max_share": num(c.max_share, 6), "max_periods": c.max_periods}))},
                "transfer_boundary": p.boundary.describe(),
                "allocation": {"key": p.group_key.as_str(), "groups": p.groups.iter().map(|(g, i)| json!({"group": g, "items": i})).collect::<Vec<_>>()},
                "attribution": p.attribution.as_str(), "output": p.output.as_str(), "claim": p.claim,
                "conversion": num(p.conversion, 6),
                "conversion_base_units": p.conversion_dims.map(|(n, d)| format!("{}/{}", n.base_unit(), d.base_unit())),
            },
            "flags": p.flags(),
            "periods": periods,
        }));
    }
    let mut m = base(ledger, scope, "pool");
    m.insert("pools".into(), Value::Array(out));
    (text, Value::Object(m))
}

fn certificates(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let mut text = header(ledger, scope, "Certificate registry: every unit's state and history");
    let mut rows = vec![vec![
        "certificate".to_string(),
        "serials".into(),
        "units".into(),
        "pool".into(),
        "state".into(),
        "holder".into(),
        "bundled with".into(),
    ]];
    let mut out = Vec::new();
    for c in ledger.certificates().certificates.values() {
        rows.push(vec![
            c.id.clone(),
            c.serials(),
            c.units().to_string(),
            format!("{} p{}", c.pool, c.period),
            c.state.as_str().into(),
            c.holder.clone(),
            c.bundled_with.clone().unwrap_or_else(|| "-".into()),
        ]);
        out.push(json!({
            "id": c.id, "pool": c.pool, "period": c.period, "first_serial": format!("{}-{:08}", c.prefix, c.first),
            "last_serial": format!("{}-{:08}", c.prefix, c.last), "units": c.units(), "state": c.state.as_str(), "holder": c.holder,
            "bundled_with": c.bundled_with, "expires": c.expires.map(format_date),
            "retirement": c.retirement.as_ref().map(|(b, p, cp)| json!({"beneficiary": b, "purpose": p, "claim_period": cp})),
            "history": c.history.iter().map(|(d, e)| json!({"date": format_date(*d), "event": e})).collect::<Vec<_>>(),
        }));
    }
    text.push_str(&table(&rows));
    for c in ledger.certificates().certificates.values() {
        for (d, e) in &c.history {
            let _ = writeln!(text, "  {} {}: {e}", format_date(*d), c.id);
        }
    }
    let mut m = base(ledger, scope, "certificates");
    m.insert("certificates".into(), Value::Array(out));
    (text, Value::Object(m))
}

fn market_instruments(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let mut text = header(ledger, scope, "Market instruments, beside the physical ledger");
    let _ = writeln!(
        text,
        "None of these changes a physical footprint: they are reported here, never netted into the ledger.\n"
    );
    let in_scope = |d: custody_core::model::Date| d >= scope.start && d <= scope.end;
    let mut avoided = Vec::new();
    for a in ledger.avoided().iter().filter(|a| in_scope(a.date)) {
        let _ = writeln!(
            text,
            "Avoided-emission certificate {} ({}): {} tCO2e avoided = (baseline {} - actual {} tCO2e/t) x {} t; project \"{}\"{}. \
             Avoided-emissions accounting against a baseline, not embodied emissions.",
            a.id,
            a.basis.as_str(),
            fmt_amount(tonnes(a.avoided), 3),
            exact::format_decimal(a.baseline, 4),
            exact::format_decimal(a.actual, 4),
            fmt_amount(tonnes(a.quantity), 3),
            a.project,
            a.allocated_to.as_ref().map(|x| format!(", allocated to {x}")).unwrap_or_default()
        );
        avoided.push(json!({
            "id": a.id, "date": format_date(a.date), "kind": "avoided-emission certificate", "basis": a.basis.as_str(),
            "project": a.project, "baseline_tCO2e_per_t": factor(a.baseline), "actual_tCO2e_per_t": factor(a.actual),
            "quantity_t": num(tonnes(a.quantity), 6), "avoided_tCO2e": num(tonnes(a.avoided), 6), "allocated_to": a.allocated_to,
            "what_it_is": "avoided-emissions accounting against a baseline; never part of a physical footprint",
        }));
    }
    let mut obtained = Vec::new();
    for i in ledger.instruments().iter().filter(|i| in_scope(i.date)) {
        let _ = writeln!(
            text,
            "Obtained {} {}: {} tCO2e (not netted into emissions)",
            i.kind.as_str(),
            i.id,
            fmt_amount(tonnes(i.co2e_g), 3)
        );
        obtained.push(json!({"id": i.id, "date": format_date(i.date), "kind": i.kind.as_str(), "tCO2e": num(tonnes(i.co2e_g), 6)}));
    }
    let mut by_state: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for c in ledger.certificates().certificates.values().filter(|c| c.state != custody_core::coc::CertState::Split) {
        *by_state.entry(c.state.as_str()).or_default() += c.units();
    }
    for (s, u) in &by_state {
        let _ = writeln!(text, "Mass-balance certificate units {s}: {u}");
    }
    let mut m = base(ledger, scope, "market-instruments");
    m.insert("avoided_emission_certificates".into(), Value::Array(avoided));
    m.insert("instruments_obtained".into(), Value::Array(obtained));
    m.insert("certificate_units_by_state".into(), json!(by_state));
    (text, Value::Object(m))
}

// ---- claim assessment ------------------------------------------------------------------------------

/// Renders verdicts of `custody assess` (documented in docs/claims.md).
pub fn render_verdicts(
    footprint: &custody_core::claims::Footprint,
    claim: Option<&custody_core::claims::Claim>,
    verdicts: &[custody_core::claims::Verdict],
    format: Format,
) -> String {
    let pct = |q: Q| exact::format_decimal(q * exact::q(100), 2);
    match format {
        Format::Text => {
            let mut t = format!(
                "Assessment of {} ({}): physical intensity {} tCO2e/t\n{}\n",
                footprint.product,
                footprint.material,
                exact::format_decimal(footprint.intensity, 4),
                footprint.boundary_note
            );
            if let Some(c) = claim {
                let _ = writeln!(
                    t,
                    "Claim: {} at {} tCO2e/t",
                    c.kind.as_str(),
                    exact::format_decimal(c.claimed_intensity, 4)
                );
            }
            for v in verdicts {
                let outcome = match (&v.reached, v.levels.is_empty()) {
                    (_, true) => "no thresholds".to_string(),
                    (Some(l), _) => format!("reaches {l}"),
                    (None, _) => "reaches no level".to_string(),
                };
                let claim = match v.claim_recognised {
                    Some(true) => ", claim recognised",
                    Some(false) => ", claim NOT recognised",
                    None => "",
                };
                let _ = writeln!(
                    t,
                    "\n{} [{}]: {}{claim}{}",
                    v.name,
                    v.version,
                    outcome,
                    if v.applicable { "" } else { " (not applicable)" }
                );
                if let Some(s) = v.scrap_share {
                    let _ = writeln!(t, "  scrap share {}%", pct(s));
                }
                for r in &v.reasons {
                    let _ = writeln!(t, "  [{}] {}: {}", if r.ok { "ok" } else { "no" }, r.check, r.detail);
                }
                for n in &v.not_found {
                    let _ = writeln!(t, "  [not found] {n}");
                }
            }
            t
        }
        Format::Json => {
            let verdicts: Vec<Value> = verdicts
                .iter()
                .map(|v| {
                    json!({
                        "framework": v.framework, "name": v.name, "version": v.version, "applicable": v.applicable,
                        "scrap_share": v.scrap_share.map(|s| num(s, 6)),
                        "intensity_tCO2e_per_t": num(v.intensity, 6),
                        "levels": v.levels.iter().map(|l| json!({"name": l.name, "limit_tCO2e_per_t": num(l.limit, 6), "met": l.met})).collect::<Vec<_>>(),
                        "reached": v.reached, "claim_recognised": v.claim_recognised,
                        "reasons": v.reasons.iter().map(|r| json!({"check": r.check, "ok": r.ok, "detail": r.detail})).collect::<Vec<_>>(),
                        "not_found": v.not_found,
                    })
                })
                .collect();
            let value = json!({
                "product": footprint.product, "material": footprint.material,
                "physical_intensity_tCO2e_per_t": num(footprint.intensity, 6),
                "boundary": footprint.boundary_note,
                "claim": claim.map(|c| json!({"kind": c.kind.as_str(), "claimed_tCO2e_per_t": num(c.claimed_intensity, 6)})),
                "verdicts": verdicts,
            });
            serde_json::to_string_pretty(&value).expect("JSON values serialize") + "\n"
        }
    }
}

// ---- disclosure pack -------------------------------------------------------------------------------

/// One disclosure field: a value, or what is missing and why (never filled in).
fn field(value: Option<String>, missing: &str) -> Value {
    match value {
        Some(v) => json!({"value": v}),
        None => json!({"missing": missing}),
    }
}

fn disclosure(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    use custody_core::claims::{footprint_of, ScrapDefinition};
    use custody_core::model::{Category, TxKind};
    let mut text = header(ledger, scope, "Disclosure pack per product sold (SteelZero buyer asks; method statement)");
    let products = st::product_intensity(ledger, scope);
    let in_scope = |d: custody_core::model::Date| d >= scope.start && d <= scope.end;
    let activity: Vec<_> = ledger.transactions().iter().filter(|t| in_scope(t.date)).collect();
    // Inputs consumed in the period, by item.
    let mut consumed: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for t in activity.iter().filter(|t| t.kind == TxKind::Consume) {
        for m in &t.movements {
            *consumed.entry(m.item.clone()).or_default() -= m.quantity;
        }
    }
    let allocation: Vec<String> = activity
        .iter()
        .filter(|t| t.kind == TxKind::Produce)
        .map(|t| {
            let key = t.meta.get("allocation").cloned().unwrap_or_default();
            let cut: Vec<String> = t
                .postings
                .iter()
                .filter(|p| p.account == ledger.chart().by_role(custody_core::chart::Role::ByproductContent).code)
                .filter_map(|p| p.dims.item.clone())
                .collect();
            format!(
                "{}: WIP allocated by {key}{}",
                t.id,
                if cut.is_empty() { String::new() } else { format!("; cut-off (content only): {}", cut.join(", ")) }
            )
        })
        .collect();
    let electricity: Vec<String> = activity
        .iter()
        .filter(|t| t.kind == TxKind::Purchase)
        .flat_map(|t| t.movements.iter())
        .filter(|m| ledger.item(&m.item).is_some_and(|i| i.category == Category::Electricity))
        .map(|m| {
            format!(
                "{} {} MWh bought at the supplier's factors",
                m.item,
                fmt_amount(Q::new(m.quantity as i128, 3_600_000), 0)
            )
        })
        .collect();
    // Replayed once for the pack, not per product.
    let verified = if ledger.verify().is_ok() { "passes" } else { "FAILS" };
    let mut out = Vec::new();
    for p in products.products.iter().filter(|p| p.sold > 0) {
        let fp = Some(footprint_of(ledger, scope, p, "steel"));
        let pools: Vec<_> = ledger
            .pools()
            .filter(|pool| pool.periods.values().any(|x| x.outputs.iter().any(|o| o.item == p.item)))
            .collect();
        let share = |d: ScrapDefinition| {
            fp.as_ref()
                .and_then(|f| f.ferrous.share(d))
                .map(|s| format!("{}%", exact::format_decimal(s * exact::q(100), 2)))
        };
        let technology = pools
            .iter()
            .flat_map(|pool| {
                pool.periods.values().flat_map(|x| x.inputs.iter().filter(|i| i.eligible)).map(move |i| {
                    format!(
                        "{} ({} t{}) in pool {}",
                        i.item,
                        fmt_amount(tonnes(i.quantity), 0),
                        i.intensity.map(|f| format!(" at {} tCO2e/t", exact::format_decimal(f, 4))).unwrap_or_default(),
                        pool.policy.id
                    )
                })
            })
            .collect::<Vec<_>>();
        let reductions = pools
            .iter()
            .map(|pool| {
                let st = pool.statements();
                let residual = st
                    .iter()
                    .filter_map(|x| x.residual_factor)
                    .map(|r| exact::format_decimal(r, 4))
                    .collect::<Vec<_>>();
                format!(
                    "pool {}: {} attribution, {} method{}",
                    pool.policy.id,
                    pool.policy.attribution.as_str(),
                    pool.policy.method.as_str(),
                    if residual.is_empty() {
                        String::new()
                    } else {
                        format!("; residual factor on unclaimed output {} tCO2e/t", residual.join(", "))
                    }
                )
            })
            .collect::<Vec<_>>();
        let same_site = pools
            .iter()
            .map(|pool| match &pool.policy.boundary {
                custody_core::coc::Boundary::Site(s) => {
                    Some(format!("pool {}: inputs and outputs at site {s}", pool.policy.id))
                }
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .filter(|v| !v.is_empty());
        let green = ledger
            .pools()
            .filter(|pool| pool.policy.attribute == custody_core::coc::Attribute::GreenElectricity)
            .flat_map(|pool| {
                pool.statements().into_iter().map(move |st| {
                    format!(
                        "pool {} period {}: {} of {} eligible",
                        pool.policy.id,
                        st.period,
                        fmt_amount(tonnes(st.eligible_inputs), 3),
                        fmt_amount(tonnes(st.inputs), 3)
                    )
                })
            })
            .collect::<Vec<_>>();
        let verifiers: Vec<String> = pools.iter().filter_map(|pool| pool.policy.verified_by.clone()).collect();
        let total_consumed: i64 = consumed
            .iter()
            .filter(|(i, _)| ledger.item(i).is_some_and(|x| x.measure == Dimension::Mass))
            .map(|(_, q)| *q)
            .sum();
        let inputs = consumed
            .iter()
            .map(|(i, q)| match ledger.item(i).map(|x| x.measure) {
                Some(Dimension::Mass) if total_consumed > 0 => format!(
                    "{i}: {} t ({}% of mass input)",
                    fmt_amount(tonnes(*q), 0),
                    exact::format_decimal(Q::new(*q as i128 * 100, total_consumed as i128), 1)
                ),
                Some(Dimension::Energy) => format!("{i}: {} MWh", fmt_amount(Q::new(*q as i128, 3_600_000), 0)),
                _ => format!("{i}: {q} base units"),
            })
            .collect::<Vec<_>>();
        let join = |v: Vec<String>| (!v.is_empty()).then(|| v.join("; "));
        let fields = vec![
            ("footprint_per_tonne", field(fp.as_ref().map(|f| format!("{} tCO2e/t cradle-to-gate ({} GWP100; transport to customers excluded)", exact::format_decimal(f.intensity, 4), ledger.entity().gwp.as_str().to_uppercase())), "the product was not sold in the period")),
            ("scrap_share", field(share(ScrapDefinition::MetallicInput).map(|m| format!("{m} of metallic input; {} of ferrous charge mass", share(ScrapDefinition::ChargeMass).unwrap_or_default())), "no consumed input is tagged `ferrous scrap|primary`")),
            ("standard_followed", field(Some(format!("dual-sided carbon ledger (EFI Foundation method), {} carbon ratios, IPCC {} GWP100, ISO 14044 allocation hierarchy", ledger.entity().ratios.as_str(), ledger.entity().gwp.as_str().to_uppercase())), "")),
            ("technology_or_low_carbon_input", field(join(technology), "no mass-balance pool with eligible inputs covers this product")),
            ("reduction_allocation", field(join(reductions), "no reduction is allocated to this product: its footprint is its physical average")),
            ("same_site_guarantee", field(same_site.map(|v| v.join("; ")), "no pool ties this product to a single site")),
            ("system_boundary", field(Some(format!("cradle-to-gate of {}: purchased inputs' attributed emissions, direct emissions net of CCS, depreciation of plant, seller's transport to customers (FOD)", ledger.entity().name)), "")),
            ("input_types_and_shares", field(join(inputs), "no consumption in the period")),
            ("allocation_logic", field(join(allocation.clone()), "no production in the period")),
            ("green_electricity", field(join(green), &format!("no green-electricity pool; electricity: {}", if electricity.is_empty() { "none purchased".into() } else { electricity.join("; ") }))),
            ("recycled_material", field(share(ScrapDefinition::MetallicInput).map(|m| format!("scrap {m} of metallic input")), "no recycled-content input is tagged")),
            ("evaluation_procedure", field(Some(format!("every transaction balances stock and flow sides; ledger replay verification: {}", verified)), "")),
            ("third_party_verification", field(join(verifiers), "no third-party verification recorded")),
            ("reference_standards", field(Some("ISO 14044 / ISO 14067 (allocation, footprint); IPCC GWP100; ISO 22095 chain-of-custody models where pools apply; check claims with `custody assess`".into()), "")),
        ];
        let _ = writeln!(text, "{} ({}):", p.name, p.item);
        for (k, v) in &fields {
            let line = v
                .get("value")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("MISSING: {}", v["missing"].as_str().unwrap_or("")));
            let _ = writeln!(text, "  {k:<32} {line}");
        }
        text.push('\n');
        out.push(json!({"item": p.item, "name": p.name, "fields": fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Map<_, _>>()}));
    }
    let mut m = base(ledger, scope, "disclosure");
    m.insert("products".into(), Value::Array(out));
    (text, Value::Object(m))
}

// ---- purchased goods and targets ----------------------------------------------------------------------

fn purchased_co2e(ledger: &Ledger, scope: &Scope) -> (st::PurchasedGoods, Q) {
    let pg = st::purchased_goods(ledger, scope);
    let total = pg.lines.iter().map(|(_, _, m)| co2e(ledger, m)).sum();
    (pg, total)
}

fn purchased_goods(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let mut text = header(ledger, scope, "Purchased goods: emissions bought in, by supplier and claim type");
    let (pg, total) = purchased_co2e(ledger, scope);
    let t = |g: Q| g / exact::q(1_000_000);
    let mut rows = vec![vec!["supplier".to_string(), "claim type".into(), "tCO2".into(), "tCO2e".into()]];
    let mut lines = Vec::new();
    let mut by_type: std::collections::BTreeMap<&str, Q> = std::collections::BTreeMap::new();
    for (supplier, kind, m) in &pg.lines {
        let e = co2e(ledger, m);
        *by_type.entry(kind).or_insert_with(|| exact::q(0)) += e;
        rows.push(vec![
            supplier.clone(),
            kind.to_string(),
            fmt_amount(t(gas_of(ledger, m, Species::CO2)), 2),
            fmt_amount(t(e), 2),
        ]);
        lines.push(json!({"supplier": supplier, "claim_type": kind, "tCO2": num(t(gas_of(ledger, m, Species::CO2)), 6), "tCO2e": num(t(e), 6)}));
    }
    rows.push(vec!["Total purchased goods".into(), String::new(), String::new(), fmt_amount(t(total), 2)]);
    text.push_str(&table(&rows));
    for (k, e) in &by_type {
        let _ = writeln!(text, "  {k}: {} tCO2e", fmt_amount(t(*e), 2));
    }
    if !pg.certificates.is_empty() {
        let _ =
            writeln!(text, "\nCertificates received (mass-balance credits and certificates; instruments, not netted):");
        for (id, from, units, pool) in &pg.certificates {
            let _ = writeln!(text, "  {id} from {from}: {units} units of pool {pool}");
        }
    }
    let mut progress = Vec::new();
    for target in ledger.targets() {
        let baseline = match (&target.baseline, &target.baseline_period) {
            (Some(b), _) => Some(*b),
            (None, Some(p)) => Scope::resolve(ledger, Some(p)).ok().map(|s| purchased_co2e(ledger, &s).1),
            (None, None) => None,
        };
        let year = scope.end.year();
        let required_now = if year <= target.baseline_year {
            exact::q(0)
        } else {
            target.reduction
                * Q::new(
                    (year.min(target.year) - target.baseline_year) as i128,
                    (target.year - target.baseline_year) as i128,
                )
        };
        match baseline.filter(|b| *b > exact::q(0)) {
            Some(b) => {
                let achieved = exact::q(1) - total / b;
                let on_track = achieved >= required_now;
                let _ = writeln!(
                    text,
                    "\nTarget {} ({}): baseline {} tCO2e ({}), this period {} tCO2e: {}% less; {}% by {} needs {}% by {year} on a straight line: {}",
                    target.id,
                    target.name,
                    fmt_amount(t(b), 0),
                    target.baseline_year,
                    fmt_amount(t(total), 0),
                    exact::format_decimal(achieved * exact::q(100), 1),
                    exact::format_decimal(target.reduction * exact::q(100), 1),
                    target.year,
                    exact::format_decimal(required_now * exact::q(100), 1),
                    if on_track { "on track" } else { "BEHIND" }
                );
                progress.push(json!({
                    "target": target.id, "name": target.name, "baseline_tCO2e": num(t(b), 6), "baseline_year": target.baseline_year,
                    "period_tCO2e": num(t(total), 6), "reduction_achieved": num(achieved, 6), "reduction_target": num(target.reduction, 6),
                    "target_year": target.year, "reduction_required_now": num(required_now, 6), "on_track": on_track,
                }));
            }
            None => {
                let _ = writeln!(
                    text,
                    "\nTarget {}: MISSING baseline (period without purchases or not defined)",
                    target.id
                );
                progress.push(json!({"target": target.id, "missing": "baseline"}));
            }
        }
    }
    let mut m = base(ledger, scope, "purchased-goods");
    m.insert("lines".into(), Value::Array(lines));
    m.insert(
        "by_claim_type".into(),
        Value::Object(by_type.iter().map(|(k, e)| (k.to_string(), num(t(*e), 6))).collect()),
    );
    m.insert("total_tCO2e".into(), num(t(total), 6));
    m.insert(
        "certificates_received".into(),
        Value::Array(
            pg.certificates
                .iter()
                .map(|(id, from, units, pool)| json!({"certificate": id, "from": from, "units": units, "pool": pool}))
                .collect(),
        ),
    );
    m.insert("targets".into(), Value::Array(progress));
    (text, Value::Object(m))
}
