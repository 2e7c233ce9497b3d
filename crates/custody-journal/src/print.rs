//! Entry -> canonical journal text: the inverse of parsing, used to persist what was submitted.
//! `parse(print(entry)) == entry` for every entry (tested on the EFI journal).

use crate::parse::Entry;
use custody_core::chart::Side;
use custody_core::exact;
use custody_core::model::*;
use custody_core::ops::*;
use std::fmt::Write;

pub(crate) fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(crate) fn dims(d: &Dims) -> String {
    let mut s = String::new();
    for (k, v) in [
        ("item", d.item.as_deref()),
        ("lot", d.lot.as_deref()),
        ("site", d.site.as_deref()),
        ("origin", d.origin.map(|o| o.as_str())),
        ("counterparty", d.counterparty.as_deref()),
    ] {
        if let Some(v) = v {
            let _ = write!(s, " {k}={v}");
        }
    }
    s
}

fn line(o: &mut String, key: &str, value: impl std::fmt::Display) {
    let _ = writeln!(o, "  {key} {value}");
}

fn opt_line(o: &mut String, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        line(o, key, v);
    }
}

fn dec(q: exact::Q) -> String {
    exact::format_decimal(q, 30)
}

/// Canonical text of one entry, ending with a newline.
pub fn print_entry(entry: &Entry) -> String {
    let mut o = String::new();
    match entry {
        Entry::Entity(e) => {
            let _ = writeln!(o, "entity {} {}", e.id, quote(&e.name));
            line(&mut o, "ratios", e.ratios.as_str());
            line(&mut o, "gwp", e.gwp.as_str());
            if e.co_voc != Default::default() {
                line(&mut o, "co-voc", e.co_voc.as_str());
            }
        }
        Entry::Counterparty(c) => {
            let _ = writeln!(o, "counterparty {} {}", c.id, quote(&c.name));
        }
        Entry::Account(a) => {
            let side = if a.side == Side::Stock { "stock" } else { "flow" };
            let _ = writeln!(o, "account {} {side} {}", a.code, quote(&a.name));
        }
        Entry::Item(it) => {
            let _ = writeln!(o, "item {} {}", it.id, quote(&it.name));
            line(&mut o, "category", it.category.as_str());
            line(&mut o, "measure", it.measure.as_str());
            line(&mut o, "costing", it.costing.as_str());
            if let Some(c) = it.carbon_content {
                line(&mut o, "carbon-content", dec(c));
            }
            for p in [&it.energy_content, &it.volumetric_energy].into_iter().flatten() {
                line(&mut o, "energy-content", p);
            }
            if let Some(p) = &it.density {
                line(&mut o, "density", p);
            }
            if let Some((kind, frac)) = it.ferrous {
                line(&mut o, "ferrous", format!("{} {}", kind.as_str(), dec(frac)));
            }
            opt_line(&mut o, "cn-code", &it.cbam.cn_code);
            if let Some(c) = it.cbam.category {
                line(&mut o, "goods-category", quote(c.as_str()));
            }
            if let Some(e) = it.cbam.embedded.as_deref() {
                let source = if e.default_values { "default" } else { "actual" };
                line(&mut o, "embedded", format!("{} {} tCO2e/t {source}", dec(e.direct), dec(e.indirect)));
            }
            if let Some(g) = it.ghg {
                line(&mut o, "ghg", g.as_string());
            }
            for g in &it.grid_factors {
                line(&mut o, "grid-factor", format!("{} {}", g.factor, quote(&g.source)));
            }
            for g in &it.residual_mix {
                line(&mut o, "residual-mix", format!("{} {}", g.factor, quote(&g.source)));
            }
            for (key, f) in
                [("processing", it.fate.processing), ("use", it.fate.use_phase), ("end-of-life", it.fate.end_of_life)]
            {
                if let Some(f) = f {
                    line(&mut o, key, format!("oxidised {}", dec(f)));
                }
            }
            opt_line(&mut o, "market-boundary", &it.market_boundary);
            if let Some((place, share)) = it.ghg_split {
                line(&mut o, "ghg-split", format!("{} {}", place.as_string(), dec(share)));
            }
        }
        Entry::Site(s) => {
            let _ = writeln!(o, "site {} {}", s.id, quote(&s.name));
            for (key, v) in [("city", &s.city), ("country", &s.country), ("unlocode", &s.unlocode)] {
                if let Some(v) = v {
                    line(&mut o, key, quote(v));
                }
            }
            if let Some((lat, lon)) = s.coordinates {
                line(&mut o, "coordinates", format!("{} {}", dec(lat), dec(lon)));
            }
            if s.default {
                let _ = writeln!(o, "  default");
            }
            match &s.ets {
                Some(Ets::Scheme(x)) => line(&mut o, "ets", quote(x)),
                Some(Ets::NotCovered) => line(&mut o, "ets", "none"),
                None => {}
            }
        }
        Entry::Asset(a) => {
            let _ = writeln!(o, "asset {} {}", a.id, quote(&a.name));
            line(&mut o, "in-service", a.in_service);
            line(&mut o, "life", format!("{} months", a.life_months));
        }
        Entry::Period(p) => {
            let _ = writeln!(o, "period {} {} {}", p.id, format_date(p.start), format_date(p.end));
            if let Some(r) = &p.revenue {
                line(&mut o, "revenue", format!("{} {}", dec(r.amount), r.currency));
            }
        }
        Entry::Close(id) => {
            let _ = writeln!(o, "close {id}");
        }
        Entry::Pool(p) => print_pool(&mut o, p),
        Entry::Target(t) => {
            let _ = writeln!(o, "target {} {}", t.id, quote(&t.name));
            if let Some(b) = t.baseline {
                line(&mut o, "baseline", format!("{} tCO2e", dec(b / exact::q(1_000_000))));
            }
            opt_line(&mut o, "baseline-period", &t.baseline_period);
            line(&mut o, "baseline-year", t.baseline_year);
            line(&mut o, "reduction", dec(t.reduction));
            line(&mut o, "year", t.year);
            if let Some(m) = t.measure {
                line(&mut o, "scope", m.as_string());
            }
            if t.intensity {
                line(&mut o, "basis", "intensity");
            }
            if let Some(r) = t.recalculate_above {
                line(&mut o, "recalculate-above", dec(r));
            }
        }
        Entry::Op(op) => print_op(&mut o, op),
    }
    o
}

