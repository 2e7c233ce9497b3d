//! Pools never add one measure to another (E009): findings F8 and F7 of the second hostile test
//! as their repros' right values, and tables over every attribute, method, conversion and input
//! unit. Rule: docs/custody.md "Units of the attribute".

use super::pools::{accepted, refused, try_load, GREEN, SITE};
use custody_core::exact::Q;

/// F8's journal (hostile2 work/ei-mixed2.journal): a credit pool at s1 fed 100 t of DRI made at
/// 0.7 tCO2/t and 1000 MWh of power at 400 gCO2/kWh; 1000 t of coil out; 100 t claimed at 0.7.
/// The melt also takes 900 t of scrap the pool is not fed, so that 1000 t of coil weigh no more
/// than what went in, and the pool's own bound (E040) is the one tested.
const EI: &str = r#"
entity p "Pool operator"
  ratios efi
  gwp ar6
counterparty sup "Supplier"
counterparty buyer "Buyer"
item ore "Ore"
  category raw-material
item dri-steel "DRI steel"
  category product
item power "Power"
  category electricity
item scrap "Scrap"
  category raw-material
item coil "Coil"
  category product
period 2025 2025-01-01 2025-12-31
pool sa "Site A pool"
  attribute emission-intensity
  method credit
  eligible dri-steel
  start 2025-01
  period 3 months
  boundary site s1
  group flat coil
  group-key mass
  attribution non-proportional
  output updated-factor
  claim "Scope 3 cat 1"
  conversion 1
2025-02-01 purchase buy-ore
  supplier sup
  item ore
  quantity 100 t
  site s1
  factor 0.7 tCO2/t
2025-02-01 purchase buy-power
  supplier sup
  item power
  quantity 1000 MWh
  site s1
  factor 400 gCO2/kWh
2025-02-01 consume feed
  site s1
  use ore 100 t
2025-02-01 produce make-dri
  site s1
  output dri-steel 100 t
2025-02-01 purchase buy-scrap
  supplier sup
  item scrap
  quantity 900 t
  site s1
  factor 0.3 tCO2/t
2025-02-02 consume melt
  site s1
  use dri-steel 100 t
  use scrap 900 t
  use power 1000 MWh
2025-02-02 produce roll
  site s1
  output coil OUT t
2025-02-03 pool-input in-dri
  pool sa
  item dri-steel
  operation make-dri
  site s1
POWER2025-02-04 pool-output out
  pool sa
  item coil
  operation roll
  site s1
"#;

const POWER: &str = "2025-02-03 pool-input in-power\n  pool sa\n  item power\n  operation buy-power\n  site s1\n";

/// F8: the 1000 MWh are refused E009 (a tonne-pool counts no MWh); the 1000 t of coil are then
/// refused E040 as without the power (1000 t from 100 t of input). With 100 t of coil the pool
/// holds 100 t in and out at 0.7 x 100 = 70 t CO2e of input emissions (the power is not a pool
/// input), cleanest input 0.7.
#[test]
fn energy_is_not_counted_as_tonnes_in_a_credit_pool() {
    let with = EI.replace("POWER", POWER);
    let without = EI.replace("POWER", "");
    refused(&with.replace("OUT", "1000"), "unit_mismatch");
    refused(&with.replace("OUT", "1000"), "pool_outputs_exceed_inputs");
    refused(&without.replace("OUT", "1000"), "pool_outputs_exceed_inputs");
    let l = accepted(&without.replace("OUT", "100"));
    let st = &l.pool("sa").unwrap().statements()[0];
    assert_eq!((st.inputs, st.outputs, st.emissions), (100_000_000, 100_000_000, Some(70_000_000)));
    assert_eq!(st.cleanest_input_factor, Some(Q::new(7, 10)));
}

