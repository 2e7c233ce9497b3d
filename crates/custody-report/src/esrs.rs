//! The ESRS E1-6 table (`report esrs-e1-6`): gross Scopes 1, 2 and 3 and total GHG emissions, as
//! the CSRD's climate standard asks them (ESRS E1, disclosure requirement E1-6, paraphrased in
//! `docs/ghg-inventory.md`), read from the GHG inventory. A datapoint the ledger does not hold is
//! a row with `value: null` and `status: "missing"`, and listed in `missing`: never invented.

use crate::number::{decimal, fmt_amount, grams_to_tonnes, inventory_co2e, num};
use crate::table::{base, header, table};
use custody_core::exact::{self, Q};
use custody_core::statements::{self as st, Scope};
use custody_core::Ledger;
use serde_json::{json, Value};

struct Row {
    datapoint: String,
    unit: &'static str,
    value: Option<Q>,
    places: u32,
    note: String,
}

/// Net revenue of the scope: the sum over the periods inside it, when every one declares it in
/// one currency; else the reason it is missing.
pub(crate) fn revenue(ledger: &Ledger, scope: &Scope) -> Result<(Q, String), String> {
    let ps: Vec<_> = ledger.periods().iter().filter(|p| p.start >= scope.start && p.end <= scope.end).collect();
    let mut total = exact::q(0);
    let mut currency: Option<String> = None;
    for p in &ps {
        let Some(r) = &p.revenue else {
            return Err(format!("net revenue of period `{}` not declared (`revenue` on the period)", p.id));
        };
        if currency.as_ref().is_some_and(|c| *c != r.currency) {
            return Err(format!(
                "net revenue is declared in several currencies ({} and {})",
                currency.unwrap(),
                r.currency
            ));
        }
        currency = Some(r.currency.clone());
        total += r.amount;
    }
    match currency {
        Some(c) if total > exact::q(0) => Ok((total, c)),
        Some(_) => Err("net revenue is zero: no intensity per revenue".into()),
        None => Err("no period lies inside the scope".into()),
    }
}

