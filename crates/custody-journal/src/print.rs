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
        }
        Entry::Asset(a) => {
            let _ = writeln!(o, "asset {} {}", a.id, quote(&a.name));
            line(&mut o, "in-service", a.in_service);
            line(&mut o, "life", format!("{} months", a.life_months));
        }
        Entry::Period(p) => {
            let _ = writeln!(o, "period {} {} {}", p.id, format_date(p.start), format_date(p.end));
        }
        Entry::Close(id) => {
            let _ = writeln!(o, "close {id}");
        }
        Entry::Op(op) => print_op(&mut o, op),
    }
    o
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
        }
        Operation::Raw(r) => print_raw(o, r, &|_| None),
        Operation::Reverse { of } => line(o, "of", of),
        Operation::Receive(r) => {
            line(o, "transfer", &r.transfer);
            line(o, "item", &r.item);
            opt_line(o, "supplier", &r.supplier);
            opt_line(o, "lot", &r.lot);
            opt_line(o, "site", &r.site);
            if let Some(q) = r.quantity {
                line(o, "quantity", q);
            }
            for (form, species, amount) in &r.amounts {
                let unit = if species.is_carbon() { "gC" } else { "g" };
                line(o, "amount", format!("{} {species} {amount} {unit}", form.as_str()));
            }
        }
        Operation::Return(r) => {
            line(o, "sale", &r.sale);
            line(o, "customer", &r.customer);
        }
        Operation::Obtain(x) => {
            line(o, "instrument", x.kind.as_str());
            line(o, "quantity", format!("{} gCO2e", dec(x.co2e_grams)));
            opt_line(o, "counterparty", &x.counterparty);
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
