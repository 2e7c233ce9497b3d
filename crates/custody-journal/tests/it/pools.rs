//! The abuse cases of pools, as tests: a pool cannot beat physics. Each names the shared case it
//! stands for (`abuse/21`, `22`, `28`, `29`, `30`); the figures are the cases' right values.

use custody_core::exact::{self, Q};
use custody_core::Ledger;
use custody_journal::{load, Source};

/// Site pool `sa`: DRI 100 t at 0.7 (eligible), BOF 300 t at 2.2, 400 t of coil, conversion 1.
pub(crate) const SITE: &str = r#"
entity p "Pool operator"
  ratios efi
  gwp ar6

counterparty buyer "Buyer"

item dri-steel "DRI steel"
  category product
item bof-steel "BOF steel"
  category product
item coil "Coil"
  category product
item rail "Rail"
  category product

period 2025 2025-01-01 2025-12-31

pool sa "Site A pool"
  attribute emission-intensity
  method credit
  eligible dri-steel
  benchmark 1.0 tCO2e/t
  start 2025-01
  period 3 months
  boundary site s1
  group flat coil
  group-key mass
  attribution non-proportional
  output updated-factor
  claim "Scope 3 cat 1, mass-balance chain of custody"
  conversion 1

2025-03-31 pool-input dri
  pool sa
  item dri-steel
  quantity 100 t
  intensity 0.7 tCO2e/t
  site s1

2025-03-31 pool-input bof
  pool sa
  item bof-steel
  quantity 300 t
  intensity 2.2 tCO2e/t
  site s1

2025-03-31 pool-output coil-out
  pool sa
  item coil
  quantity 400 t
  site s1
"#;

/// Smelter pool `gp`: 40 of 140 GWh hydro (28.57%), 10,000 t of aluminium, percentage method.
pub(crate) const GREEN: &str = r#"
entity sm "Smelter"
  ratios molar
  gwp ar6

counterparty buyer "Buyer"

item grid-power "Grid electricity"
  category electricity
item hydro-power "Hydro electricity"
  category electricity
item aluminium "Aluminium ingot"
  category product

period 2025-05 2025-05-01 2025-05-31

pool gp "Green electricity aluminium"
  attribute green-electricity
  method percentage
  eligible hydro-power
  start 2025-01
  period 12 months
  boundary site smelter-1
  group ingot aluminium
  attribution proportional
  output unbundled-certificate
  claim "market-based statement"
  conversion 1

2025-05-31 pool-input grid-in
  pool gp
  item grid-power
  quantity 100 GWh
  site smelter-1

2025-05-31 pool-input hydro-in
  pool gp
  item hydro-power
  quantity 40 GWh
  site smelter-1

2025-05-31 pool-output ingots-out
  pool gp
  item aluminium
  quantity 10000 t
  site smelter-1
"#;

/// The ledger produces one 100 t batch of DRI steel from 140 t of ore (mass in before mass
/// out); two certificate pools at the same site.
const TWO_POOLS: &str = r#"
entity p2 "Two-pool operator"
  ratios efi
  gwp ar6

counterparty grid "Grid"
counterparty buyer "Buyer"

item power "Electricity"
  category electricity
item ore "Iron ore pellets"
  category raw-material
  carbon-content 0
item dri-steel "DRI steel"
  category product
item coil "Coil"
  category product

period 2025 2025-01-01 2025-12-31

2025-03-01 purchase buy-power
  supplier grid
  item power
  quantity 50 MWh
  factor 100 gCO2/kWh
2025-03-01 purchase buy-ore
  supplier grid
  item ore
  quantity 140 t
  attributed 0 tCO2
2025-03-02 consume melt
  use power 50 MWh
  use ore 140 t
2025-03-03 produce make-dri
  output dri-steel 100 t

pool certs-1 "Certificates, scheme one"
  attribute low-emission-iron
  method credit
  eligible dri-steel
  start 2025-01
  period 12 months
  boundary site s1
  group flat coil
  group-key mass
  attribution proportional
  output unbundled-certificate
  claim "market instruments"
  conversion 1