pub(crate) fn esrs_e1_6(ledger: &Ledger, scope: &Scope) -> (String, Value) {
    let g = st::ghg_inventory(ledger, scope);
    let t = |m: &st::BySpecies, gas: &st::GasBySpecies| grams_to_tonnes(inventory_co2e(ledger, m, gas));
    let (s1, loc, mkt) = (
        t(&g.scope1.released, &g.scope1.released_gas),
        t(&g.scope2.location, &g.scope2.location_gas),
        t(&g.scope2.market, &g.scope2.market_gas),
    );
    let ets = match st::ets_coverage(ledger, &g) {
        Ok(_) if s1 == exact::q(0) => Err("no gross Scope 1 emissions in the scope: no share".to_string()),
        Ok(((c, gas), schemes)) => Ok((
            t(&c, &gas) / s1 * exact::q(100),
            match schemes.as_slice() {
                [] => "no site with Scope 1 emissions is covered by an emission trading scheme (declared `ets none`)"
                    .into(),
                _ => format!("Scope 1 released at sites covered by {} (declared per site)", schemes.join(", ")),
            },
        )),
        Err(why) => Err(why.join("; ")),
    };
    let row = |datapoint: &str, value: Option<Q>, note: &str| Row {
        datapoint: datapoint.into(),
        unit: "tCO2e",
        value,
        places: 2,
        note: note.into(),
    };
    let mut rows = vec![
        row(
            "Gross Scope 1 GHG emissions",
            Some(s1),
            "released: generated less captured for storage; capture process included",
        ),
        row(
            "Percentage of Scope 1 GHG emissions from regulated emission trading schemes",
            ets.as_ref().ok().map(|(v, _)| *v),
            match &ets {
                Ok((_, note)) => note,
                Err(why) => why,
            },
        ),
        row("Gross location-based Scope 2 GHG emissions", Some(loc), "grid-average factors declared on the items"),
        row(
            "Gross market-based Scope 2 GHG emissions",
            Some(mkt),
            "supplier-specific footprints; energy attribute certificates applied to the energy they cover",
        ),
    ];
    rows[1].unit = "%";
    let mut s3 = exact::q(0);
    let mut missing = Vec::new();
    for c in &g.scope3 {
        match c.status {
            st::Status::NotCovered => {
                missing.push(format!("Scope 3 category {} ({}): not covered by the ledger", c.category, c.name))
            }
            _ if c.by_species.is_empty() => {}
            status => {
                let e = t(&c.by_species, &c.gas);
                s3 += e;
                rows.push(row(&format!("Scope 3 category {}: {}", c.category, c.name), Some(e), status.as_str()));
            }
        }
    }
    rows.push(row("Gross Scope 3 GHG emissions (significant categories)", Some(s3), "the categories above"));
    rows.push(row(
        "Total GHG emissions (location-based)",
        Some(s1 + loc + s3),
        "Scope 1 + location-based Scope 2 + Scope 3",
    ));
    rows.push(row(
        "Total GHG emissions (market-based)",
        Some(s1 + mkt + s3),
        "Scope 1 + market-based Scope 2 + Scope 3",
    ));
    rows.push(Row {
        unit: "tCO2",
        ..row("Biogenic CO2 emissions (outside the scopes)", None, "the ledger books no biogenic species")
    });
    match revenue(ledger, scope) {
        Ok((r, cur)) => {
            for (what, total) in [("location-based", s1 + loc + s3), ("market-based", s1 + mkt + s3)] {
                rows.push(Row {
                    unit: "tCO2e per monetary unit",
                    places: 9,
                    ..row(
                        &format!("GHG intensity per net revenue ({what})"),
                        Some(total / r),
                        &format!("net revenue {} {cur}", decimal(r, 2)),
                    )
                });
            }
        }
        Err(why) => {
            for what in ["location-based", "market-based"] {
                rows.push(Row {
                    unit: "tCO2e per monetary unit",
                    ..row(&format!("GHG intensity per net revenue ({what})"), None, &why)
                });
            }
        }
    }
    let mut text = header(ledger, scope, "ESRS E1-6: gross Scopes 1, 2, 3 and total GHG emissions");
    let mut trows = vec![vec!["datapoint".to_string(), "value".into(), "unit".into()]];
    let mut jrows = Vec::new();
    for r in &rows {
        if r.value.is_none() {
            missing.push(format!("{}: {}", r.datapoint, r.note));
        }
        trows.push(vec![
            r.datapoint.clone(),
            r.value.map(|v| fmt_amount(v, r.places)).unwrap_or_else(|| "MISSING".into()),
            r.unit.into(),
        ]);
        jrows.push(json!({
            "datapoint": r.datapoint, "value": r.value.map(|v| num(v, r.places.max(6))), "unit": r.unit,
            "status": if r.value.is_some() { "reported" } else { "missing" }, "note": r.note,
        }));
    }
    text.push_str(&table(&trows));
    text.push_str("\nMissing (never invented):\n");
    for m in &missing {
        text.push_str(&format!("  {m}\n"));
    }
    // Reversals of earlier periods' operations lower these figures: named, never silent.
    let restatements: Vec<Value> = g
        .restatements
        .iter()
        .map(|r| {
            let e = grams_to_tonnes(inventory_co2e(ledger, &r.by_species, &r.gas));
            text.push_str(&format!(
                "Restatement: {} reverses `{}` of period {}: {} tCO2e in these figures\n",
                r.reversal,
                r.reverses,
                r.original_period.as_deref().unwrap_or("none"),
                fmt_amount(e, 2)
            ));
            json!({"reversal": r.reversal, "reverses": r.reverses, "original_period": r.original_period, "tCO2e": num(e, 6)})
        })
        .collect();
    let mut m = base(ledger, scope, "esrs-e1-6");
    m.insert("rows".into(), Value::Array(jrows));
    m.insert("restatements".into(), Value::Array(restatements));
    m.insert("missing".into(), json!(missing));
    (text, Value::Object(m))
}
