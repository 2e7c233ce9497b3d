//! Claims travel with sales (issue 8), over random ledger-fed pools, sales, claims and returns,
//! against a small reference model computed here from the journal's own numbers:
//! - for a closed pool period whose output is all sold, the sum over its sales of factor x
//!   quantity is the pool's emissions exactly (claimed + residual = physical), and so are the
//!   grams each line carries;
//! - the residual factor is the model's `(E - claimed) / (outputs - claimed quantity)`;
//! - the physical ledger is the same with and without the claims;
//! - a returned sale's claim goes back to the pool (claimed total and balance as if never made),
//!   and the returned sale takes no claim again (E045);
//! - no claim is booked twice: a claim beyond what a sale sold and earlier claims left is refused
//!   (E044), and the refused journal writes nothing.

use custody_core::coc::SaleKind;
use custody_core::exact::Q;
use custody_core::Ledger;
use custody_journal::{load, Source};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    /// Tonnes of green (eligible) and grey input, and their factors in kgCO2/t.
    green: (u32, u32),
    grey: (u32, u32),
    /// Each sale: (customer index, tonnes); the last sale takes what is left.
    sales: Vec<(u8, u32)>,
    /// Claims: (sale index, tonnes wanted, factor position 0..=100 between green and grey).
    claims: Vec<(usize, u32, u32)>,
    /// A sale returned before the period closes.
    returned: Option<usize>,
    sell_all: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (1..200u32, 100..900u32),
        (1..300u32, 1500..2500u32),
        prop::collection::vec((0..3u8, 1..80u32), 1..5),
        prop::collection::vec((0..5usize, 1..60u32, 0..=100u32), 0..5),
        prop::option::of(0..5usize),
        any::<bool>(),
    )
        .prop_map(|(green, grey, sales, claims, returned, sell_all)| Case {
            green,
            grey,
            sales,
            claims,
            returned,
            sell_all,
        })
}

const HEAD: &str = r#"entity m "Mill"
  ratios efi
  gwp ar6
counterparty sup "Supplier"
counterparty c0 "Customer 0"
counterparty c1 "Customer 1"
counterparty c2 "Customer 2"
item green "Green DRI"
  category raw-material
item grey "Grey pig iron"
  category raw-material
item coil "Coil"
  category product
period 2025 2025-01-01 2025-12-31
pool sa "Site pool"
  attribute emission-intensity
  method credit
  eligible green
  start 2025-01
  period 3 months
  boundary site s1
  group flat coil
  attribution non-proportional
  output updated-factor
  claim "Scope 3 category 1"
  conversion 1
"#;

/// A claim or sale line of the model: (sale, customer, tonnes as grams, factor g/g or None).
struct Model {
    journal: String,
    /// The same journal without any claim.
    physical: String,
    emissions_g: i128,
    output_g: i64,
    /// Accepted claims still standing: (sale id, grams, factor).
    claims: Vec<(String, i64, Q)>,
    /// Sales still standing: (sale id, customer, grams).
    sales: Vec<(String, String, i64)>,
    /// The returned sale, if any.
    returned: Option<String>,
}