pool certs-2 "Certificates, scheme two"
  attribute low-emission-iron
  method credit
  eligible dri-steel
  start 2025-01
  period 12 months
  boundary site s1
  group flat coil
  group-key mass
  attribution proportional
  output unbundled-certificate
  claim "market instruments"
  conversion 1
"#;

/// The ledger makes 100 t of DRI steel at 1.9 tCO2e/t and keeps it; pool `sa` at site s1. (It
/// once sold the DRI before the pool was fed from `make`: goods that left unprocessed credit no
/// pool, hostile2 F1's other order, so the DRI stays in stock here.)
const PHANTOM: &str = r#"
entity ph "Phantom"
  ratios efi
  gwp ar6

counterparty gas-co "Gas supplier"
counterparty buyer "Buyer"

item gas "Natural gas"
  category fuel
  carbon-content 0.75
item ore "Iron ore pellets"
  category raw-material
  carbon-content 0
item dri-steel "DRI steel"
  category product
item coil "Coil"
  category product

period 2025 2025-01-01 2025-12-31

2025-03-01 purchase buy-gas
  supplier gas-co
  item gas
  quantity 60 t
  factor 0.5 tCO2/t
2025-03-01 purchase buy-ore
  supplier gas-co
  item ore
  quantity 140 t
  attributed 0 tCO2
2025-03-02 consume melt
  use gas 60 t
  use ore 140 t
2025-03-02 emit burn
  emission 160 tCO2
2025-03-03 produce make
  output dri-steel 100 t

pool sa "Site A"
  attribute emission-intensity
  method credit
  eligible dri-steel
  start 2025-01
  period 12 months
  boundary site s1
  group flat coil
  group-key mass
  attribution non-proportional
  output updated-factor
  claim "Scope 3"
  conversion 1
"#;

pub(crate) fn try_load(text: &str) -> Result<Ledger, Vec<String>> {
    load(&[Source { name: "t.journal".into(), text: text.to_string() }])
        .map_err(|(_, d)| d.iter().flat_map(|d| codes_in(&d.message)).collect())
}

fn codes_in(msg: &str) -> Vec<String> {
    msg.split('[').skip(1).filter_map(|s| s.split(']').next()?.split(' ').nth(1).map(str::to_string)).collect()
}

pub(crate) fn accepted(text: &str) -> Ledger {
    try_load(text).unwrap_or_else(|c| panic!("refused {c:?}:\n{text}"))
}

pub(crate) fn refused(text: &str, want: &str) {
    match try_load(text) {
        Ok(_) => panic!("accepted, want {want}:\n{text}"),
        Err(codes) => assert!(codes.iter().any(|c| c == want), "codes {codes:?}, want {want}"),
    }
}

pub(crate) fn claim(id: &str, t: &str, factor: &str) -> String {
    format!("2025-03-31 pool-claim {id}\n  pool sa\n  output coil-out\n  quantity {t} t\n  factor {factor} tCO2e/t\n")
}

fn issue(pool: &str, cert: &str, units: i64) -> String {
    format!("2025-05-31 certificate-issue {cert}\n  pool {pool}\n  certificate {cert}\n  units {units}\n")
}

pub(crate) fn dec(s: &str) -> Q {
    exact::parse_decimal(s).unwrap()
}

/// abuse/21 b: at conversion 0.5 coil made of DRI alone carries 0.7 / 0.5 = 1.4 tCO2e/t.
#[test]
fn stacking_line_applies_the_conversion() {
    let base = SITE.replace("  conversion 1\n", "  conversion 0.5\n");
    refused(&format!("{base}{}", claim("c", "50", "0.7")), "stacked_attribution");
    refused(&format!("{base}{}", claim("c", "50", "1.39")), "stacked_attribution");
    let l = accepted(&format!("{base}{}", claim("c", "50", "1.4")));
    let st = &l.pool("sa").unwrap().statements()[0];
    assert_eq!(st.line.len(), 1);
    assert_eq!((st.line[0].factor, st.line[0].supports), (dec("1.4"), Q::from_integer(50_000_000)));
}