/// A CO2e intensity held as grams per gram, written as tCO2e/t.
fn co2e(q: exact::Q) -> String {
    format!("{} tCO2e/t", dec(q))
}

fn print_pool(o: &mut String, p: &custody_core::coc::Policy) {
    use custody_core::coc::Boundary;
    let _ = writeln!(o, "pool {} {}", p.id, quote(&p.name));
    line(o, "attribute", p.attribute.as_str());
    line(o, "method", p.method.as_str());
    for e in &p.eligible {
        line(o, "eligible", e);
    }
    if let Some(b) = p.benchmark {
        line(o, "benchmark", co2e(b));
    }
    line(o, "start", p.start);
    line(o, "period", format!("{} months", p.period_months));
    if let Some(c) = &p.carry_over {
        line(o, "carry-over", format!("{} {}", dec(c.max_share), c.max_periods));
    }
    let boundary = match &p.boundary {
        Boundary::Batch(x) => format!("batch {x}"),
        Boundary::Process(x) => format!("process {x}"),
        Boundary::Site(x) => format!("site {x}"),
        Boundary::Sites(x) => format!("sites {}", x.join(",")),
        Boundary::Company => "company".into(),
    };
    line(o, "boundary", boundary);
    for (g, items) in &p.groups {
        line(o, "group", format!("{g} {}", items.join(" ")));
    }
    line(o, "group-key", p.group_key.as_str());
    line(o, "attribution", p.attribution.as_str());
    line(o, "output", p.output.as_str());
    line(o, "claim", quote(&p.claim));
    match p.conversion_dims {
        // Written in t and MWh, where a conversion stated in common units is a finite decimal.
        Some((n, d)) => {
            let size = |x: custody_core::units::Dimension| match x {
                custody_core::units::Dimension::Energy => (3_600_000i128, "MWh"),
                custody_core::units::Dimension::Mass => (1_000_000, "t"),
                custody_core::units::Dimension::Volume => (1, "m3"),
            };
            let ((ns, nu), (ds, du)) = (size(n), size(d));
            line(o, "conversion", format!("{} {nu}/{du}", dec(p.conversion * exact::Q::new(ds, ns))))
        }
        None => line(o, "conversion", dec(p.conversion)),
    }
    if let Some(v) = &p.verified_by {
        line(o, "verified-by", quote(v));
    }
}