/// F7 (hostile2 work/pct-ledger.journal): a green-electricity percentage pool counts MWh; 20,000 t
/// of coal are refused E009 rather than added to 144,000 GJ of hydro as 164,000. The pool's
/// share is then over its energy inputs only: 40 GWh = 144,000,000,000 kJ, all eligible.
#[test]
fn a_percentage_pool_adds_no_tonnes_to_energy() {
    let coal = "item coal \"Coal\"\n  category fuel\n  energy-content 25 MJ/kg\n2025-05-31 pool-input coal-in\n  pool gp\n  item coal\n  quantity 20000 t\n  site smelter-1\n";
    let hydro_only = GREEN.replace(
        "2025-05-31 pool-input grid-in\n  pool gp\n  item grid-power\n  quantity 100 GWh\n  site smelter-1\n",
        "",
    );
    assert_ne!(hydro_only, GREEN, "the grid input is in GREEN");
    refused(&format!("{GREEN}{coal}"), "unit_mismatch");
    refused(&format!("{hydro_only}{coal}"), "unit_mismatch");
    let st = accepted(&hydro_only).pool("gp").unwrap().statements()[0].clone();
    assert_eq!(
        (st.inputs, st.eligible_inputs, st.eligible_share),
        (144_000_000_000, 144_000_000_000, Some(Q::from_integer(1)))
    );
    // The physical 40 / 140 GWh share stands as before (abuse/29).
    let st = accepted(GREEN).pool("gp").unwrap().statements()[0].clone();
    assert_eq!(st.eligible_share, Some(Q::new(2, 7)));
}

/// The kind: every attribute x method x conversion, and an input of a mass item (t, kg) or an
/// energy item (MWh, GJ, kWh). The pool's one input measure, written out here: energy under a
/// stated `t/MWh` conversion or for green electricity, mass otherwise. An input of that measure
/// is taken; any other is refused E009 and nothing else.
#[test]
fn a_pool_counts_inputs_in_one_measure() {
    let attributes =
        ["low-emission-iron", "green-electricity", "recycled-content", "certified-material", "emission-intensity"];
    let mut taken = 0;
    let mut refused_n = 0;
    for attribute in attributes {
        for method in ["credit", "percentage"] {
            for (conversion, stated) in [("1", false), ("0.0715 t/MWh", true)] {
                let pool = format!(
                    "entity m \"Mill\"\n  ratios efi\n  gwp ar6\nitem steel \"Steel\"\n  category product\nitem power \"Power\"\n  category electricity\nitem coil \"Coil\"\n  category product\nperiod 2025 2025-01-01 2025-12-31\npool p \"Pool\"\n  attribute {attribute}\n  method {method}\n  eligible steel\n  eligible power\n  start 2025-01\n  period 12 months\n  boundary company\n  group flat coil\n  attribution proportional\n  output unbundled-certificate\n  claim \"test\"\n  conversion {conversion}\n"
                );
                if try_load(&pool).is_err() {
                    continue;
                }
                let energy = stated || attribute == "green-electricity";
                for (item, unit, is_energy) in [
                    ("steel", "t", false),
                    ("steel", "kg", false),
                    ("power", "MWh", true),
                    ("power", "GJ", true),
                    ("power", "kWh", true),
                ] {
                    let text =
                        format!("{pool}2025-03-31 pool-input i\n  pool p\n  item {item}\n  quantity 10 {unit}\n");
                    match try_load(&text) {
                        Ok(l) => {
                            assert_eq!(is_energy, energy, "{attribute} {method} {conversion}: {unit} taken");
                            assert_eq!(l.pool("p").unwrap().periods[&0].inputs.len(), 1);
                            taken += 1;
                        }
                        Err(codes) => {
                            assert_ne!(
                                is_energy, energy,
                                "{attribute} {method} {conversion}: {unit} refused {codes:?}"
                            );
                            assert_eq!(codes, vec!["unit_mismatch"], "{text}");
                            refused_n += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(taken >= 20 && refused_n >= 20, "taken {taken}, refused {refused_n}");
}

/// Outputs too are of one measure: an emission-intensity pool's are its inputs' (tCO2e per t in
/// and out), and a pool period's first output sets the measure of the rest.
#[test]
fn a_pool_counts_outputs_in_one_measure() {
    let power_item = "item power-out \"Power sold\"\n  category electricity\n";
    let site = SITE
        .replace("group flat coil\n", "group flat coil power-out\n")
        .replace("period 2025 ", &format!("{power_item}period 2025 "));
    let out = "2025-03-31 pool-output p-out\n  pool sa\n  item power-out\n  quantity 10 MWh\n  site s1\n";
    refused(&format!("{site}{out}"), "unit_mismatch");
    let green = GREEN
        .replace("group ingot aluminium\n", "group ingot aluminium power-out\n")
        .replace("period 2025-05 ", &format!("{power_item}period 2025-05 "));
    let out = "2025-05-31 pool-output p-out\n  pool gp\n  item power-out\n  quantity 10 MWh\n  site smelter-1\n";
    assert!(green.contains("pool-output ingots-out"), "GREEN has a mass output");
    refused(&format!("{green}{out}"), "unit_mismatch");
}