/// abuse/21 c: a non-eligible 10 t at 0.05 never sets the line; only 10 t are that clean anyway.
#[test]
fn non_eligible_inputs_never_set_the_line() {
    let scrap =
        "2025-03-31 pool-input scrap\n  pool sa\n  item rail\n  quantity 10 t\n  intensity 0.05 tCO2e/t\n  site s1\n";
    refused(&format!("{SITE}{scrap}{}", claim("c", "100", "0.05")), "stacked_attribution");
    refused(&format!("{SITE}{scrap}{}", claim("c", "10", "0.05")), "stacked_attribution");
    accepted(&format!("{SITE}{scrap}{}", claim("c", "100", "0.7")));
    // Quantity-aware: with 50 t more DRI at 0.9, 100 t are supported at 0.7 and 150 t at 0.9.
    let dri2 = "2025-03-31 pool-input dri2\n  pool sa\n  item dri-steel\n  quantity 50 t\n  intensity 0.9 tCO2e/t\n  site s1\n";
    let bof2 = "2025-03-31 pool-input bof2\n  pool sa\n  item bof-steel\n  quantity 50 t\n  intensity 2.2 tCO2e/t\n  site s1\n";
    let pool = format!("{SITE}{dri2}{bof2}");
    refused(&format!("{pool}{}{}", claim("c1", "60", "0.7"), claim("c2", "41", "0.7")), "stacked_attribution");
    accepted(&format!("{pool}{}{}", claim("c1", "60", "0.7"), claim("c2", "40", "0.7")));
    accepted(&format!("{pool}{}{}", claim("c1", "100", "0.7"), claim("c2", "50", "0.9")));
    refused(&format!("{pool}{}{}", claim("c1", "100", "0.7"), claim("c2", "50", "0.89")), "stacked_attribution");
}

/// abuse/22 a: no factor above the dirtiest input (it would leave the rest a residual of 0).
#[test]
fn no_claim_above_the_dirtiest_input() {
    refused(&format!("{SITE}{}", claim("dump", "100", "7.3")), "stacked_attribution");
    refused(&format!("{SITE}{}", claim("dump", "100", "2.21")), "stacked_attribution");
}

/// abuse/22 b: 10,000 t more coil than 400 t of input make is refused; the residual stays 2.2.
#[test]
fn outputs_within_inputs_and_residual_not_below_cleanest() {
    let honest = format!("{SITE}{}", claim("honest", "100", "0.7"));
    let l = accepted(&honest);
    assert_eq!(l.pool("sa").unwrap().statements()[0].residual_factor, Some(dec("2.2")));
    let more = "2025-03-31 pool-output more\n  pool sa\n  item coil\n  quantity 10000 t\n  site s1\n";
    refused(&format!("{honest}{more}"), "pool_outputs_exceed_inputs");
}

/// abuse/22 c: a quarter with output and no input: refused, never a residual of 0.
#[test]
fn no_output_and_no_residual_without_inputs() {
    let q2 = "2025-06-30 pool-output q2-coil\n  pool sa\n  item coil\n  quantity 100 t\n  site s1\n";
    refused(&format!("{SITE}{q2}"), "pool_outputs_exceed_inputs");
    let l = accepted(SITE);
    assert!(l.pool("sa").unwrap().statements().iter().all(|s| s.residual_factor != Some(Q::from_integer(0))));
}

