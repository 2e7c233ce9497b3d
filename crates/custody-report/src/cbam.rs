//! The EU CBAM statement (`custody report cbam`): an installation's goods with their specific
//! embedded emissions, as text and as the JSON contract of `docs/cbam.md`. Figures come from
//! `custody_core::statements::cbam`; this file only converts units and formats.

use crate::number::{decimal, fmt_amount, num};
use custody_core::exact::{self, Q};
use custody_core::model::format_date;
use custody_core::statements::{self as st, CbamStatement, Scope};
use custody_core::Ledger;
use serde_json::{json, Value};
use std::fmt::Write;

/// Decimal places of every per-tonne figure in JSON.
pub(crate) const PLACES: u32 = 6;

/// The statement for a site and period (the period is required: CBAM reports a named period).
pub(crate) fn statement(ledger: &Ledger, site: &str, period: &str) -> Result<CbamStatement, String> {
    let scope = Scope::resolve(ledger, Some(period))?;
    st::cbam(ledger, &scope, site).map_err(|e| e.to_string())
}

pub(crate) fn tonnes(g: Q) -> Q {
    g / exact::q(1_000_000)
}

/// Whether precursor values are the producer's, defaults, or not known.
pub(crate) fn values_of(p: &st::CbamPrecursor) -> &'static str {
    match p.embedded {
        Some(e) if e.default_values => "default",
        Some(_) => "actual",
        None => "missing",
    }
}

pub(crate) fn json(s: &CbamStatement) -> Value {
    let site = &s.site;
    let goods: Vec<Value> = s
        .goods
        .iter()
        .map(|g| {
            let precursors: Vec<Value> = g
                .precursors
                .iter()
                .map(|p| {
                    let e = p.embedded;
                    json!({
                        "item": p.item,
                        "cn_code": p.cn_code,
                        "category": p.category.map(|c| c.as_str()),
                        "quantity_t_per_t": num(p.quantity_per_t, PLACES),
                        "suppliers": p.suppliers,
                        "see_direct_tCO2e_per_t": e.map(|e| num(e.direct, PLACES)),
                        "see_indirect_tCO2e_per_t": e.map(|e| num(e.indirect, PLACES)),
                        "values": values_of(p),
                    })
                })
                .collect();
            json!({
                "item": g.item,
                "cn_code": g.cn_code,
                "category": g.category.map(|c| c.as_str()),
                "quantity_t": num(tonnes(Q::from_integer(g.quantity_g as i128)), PLACES),
                "see_direct_tCO2e_per_t": num(g.see_direct, PLACES),
                "see_indirect_tCO2e_per_t": num(g.see_indirect, PLACES),
                "see_total_tCO2e_per_t": num(g.see_direct + g.see_indirect, PLACES),
                "electricity_MWh_per_t": num(g.electricity_mwh_per_t, PLACES),
                "electricity_factor_tCO2_per_MWh": g.electricity_factor.map(|f| num(f, PLACES)),
                "precursors": precursors,
                "default_share": num(g.default_share, PLACES),
            })
        })
        .collect();
    json!({
        "installation": {
            "site": site.id,
            "name": site.name,
            "city": site.city,
            "country": site.country,
            "unlocode": site.unlocode,
            "latitude": site.coordinates.map(|c| num(c.0, 30)),
            "longitude": site.coordinates.map(|c| num(c.1, 30)),
        },
        "period": {"id": s.scope.period, "from": format_date(s.scope.start), "to": format_date(s.scope.end)},
        "goods": goods,
        "missing": s.missing.iter().map(|m| json!({"subject": m.subject, "field": m.field, "reason": m.reason})).collect::<Vec<_>>(),
    })
}

pub(crate) fn text(ledger: &Ledger, s: &CbamStatement) -> String {
    let site = &s.site;
    let mut o = format!(
        "{}\nEU CBAM specific embedded emissions (Implementing Regulation (EU) 2023/1773, Annex III)\n",
        ledger.entity().name
    );
    let _ = writeln!(
        o,
        "Installation {} ({}), {}; period {} ({} to {})\n",
        site.id,
        site.name,
        [site.city.as_deref(), site.country.as_deref(), site.unlocode.as_deref()]
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
        s.scope.period,
        format_date(s.scope.start),
        format_date(s.scope.end)
    );
    let t = &s.totals;
    let _ = writeln!(o, "Direct emissions, gross          {:>16} tCO2e", fmt_amount(tonnes(t.direct_gross), 2));
    let _ = writeln!(o, "Captured and stored, net         {:>16} tCO2e", fmt_amount(tonnes(t.ccs), 2));
    let _ = writeln!(o, "Direct emissions, net of CCS     {:>16} tCO2e", fmt_amount(tonnes(t.direct_gross + t.ccs), 2));
    let mwh = Q::from_integer(t.electricity_kj) / exact::q(3_600_000);
    let _ = writeln!(o, "Electricity consumed             {:>16} MWh", fmt_amount(mwh, 2));
    let _ = writeln!(o, "CO2 of that electricity          {:>16} tCO2\n", fmt_amount(tonnes(t.electricity_co2), 2));
    for g in &s.goods {
        let _ = writeln!(
            o,
            "{} (CN {}, {}): {} t",
            g.item,
            g.cn_code.as_deref().unwrap_or("missing"),
            g.category.map(|c| c.as_str()).unwrap_or("category missing"),
            fmt_amount(tonnes(Q::from_integer(g.quantity_g as i128)), 3)
        );
        let rows = [
            ("SEE direct", g.see_direct, "tCO2e/t"),
            ("SEE indirect", g.see_indirect, "tCO2e/t"),
            ("SEE total", g.see_direct + g.see_indirect, "tCO2e/t"),
            ("Electricity", g.electricity_mwh_per_t, "MWh/t"),
            ("Electricity factor", g.electricity_factor.unwrap_or_else(|| exact::q(0)), "tCO2/MWh"),
            ("Share of default values", g.default_share, ""),
        ];
        for (label, v, unit) in rows {
            let _ = writeln!(o, "  {label:<26}{:>12} {unit}", decimal(v, PLACES));
        }
        for p in &g.precursors {
            let _ = writeln!(
                o,
                "  precursor {}: {} t/t from {} ({} values)",
                p.item,
                decimal(p.quantity_per_t, PLACES),
                if p.suppliers.is_empty() { "no supplier".into() } else { p.suppliers.join(", ") },
                values_of(p)
            );
        }
    }
    if s.goods.is_empty() {
        let _ = writeln!(o, "No CBAM goods were produced at this installation in the period.");
    }
    if !s.missing.is_empty() {
        let _ = writeln!(o, "\nMissing (the ledger does not know; nothing was assumed):");
        for m in &s.missing {
            let _ = writeln!(o, "  {} {}: {}", m.subject, m.field, m.reason);
        }
    }
    o
}