fn build(c: &Case) -> Model {
    let (g, gf) = c.green;
    let (y, yf) = c.grey;
    let out = g + y;
    let mut j = HEAD.to_string();
    let mut phys_tail = String::new();
    j.push_str(&format!(
        "2025-01-02 purchase pg\n  supplier sup\n  item green\n  quantity {g} t\n  site s1\n  factor {gf} kgCO2/t\n\
         2025-01-02 purchase py\n  supplier sup\n  item grey\n  quantity {y} t\n  site s1\n  factor {yf} kgCO2/t\n\
         2025-01-03 consume use\n  use green {g} t\n  use grey {y} t\n  site s1\n\
         2025-01-03 produce make\n  output coil {out} t\n  site s1\n\
         2025-01-04 pool-input in-g\n  pool sa\n  item green\n  operation pg\n  site s1\n\
         2025-01-04 pool-input in-y\n  pool sa\n  item grey\n  operation py\n  site s1\n\
         2025-01-04 pool-output out\n  pool sa\n  item coil\n  operation make\n  site s1\n"
    ));
    // Sales: each takes what it asks while stock lasts; the last takes the rest when all is sold.
    let mut left = out;
    let mut sales: Vec<(String, String, i64)> = Vec::new();
    for (i, (cust, t)) in c.sales.iter().enumerate() {
        let last = i + 1 == c.sales.len();
        let t = if last && c.sell_all { left } else { (*t).min(left) };
        if t == 0 {
            continue;
        }
        left -= t;
        let id = format!("s{i}");
        let line =
            format!("2025-02-01 sell {id}\n  item coil\n  quantity {t} t\n  site s1\n  customer c{cust} share 100%\n");
        j.push_str(&line);
        phys_tail.push_str(&line);
        sales.push((id, format!("c{cust}"), t as i64 * 1_000_000));
    }
    // Claims: within the sale's unclaimed quantity and the green credit, at a factor between the
    // green and the grey input (the stacking line and the dirtiest input).
    let mut credit = g as i64 * 1_000_000;
    let mut claimed_on: Vec<i64> = vec![0; sales.len()];
    let mut claims = Vec::new();
    for (k, (si, t, pos)) in c.claims.iter().enumerate() {
        if sales.is_empty() {
            break;
        }
        let si = si % sales.len();
        let room = (sales[si].2 - claimed_on[si]).min(credit);
        let q = (*t as i64 * 1_000_000).min(room);
        if q <= 0 {
            continue;
        }
        // factor in kgCO2e/t, whole: gf + (yf - gf) * pos / 100, rounded down.
        let f_kg = gf + (yf - gf) * pos / 100;
        // The residual never below the cleanest input (the pool refuses it, E027): skip such a claim.
        let e = Q::from_integer(g as i128 * gf as i128 * 1000 + y as i128 * yf as i128 * 1000);
        let q_t = Q::from_integer((q / 1_000_000 * 1_000_000) as i128);
        let claimed_e: Q = claims.iter().map(|x: &(String, i64, Q)| x.2 * Q::from_integer(x.1 as i128)).sum();
        let claimed_q: i64 = claims.iter().map(|x: &(String, i64, Q)| x.1).sum();
        let rest = Q::from_integer((out as i64 * 1_000_000 - claimed_q) as i128) - q_t;
        if e - claimed_e - Q::new(f_kg as i128, 1000) * q_t < Q::new(gf as i128, 1000) * rest {
            continue;
        }
        j.push_str(&format!(
            "2025-02-02 pool-claim k{k}\n  pool sa\n  sale {}\n  quantity {} t\n  factor {} kgCO2e/t\n",
            sales[si].0,
            q / 1_000_000,
            f_kg
        ));
        // Quantities are whole tonnes: claim whole tonnes only.
        let q = (q / 1_000_000) * 1_000_000;
        claimed_on[si] += q;
        credit -= q;
        claims.push((sales[si].0.clone(), q, Q::new(f_kg as i128, 1000)));
    }
    let mut returned = None;
    if let Some(r) = c.returned.filter(|r| *r < sales.len()) {
        let (id, cust, _) = sales[r].clone();
        returned = Some(id.clone());
        let line = format!("2025-02-03 return ret\n  sale {id}\n  customer {cust}\n");
        j.push_str(&line);
        phys_tail.push_str(&line);
        claims.retain(|x| x.0 != id);
        sales.retain(|x| x.0 != id);
    }
    j.push_str("2025-04-01 pool-close close\n  pool sa\n");
    let physical = HEAD.to_string() + &j[HEAD.len()..j.find("2025-02-01").unwrap_or(j.len())] + &phys_tail;
    Model {
        journal: j,
        physical,
        emissions_g: g as i128 * gf as i128 * 1000 + y as i128 * yf as i128 * 1000,
        output_g: out as i64 * 1_000_000,
        claims,
        sales,
        returned,
    }
}

/// The rejection codes a journal gets when `extra` is booked just before the pool closes.
fn refused(journal: &str, extra: &str) -> Vec<String> {
    let at = journal.find("2025-04-01 pool-close").unwrap();
    let text = format!("{}{extra}{}", &journal[..at], &journal[at..]);
    match load(&[Source { name: "t.journal".into(), text }]) {
        Ok(_) => Vec::new(),
        Err((_, d)) => d.iter().map(|x| x.message.clone()).collect(),
    }
}