/// abuse/28: one 100 t batch feeds pools once: 100 certificate units in all, not 300.
#[test]
fn one_batch_feeds_pools_once() {
    let input = |id: &str, pool: &str| {
        format!("2025-03-31 pool-input {id}\n  pool {pool}\n  item dri-steel\n  quantity 100 t\n  site s1\n")
    };
    let one = format!("{TWO_POOLS}{}", input("batch-7-in-pool-1", "certs-1"));
    let l = accepted(&format!("{one}{}", issue("certs-1", "ONE", 100)));
    let inp = &l.pool("certs-1").unwrap().periods[&0].inputs[0];
    assert_eq!((inp.source(), inp.sources.clone()), ("ledger", vec![("make-dri".to_string(), 100_000_000)]));
    refused(&format!("{one}{}", issue("certs-1", "ONE", 101)), "claim_exceeds_balance");
    refused(&format!("{one}{}", input("batch-7-in-pool-2", "certs-2")), "pool_flow_not_in_ledger");
    refused(&format!("{one}{}", input("batch-7-again", "certs-1")), "pool_flow_not_in_ledger");
    // Named by its operation: the same rule.
    let named = |id: &str, pool: &str| {
        format!("2025-03-31 pool-input {id}\n  pool {pool}\n  item dri-steel\n  operation make-dri\n  site s1\n")
    };
    let l = accepted(&format!("{TWO_POOLS}{}", named("a", "certs-1")));
    assert_eq!(l.pool("certs-1").unwrap().statements()[0].credited, 100_000_000);
    refused(&format!("{TWO_POOLS}{}{}", named("a", "certs-1"), named("b", "certs-2")), "pool_flow_not_in_ledger");
}

/// abuse/29 c: a conversion cannot lift a 28.57% share to 100%.
#[test]
fn a_conversion_never_lifts_the_physical_share() {
    let c = GREEN.replace("  conversion 1\n", "  conversion 3.5\n");
    let claim = |t: u32| format!("2025-05-31 pool-claim c\n  pool gp\n  output ingots-out\n  quantity {t} t\n");
    refused(&format!("{c}{}", claim(10000)), "claim_exceeds_balance");
    refused(&format!("{c}{}", claim(2858)), "claim_exceeds_balance");
    let l = accepted(&format!("{c}{}", claim(2857)));
    assert_eq!(l.pool("gp").unwrap().statements()[0].eligible_share, Some(Q::new(2, 7)));
}

/// abuse/29 d: a certificate unit of green electricity is 1 MWh: 40 GWh make 40,000 units.
#[test]
fn certificates_count_the_attribute_unit() {
    accepted(&format!("{GREEN}{}", issue("gp", "GE-1", 40_000)));
    refused(&format!("{GREEN}{}", issue("gp", "GE-1", 40_001)), "claim_exceeds_balance");
}

/// abuse/29 e: kJ of credit are not grams of aluminium without a stated conversion.
#[test]
fn credit_and_claim_in_different_units_need_a_stated_conversion() {
    let credit = GREEN
        .replace("  method percentage\n", "  method credit\n")
        .replace("  output unbundled-certificate\n", "  output updated-factor\n");
    let claim = |t: u32| format!("2025-05-31 pool-claim c\n  pool gp\n  output ingots-out\n  quantity {t} t\n");
    refused(&format!("{credit}{}", claim(144_000)), "unit_mismatch");
    refused(&format!("{credit}{}", claim(1)), "unit_mismatch");
    // 0.0715 t of aluminium per MWh: 40,000 MWh of hydro credit 2,860 t.
    let stated = credit.replace("  conversion 1\n", "  conversion 0.0715 t/MWh\n");
    accepted(&format!("{stated}{}", claim(2860)));
    refused(&format!("{stated}{}", claim(2861)), "claim_exceeds_balance");
}

