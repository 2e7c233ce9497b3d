//! The mass-balance pools statement: each pool's policy and its statement per period.

use crate::number::{decimal, factor, fmt_amount, num, tonnes};
use crate::table::{base, header, table};
use custody_core::exact::{self, Q};
use custody_core::statements::Scope;
use custody_core::units::Dimension;
use custody_core::Ledger;
use serde_json::{json, Value};
use std::fmt::Write;

pub(crate) fn pools(ledger: &Ledger, scope: &Scope) -> (String, Value) {
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
                        .map(|b| format!("; benchmark {} tCO2e/t (controlled mass balance)", decimal(b, 6)))
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
                            decimal(c.max_share * exact::q(100), 4),
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
                format!("{} {nu}/{du}", decimal(p.conversion * Q::new(ds, ns), 6))
            }
            None => decimal(p.conversion, 6),
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
            let (sales, unsold) = ledger.pool_sales(&p.id, st.period);
            for s in &sales {
                // A pool without an emission intensity (a certificate pool) gives its sales no factor.
                let carries = match s.factor {
                    Some(f) => format!(
                        "at {} tCO2e/t ({}{})",
                        decimal(f, 4),
                        s.kind.as_str(),
                        s.claim.as_ref().map(|c| format!(", claim {c}")).unwrap_or_default()
                    ),
                    None => "(no factor: the pool states no emission intensity)".to_string(),
                };
                let _ = writeln!(
                    text,
                    "  period {}: sale {} to {}: {} {} {} {carries}",
                    st.period,
                    s.sale,
                    s.customer,
                    show(s.quantity, unit_of(&s.item)),
                    unit_of(&s.item).0,
                    s.item,
                );
            }
            periods.push(json!({
                "sales": sales.iter().map(|s| json!({
                    "sale": s.sale, "customer": s.customer, "item": s.item,
                    "quantity": amount(s.quantity, unit_of(&s.item)),
                    "factor_tCO2e_per_t": s.factor.map(factor), "kind": s.kind.as_str(),
                    "claim": s.claim, "tCO2e": s.co2e_g.map(|g| num(tonnes(g), 6)),
                })).collect::<Vec<_>>(),
                "unsold_tCO2e": unsold.map(|g| num(tonnes(g), 6)),
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
                    st.lowest_input_factor.map(|x| decimal(x, 4)).unwrap_or_default(),
                    decimal(r, 4)
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
                            decimal(l.factor, 4)
                        )
                    })
                    .collect();
                let _ = writeln!(
                    text,
                    "  period {}: stacking line (eligible input intensity / conversion {}, quantity x conversion): {}; claims at most the tonnes at or below their factor, none above {} tCO2e/t; residual not below {} tCO2e/t",
                    st.period,
                    decimal(p.conversion, 6),
                    steps.join(", "),
                    st.highest_input_factor.map(|x| decimal(x, 4)).unwrap_or_default(),
                    st.cleanest_input_factor.map(|x| decimal(x, 4)).unwrap_or_default()
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
                    decimal(sh * exact::q(100), 4)
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