fn ledger(text: &str) -> Ledger {
    match load(&[Source { name: "t.journal".into(), text: text.into() }]) {
        Ok(l) => l,
        Err((_, d)) => panic!("{text}\n{d:#?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn sales_carry_the_pool_exactly(c in case()) {
        let m = build(&c);
        let l = ledger(&m.journal);
        let pool = l.pool("sa").unwrap();
        let st = &pool.statements()[0];
        prop_assert!(st.closed);
        // The model's emissions: tonnes x kgCO2/t, exact (AR6, CO2 only).
        prop_assert_eq!(st.emissions.map(|e| e as i128), Some(m.emissions_g));
        let claimed_q: i64 = m.claims.iter().map(|x| x.1).sum();
        let claimed_e: Q = m.claims.iter().map(|x| x.2 * Q::from_integer(x.1 as i128)).sum();
        prop_assert_eq!(st.claimed, claimed_q);
        let rest = m.output_g - claimed_q;
        let residual = (Q::from_integer(m.emissions_g) - claimed_e) / Q::from_integer(rest as i128);
        prop_assert_eq!(st.residual_factor, Some(residual));
        let (lines, unsold) = l.pool_sales("sa", 0);
        // Each standing sale's lines add up to its quantity; claimed lines carry their claim's factor.
        for (id, cust, q) in &m.sales {
            let mine: Vec<_> = lines.iter().filter(|x| &x.sale == id && &x.customer == cust).collect();
            prop_assert_eq!(mine.iter().map(|x| x.quantity).sum::<i64>(), *q);
            for x in &mine {
                match x.kind {
                    SaleKind::Residual => prop_assert_eq!(x.factor, Some(residual)),
                    SaleKind::Claimed => prop_assert!(m.claims.iter().any(|k| &k.0 == id && Some(k.2) == x.factor)),
                }
            }
        }
        prop_assert_eq!(lines.iter().map(|x| x.quantity).sum::<i64>(), m.sales.iter().map(|x| x.2).sum::<i64>());
        // Grams: the lines and the unsold output add up to the pool's emissions, always.
        let grams: i64 = lines.iter().map(|x| x.co2e_g.unwrap()).sum();
        prop_assert_eq!(grams as i128 + unsold.unwrap() as i128, m.emissions_g);
        let sold: i64 = m.sales.iter().map(|x| x.2).sum();
        if sold == m.output_g {
            // All sold: factor x quantity over the sales is the pool's emissions, exactly.
            let sum: Q = lines.iter().map(|x| x.factor.unwrap() * Q::from_integer(x.quantity as i128)).sum();
            prop_assert_eq!(sum, Q::from_integer(m.emissions_g));
            prop_assert_eq!(unsold, Some(0));
        }
        // No claimed factor below the lowest ledger input.
        for x in lines.iter().filter(|x| x.kind == SaleKind::Claimed) {
            prop_assert!(x.factor.unwrap() >= Q::new(c.green.1 as i128, 1000));
        }
        // The physical ledger is the same with and without the claims.
        let p = ledger(&m.physical);
        prop_assert_eq!(format!("{:?}", p.transactions()), format!("{:?}", l.transactions()));
    }

    #[test]
    fn no_claim_is_booked_twice_nor_on_a_returned_sale(c in case()) {
        let m = build(&c);
        // One tonne more than the sale sold and the model's claims left of it: refused, whichever
        // customer, so a quantity goes with one buyer once.
        for (id, _, q) in &m.sales {
            let claimed: i64 = m.claims.iter().filter(|k| &k.0 == id).map(|k| k.1).sum();
            let t = (q - claimed) / 1_000_000 + 1;
            let extra = format!("2025-02-04 pool-claim again\n  pool sa\n  sale {id}\n  quantity {t} t\n  factor {} kgCO2e/t\n", c.grey.1);
            let d = refused(&m.journal, &extra);
            prop_assert!(d.iter().any(|x| x.contains("claim_beyond_sale")), "{id}: {d:?}");
        }
        // The returned sale's claim went back; a new claim on it is refused.
        if let Some(id) = &m.returned {
            let l = ledger(&m.journal);
            let st = &l.pool("sa").unwrap().statements()[0];
            prop_assert_eq!(st.claimed, m.claims.iter().map(|x| x.1).sum::<i64>());
            let extra = format!("2025-02-04 pool-claim late\n  pool sa\n  sale {id}\n  quantity 1 t\n  factor {} kgCO2e/t\n", c.grey.1);
            let d = refused(&m.journal, &extra);
            prop_assert!(d.iter().any(|x| x.contains("claimed_sale_undone")), "{id}: {d:?}");
        }
    }
}