/// abuse/30: a pool is not told of 1,000,000 t the ledger never made; fed from the ledger it
/// takes the 100 t at their ledger intensity of 1.9 tCO2e/t.
#[test]
fn pool_flows_are_bounded_by_the_ledger() {
    let phantom = "2025-03-31 pool-input phantom-dri\n  pool sa\n  item dri-steel\n  quantity 1000000 t\n  intensity 0.1 tCO2e/t\n  site s1\n";
    refused(&format!("{PHANTOM}{phantom}"), "pool_flow_not_in_ledger");
    let typed = "2025-03-31 pool-input dri\n  pool sa\n  item dri-steel\n  quantity 100 t\n  intensity 0.1 tCO2e/t\n  site s1\n";
    refused(&format!("{PHANTOM}{typed}"), "pool_flow_not_in_ledger");
    let fed = "2025-03-31 pool-input dri\n  pool sa\n  item dri-steel\n  operation make\n  site s1\n";
    let l = accepted(&format!("{PHANTOM}{fed}"));
    let inp = &l.pool("sa").unwrap().periods[&0].inputs[0];
    assert_eq!((inp.quantity, inp.intensity, inp.source()), (100_000_000, Some(dec("1.9")), "ledger"));
    // Coil was never produced: a declared output is bounded by the inputs; no claim below 1.9.
    let out =
        |t: u32| format!("2025-03-31 pool-output coil-out\n  pool sa\n  item coil\n  quantity {t} t\n  site s1\n");
    refused(&format!("{PHANTOM}{fed}{}", out(1_000_000)), "pool_outputs_exceed_inputs");
    refused(&format!("{PHANTOM}{fed}{}{}", out(100), claim("green", "100", "0.1")), "stacked_attribution");
}

/// An operation that feeds a pool is not reversed: the pool would rest on nothing.
#[test]
fn a_fed_operation_is_not_reversed() {
    let fed = "2025-03-31 pool-input dri\n  pool sa\n  item dri-steel\n  operation make\n  site s1\n";
    let rev = "2025-04-01 reverse r\n  of make\n";
    refused(&format!("{PHANTOM}{fed}{rev}"), "reversal_has_dependant");
    // Unfed, the same reversal is taken: the refusal is the pool's.
    accepted(&format!("{PHANTOM}{rev}"));
}

/// A pool fed by the ledger exports and reads back to the same pools (operation kept, quantity
/// and intensity re-derived from the ledger); a stated conversion keeps its units.
#[test]
fn ledger_fed_pools_round_trip() {
    let fed = "2025-03-31 pool-input dri\n  pool sa\n  item dri-steel\n  operation make\n  site s1\n";
    let original = accepted(&format!("{PHANTOM}{fed}"));
    let text = custody_journal::export(&original);
    assert!(text.contains("  operation make\n"), "{text}");
    let again = accepted(&text);
    assert_eq!(original.pools().cloned().collect::<Vec<_>>(), again.pools().cloned().collect::<Vec<_>>());
    let stated = GREEN
        .replace("  method percentage\n", "  method credit\n")
        .replace("  conversion 1\n", "  conversion 0.0715 t/MWh\n");
    let original = accepted(&stated);
    let again = accepted(&custody_journal::export(&original));
    assert_eq!(original.pool("gp").unwrap().policy, again.pool("gp").unwrap().policy);
}

mod fed_once {
    use super::*;
    use proptest::prelude::*;

    const LEDGER: &str = r#"
entity m "Mill"
  ratios efi
  gwp ar6
counterparty sup "Supplier"
item pellets "Pellets"
  category raw-material
item coil "Coil"
  category product
period 2025 2025-01-01 2025-12-31
"#;

    fn pool(id: &str) -> String {
        format!(
            "pool {id} \"Pool {id}\"\n  attribute low-emission-iron\n  method credit\n  eligible pellets\n  start 2025-01\n  period 12 months\n  boundary company\n  group flat coil\n  attribution proportional\n  output unbundled-certificate\n  claim \"market instruments\"\n  conversion 1\n"
        )
    }

    #[derive(Debug, Clone)]
    struct Feed {
        pool: usize,
        batch: Option<usize>,
        tonnes: Option<u32>,
    }