#[allow(clippy::too_many_arguments)]
fn pool_flow(
    o: &mut String,
    pool: &str,
    item: &str,
    operation: &Option<String>,
    quantity: &Option<custody_core::units::Measure>,
    site: &Option<String>,
    process: &Option<String>,
    batch: &Option<String>,
) {
    line(o, "pool", pool);
    line(o, "item", item);
    opt_line(o, "operation", operation);
    if let Some(q) = quantity {
        line(o, "quantity", q);
    }
    opt_line(o, "site", site);
    opt_line(o, "process", process);
    opt_line(o, "batch", batch);
}

fn print_custody(o: &mut String, c: &custody_core::ops::CustodyOp) {
    use custody_core::ops::CustodyOp as C;
    match c {
        C::PoolInput { pool, item, operation, quantity, intensity, site, process, batch } => {
            pool_flow(o, pool, item, operation, quantity, site, process, batch);
            if let Some(i) = intensity {
                line(o, "intensity", co2e(*i));
            }
        }
        C::PoolOutput { pool, item, operation, quantity, site, process, batch } => {
            pool_flow(o, pool, item, operation, quantity, site, process, batch)
        }
        C::PoolClaim { pool, output, quantity, factor, sale, customer } => {
            line(o, "pool", pool);
            opt_line(o, "output", output);
            opt_line(o, "sale", sale);
            opt_line(o, "customer", customer);
            line(o, "quantity", quantity);
            if let Some(f) = factor {
                line(o, "factor", co2e(*f));
            }
        }
        C::PoolClose { pool, period } => {
            line(o, "pool", pool);
            if let Some(p) = period {
                line(o, "period", p);
            }
        }
        C::CertificateIssue { pool, certificate, units, bundled_with, expires } => {
            line(o, "pool", pool);
            line(o, "certificate", certificate);
            line(o, "units", units);
            opt_line(o, "bundled-with", bundled_with);
            if let Some(e) = expires {
                line(o, "expires", format_date(*e));
            }
        }
        C::CertificateSplit { certificate, units, first, rest } => {
            line(o, "certificate", certificate);
            line(o, "units", units);
            line(o, "first", first);
            line(o, "rest", rest);
        }
        C::CertificateTransfer { certificate, to } => {
            line(o, "certificate", certificate);
            line(o, "to", to);
        }
        C::CertificateReceive { certificate, from, block } => {
            line(o, "certificate", certificate);
            line(o, "from", from);
            if let Some(b) = block {
                let mut extra = String::new();
                if let Some(s) = &b.bundled_with {
                    extra.push_str(&format!(" bundled-with={s}"));
                }
                if let Some(e) = b.expires {
                    extra.push_str(&format!(" expires={}", format_date(e)));
                }
                if let Some(s) = &b.sent_by {
                    extra.push_str(&format!(" sent-by={s}"));
                }
                if let Some(n) = &b.named_by {
                    extra.push_str(&format!(" named-by={n}"));
                }
                line(o, "block", format!("{} {} {} {} {}{extra}", b.issuer, b.pool, b.period, b.first, b.last));
            }
        }
        C::CertificateRetire { certificate, beneficiary, purpose, claim_period } => {
            line(o, "certificate", certificate);
            line(o, "beneficiary", quote(beneficiary));
            line(o, "purpose", quote(purpose));
            line(o, "claim-period", quote(claim_period));
        }
        C::CertificateCancel { certificate, reason } => {
            line(o, "certificate", certificate);
            line(o, "reason", quote(reason));
        }
        C::CertificateExpire { certificate } => line(o, "certificate", certificate),
        C::Avoided { project, basis, baseline, actual, quantity, allocated_to } => {
            line(o, "project", quote(project));
            line(o, "basis", basis.as_str());
            line(o, "baseline", co2e(*baseline));
            line(o, "actual", co2e(*actual));
            line(o, "quantity", quantity);
            if let Some(a) = allocated_to {
                line(o, "allocated-to", quote(a));
            }
        }
    }
}

