//! The disclosure pack per product sold (buyer asks and method statement).

use crate::number::{decimal, fmt_amount, tonnes};
use crate::table::{base, header};
use custody_core::exact::{self, Q};
use custody_core::statements::{self as st, Scope};
use custody_core::units::Dimension;
use custody_core::Ledger;
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// One disclosure field: a value, or what is missing and why (never filled in).
fn field(value: Option<String>, missing: &str) -> Value {
    match value {
        Some(v) => json!({"value": v}),
        None => json!({"missing": missing}),
    }
}

pub(crate) fn disclosure(ledger: &Ledger, scope: &Scope) -> (String, Value) {
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
            *consumed.entry(m.item.to_string()).or_default() -= m.quantity;
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
                .filter_map(|p| p.dims.item.map(String::from))
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
            fp.as_ref().and_then(|f| f.ferrous.share(d)).map(|s| format!("{}%", decimal(s * exact::q(100), 2)))
        };
        let technology = pools
            .iter()
            .flat_map(|pool| {
                pool.periods.values().flat_map(|x| x.inputs.iter().filter(|i| i.eligible)).map(move |i| {
                    format!(
                        "{} ({} t{}) in pool {}",
                        i.item,
                        fmt_amount(tonnes(i.quantity), 0),
                        i.intensity.map(|f| format!(" at {} tCO2e/t", decimal(f, 4))).unwrap_or_default(),
                        pool.policy.id
                    )
                })
            })
            .collect::<Vec<_>>();
        let reductions = pools
            .iter()
            .map(|pool| {
                let st = pool.statements();
                let residual = st.iter().filter_map(|x| x.residual_factor).map(|r| decimal(r, 4)).collect::<Vec<_>>();
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
                    decimal(Q::new(*q as i128 * 100, total_consumed as i128), 1)
                ),
                Some(Dimension::Energy) => format!("{i}: {} MWh", fmt_amount(Q::new(*q as i128, 3_600_000), 0)),
                _ => format!("{i}: {q} base units"),
            })
            .collect::<Vec<_>>();
        let join = |v: Vec<String>| (!v.is_empty()).then(|| v.join("; "));
        // Missing is not zero: a footprint from material without emission data is no footprint.
        let gaps = fp.as_ref().map(|f| f.data_gaps.clone()).unwrap_or_default();
        let footprint_missing = match fp.as_ref().filter(|_| !gaps.is_empty()) {
            Some(f) => format!(
                "incomplete: no emission data for {}; the ledger's {} tCO2e/t is only a lower bound",
                gaps.join(", "),
                decimal(f.intensity, 4)
            ),
            None => "the product was not sold in the period".to_string(),
        };
        let fields = vec![
            ("footprint_per_tonne", field(fp.as_ref().filter(|_| gaps.is_empty()).map(|f| format!("{} tCO2e/t cradle-to-gate ({} GWP100; CO and VOC as the CO2 they become; transport to customers excluded)", decimal(f.intensity, 4), ledger.entity().gwp.as_str().to_uppercase())), &footprint_missing)),
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