    fn feed() -> impl Strategy<Value = Feed> {
        (0..2usize, prop::option::of(0..4usize), prop::option::of(1..150u32)).prop_map(|(pool, batch, tonnes)| Feed {
            pool,
            batch,
            tonnes,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever mix of pool inputs is accepted, named by operation or matched to the
        /// ledger's purchases, no batch feeds the pools more than it brought in, every input
        /// from the ledger carries the ledger's figure, and certificates never exceed it all.
        #[test]
        fn a_batch_feeds_pools_at_most_once(batches in prop::collection::vec(1..120u32, 1..4), feeds in prop::collection::vec(feed(), 1..8)) {
            let mut text = LEDGER.to_string();
            for (k, t) in batches.iter().enumerate() {
                text += &format!("2025-02-0{} purchase b{k}\n  supplier sup\n  item pellets\n  quantity {t} t\n  factor {} tCO2/t\n", k + 1, k + 1);
            }
            text += &pool("p0");
            text += &pool("p1");
            for (i, f) in feeds.iter().enumerate() {
                let mut e = format!("2025-03-31 pool-input in{i}\n  pool p{}\n  item pellets\n", f.pool);
                if let Some(b) = f.batch {
                    e += &format!("  operation b{}\n", b % batches.len());
                }
                match (f.tonnes, f.batch) {
                    (Some(t), _) => e += &format!("  quantity {t} t\n"),
                    (None, None) => e += "  quantity 1 t\n",
                    (None, Some(_)) => {}
                }
                // Keep what loads: each input is tried on top of the accepted ones.
                let attempt = format!("{text}{e}");
                if try_load(&attempt).is_ok() {
                    text = attempt;
                }
            }
            let l = accepted(&text);
            let mut fed = vec![0i64; batches.len()];
            let mut credited = 0;
            for p in l.pools() {
                for period in p.periods.values() {
                    for i in &period.inputs {
                        // Pellets are a ledger item: never wholly declared; typed beyond the ledger's
                        // quantity, the excess is declared (flagged) and the ledger part is exact.
                        prop_assert_ne!(i.source(), "declared");
                        let from_ledger = i.sources.iter().map(|s| s.1).sum::<i64>();
                        prop_assert_eq!(from_ledger + i.unbacked, i.quantity);
                        prop_assert_eq!(i.unbacked > 0, i.source() == "ledger+declared");
                        for (op, q) in &i.sources {
                            fed[op[1..].parse::<usize>().unwrap()] += q;
                        }
                    }
                }
                // Credit that rests on the ledger: what its inputs drew from the ledger's batches.
                credited += p.periods.values().flat_map(|x| x.inputs.iter()).map(|i| i.quantity - i.unbacked).sum::<i64>();
            }
            for (k, t) in batches.iter().enumerate() {
                prop_assert!(fed[k] <= *t as i64 * 1_000_000, "batch b{k}: {} g fed of {t} t", fed[k]);
            }
            let bought: i64 = batches.iter().map(|t| *t as i64 * 1_000_000).sum();
            prop_assert!(credited <= bought, "{credited} credited of {bought} bought");
        }
    }
}

/// A typed flow is matched to the ledger's operations at its own site only: pellets bought at
/// site s2 do not back 10 t said to enter a pool at s1.
#[test]
fn typed_flows_match_the_ledger_at_their_site() {
    let ledger = "entity m \"Mill\"\n  ratios efi\n  gwp ar6\ncounterparty sup \"Supplier\"\nitem pellets \"Pellets\"\n  category raw-material\nitem coil \"Coil\"\n  category product\nperiod 2025 2025-01-01 2025-12-31\n2025-02-01 purchase b0\n  supplier sup\n  item pellets\n  quantity 50 t\n  site s2\n  factor 1 tCO2/t\npool p \"Pool\"\n  attribute low-emission-iron\n  method credit\n  eligible pellets\n  start 2025-01\n  period 12 months\n  boundary company\n  group flat coil\n  attribution proportional\n  output unbundled-certificate\n  claim \"market instruments\"\n  conversion 1\n";
    let input = |site: &str| format!("2025-03-31 pool-input i\n  pool p\n  item pellets\n  quantity 10 t\n{site}");
    refused(&format!("{ledger}{}", input("  site s1\n")), "pool_flow_not_in_ledger");
    let l = accepted(&format!("{ledger}{}", input("  site s2\n")));
    assert_eq!(l.pool("p").unwrap().periods[&0].inputs[0].sources, vec![("b0".to_string(), 10_000_000)]);
    let l = accepted(&format!("{ledger}{}", input("")));
    assert_eq!(l.pool("p").unwrap().periods[&0].inputs[0].site.as_deref(), Some("s2"));
}