fn print_op(o: &mut String, op: &Op) {
    let memo = if op.memo.is_empty() { String::new() } else { format!(" {}", quote(&op.memo)) };
    let _ = writeln!(o, "{} {} {}{memo}", format_date(op.date), op.body.name(), op.id);
    match &op.body {
        Operation::Opening(r) | Operation::Purchase(r) => {
            opt_line(o, "supplier", &r.counterparty);
            line(o, "item", &r.item);
            if let Some(q) = &r.quantity {
                line(o, "quantity", q);
            }
            opt_line(o, "lot", &r.lot);
            opt_line(o, "site", &r.site);
            for f in &r.factors {
                line(o, "factor", f);
            }
            for a in &r.attributed {
                line(o, "attributed", a);
            }
            if let Some(c) = &r.content {
                line(o, "content", c);
            }
            if let Some(m) = r.custody {
                line(o, "custody", m.as_str());
            }
            if let Some(b) = &r.biogenic_uptake {
                line(o, "biogenic-uptake", b);
            }
        }
        Operation::Capitalise(c) => {
            line(o, "asset", &c.asset);
            opt_line(o, "counterparty", &c.counterparty);
            opt_line(o, "site", &c.site);
            for a in &c.amounts {
                line(o, "amount", a);
            }
        }
        Operation::Consume(c) => {
            opt_line(o, "site", &c.site);
            for u in &c.uses {
                let lot = u.lot.as_ref().map(|l| format!(" lot={l}")).unwrap_or_default();
                line(o, "use", format!("{} {}{lot}", u.item, u.quantity));
            }
        }
        Operation::Emit(e) => {
            opt_line(o, "site", &e.site);
            for x in &e.emissions {
                line(o, "emission", x);
            }
        }
        Operation::Capture(c) => {
            opt_line(o, "site", &c.site);
            line(o, "operator", &c.operator);
            for x in &c.captured {
                line(o, "captured", x);
            }
            for x in &c.process {
                line(o, "process", x);
            }
        }
        Operation::Produce(p) => {
            opt_line(o, "site", &p.site);
            line(o, "allocation", p.key.as_str());
            for out in &p.outputs {
                let mut s = format!("{} {}", out.item, out.quantity);
                if let Some(c) = &out.content {
                    let _ = write!(s, " content {c}");
                }
                if let Some(v) = out.value {
                    let _ = write!(s, " value {}", dec(v));
                }
                if out.cut_off {
                    s.push_str(" cut-off");
                }
                line(o, "output", s);
            }
        }
        Operation::Depreciate(d) => {
            line(o, "asset", &d.asset);
            opt_line(o, "site", &d.site);
            for (item, w) in &d.to {
                line(o, "to", format!("{item} weight {}", dec(*w)));
            }
        }
        Operation::Sell(s) => {
            line(o, "item", &s.item);
            opt_line(o, "site", &s.site);
            opt_line(o, "lot", &s.lot);
            if let Some(q) = &s.quantity {
                line(o, "quantity", q);
            }
            for l in &s.lines {
                match (&l.share, &l.quantity) {
                    (Some(share), _) => line(o, "customer", format!("{} share {}", l.customer, dec(*share))),
                    (None, Some(q)) => line(o, "customer", format!("{} {q}", l.customer)),
                    (None, None) => line(o, "customer", &l.customer),
                }
            }
            opt_line(o, "carrier", &s.carrier);
            for t in &s.transport {
                line(o, "transport", t);
            }
            if let Some(m) = s.custody {
                line(o, "custody", m.as_str());
            }
        }
        Operation::Raw(r) => print_raw(o, r, &|_| None),
        Operation::Reverse { of } => line(o, "of", of),
        Operation::Receive(r) => {
            line(o, "transfer", &r.transfer);
            line(o, "item", &r.item);
            opt_line(o, "supplier", &r.supplier);
            if let Some(m) = r.custody {
                line(o, "custody", m.as_str());
            }
            opt_line(o, "lot", &r.lot);
            opt_line(o, "site", &r.site);
            if let Some(q) = r.quantity {
                match r.measure {
                    Some(m) => line(o, "quantity", format!("{q} {}", m.base_unit())),
                    None => line(o, "quantity", q),
                }
            }
            for (form, species, amount, gas) in &r.amounts {
                let unit = if species.is_carbon() { "gC" } else { "g" };
                let gas = gas.map(|g| format!(" gas {g} g")).unwrap_or_default();
                line(o, "amount", format!("{} {species} {amount} {unit}{gas}", form.as_str()));
            }
            for g in &r.data_gaps {
                line(o, "data-gap", g);
            }
            if let Some(c) = &r.claim {
                let state = if c.closed { "closed" } else { "open" };
                let extent = if c.site_level { "site" } else { "wide" };
                let lowest =
                    c.lowest_input.map(|q| format!("{}/{}", q.numer(), q.denom())).unwrap_or_else(|| "-".into());
                let head = format!(
                    "{} {} {} {} {state} {extent} {lowest}",
                    c.pool,
                    c.period,
                    c.method.as_str(),
                    c.attribution.as_str()
                );
                line(o, "claim", head);
                for l in &c.lines {
                    let id = l.claim.as_ref().map(|x| format!(" {x}")).unwrap_or_default();
                    let f = format!("{}/{}", l.factor.numer(), l.factor.denom());
                    line(o, "claim-line", format!("{} {} {f} {}{id}", l.kind.as_str(), l.quantity, l.co2e_g));
                }
                if let Some(v) = &c.verifier {
                    line(o, "claim-verifier", quote(v));
                }
                for x in &c.certificates {
                    line(o, "claim-certificate", x);
                }
            }
        }
        Operation::Return(r) => {
            line(o, "sale", &r.sale);
            line(o, "customer", &r.customer);
        }
        Operation::SupplierReturn(r) => {
            line(o, "purchase", &r.purchase);
            opt_line(o, "supplier", &r.supplier);
            line(o, "quantity", &r.quantity);
        }
        Operation::Move(m) => {
            line(o, "item", &m.item);
            opt_line(o, "lot", &m.lot);
            line(o, "quantity", &m.quantity);
            opt_line(o, "from", &m.from);
            opt_line(o, "to", &m.to);
        }
        Operation::Custody(c) => print_custody(o, c),
        Operation::Obtain(x) => {
            line(o, "instrument", x.kind.as_str());
            line(o, "quantity", format!("{} gCO2e", dec(x.co2e_grams)));
            opt_line(o, "counterparty", &x.counterparty);
            if let Some(e) = &x.eac {
                line(o, "certificate", &e.serial);
                line(o, "against", &e.item);
                line(o, "covers", e.covers);
                line(o, "generated", format!("{} {}", format_date(e.generated.0), format_date(e.generated.1)));
                line(o, "boundary", &e.boundary);
                line(o, "rate", e.rate);
            }
        }
    }
}

/// The body of a raw transaction: kind, reversal target, postings, movements, meta. Movements are
/// in the item's base unit; `unit_of` names it (`g` or `kJ`) where the caller knows the item.
pub(crate) fn print_raw(o: &mut String, r: &Raw, unit_of: &dyn Fn(&str) -> Option<&'static str>) {
    line(o, "kind", r.kind.as_str());
    opt_line(o, "reverses", &r.reverses);
    for p in &r.postings {
        let unit = if p.species.is_carbon() { "gC" } else { "g" };
        line(o, "post", format!("{} {} {unit} {}{}", p.account, p.amount, p.species, dims(&p.dims)));
    }
    for m in &r.movements {
        let unit = unit_of(&m.item).map(|u| format!(" {u}")).unwrap_or_default();
        let mut extra = String::new();
        if let Some(l) = &m.lot {
            let _ = write!(extra, " lot={l}");
        }
        if let Some(s) = &m.site {
            let _ = write!(extra, " site={s}");
        }
        line(o, "move", format!("{} {}{unit}{extra}", m.item, m.quantity));
    }
    for (k, v) in &r.meta {
        line(o, "meta", format!("{k} {}", quote(v)));
    }
}
