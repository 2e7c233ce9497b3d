//! The GHG inventory across companies (issue 20): on random supply chains of several entities of
//! one registry, each entity's reconciliation difference is 0, the sum of every entity's Scope 1
//! equals the direct emissions the test itself wrote into the journals, and what one company
//! released reaches its customer only as Scope 3 category 1 (the seller's transferred footprint,
//! to the gram). And the three-tier example: the transformer maker's category 1 is its suppliers'
//! transferred footprints, and its supply-chain target shows the same progress as
//! `report purchased-goods`.

use custody_core::model::TxKind;
use custody_core::statements::{ghg_inventory, BySpecies, GhgInventory, Scope};
use custody_core::units::Species;
use custody_core::Ledger;
use custody_journal::{parse, Entry, Source};
use custody_store::{MemoryStore, Registry};
use proptest::prelude::*;

fn entries(text: &str) -> Vec<Entry> {
    let (e, d) = parse(&[Source { name: "t".into(), text: text.into() }]);
    assert!(d.is_empty(), "{d:?}\n{text}");
    e.into_iter().map(|s| s.entry).collect()
}

/// `n / 10^scale` written as a decimal.
fn dec(n: u64, scale: u32) -> String {
    let d = 10u64.pow(scale);
    format!("{}.{:0w$}", n / d, n % d, w = scale as usize)
}

/// n / d rounded half to even.
fn round(n: i128, d: i128) -> i128 {
    let (q, r) = (n.div_euclid(d), n.rem_euclid(d));
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q & 1),
    }
}

/// One company of the chain, as the test generates it.
#[derive(Debug, Clone)]
struct Firm {
    /// Fuel bought, tonnes (carbon content 0.8).
    fuel: u64,
    /// CO2 emitted as a percentage of the fuel's mass (at most 270: the content suffices).
    co2_pct: u64,
    /// Share of the CO2 captured, percent.
    capture_pct: u64,
    /// Capture-process CO2, per mille of the fuel's mass.
    process_permille: u64,
    /// CH4 emitted as a percentage of the fuel's mass; N2O per mille.
    ch4_pct: u64,
    n2o_permille: u64,
    /// Power bought, MWh, at a factor in gCO2/kWh.
    power: u64,
    power_factor: u64,
    /// Output in tonnes and the share of it sold downstream, percent.
    output: u64,
    sold_pct: u64,
}

fn firm() -> impl Strategy<Value = Firm> {
    (1..50u64, 0..=270u64, 0..=90u64, 0..=5u64, 0..=5u64, 0..=3u64, 1..20u64, 0..900u64, 10..100u64, 1..=100u64)
        .prop_map(
            |(
                fuel,
                co2_pct,
                capture_pct,
                process_permille,
                ch4_pct,
                n2o_permille,
                power,
                power_factor,
                output,
                sold_pct,
            )| Firm {
                fuel,
                co2_pct,
                capture_pct,
                process_permille,
                ch4_pct,
                n2o_permille,
                power,
                power_factor,
                output,
                sold_pct,
            },
        )
}

impl Firm {
    fn sold(&self) -> u64 {
        (self.output * self.sold_pct / 100).max(1)
    }

    /// The journal of firm `k` of `n` (firm k sells to k + 1; the last to an outside customer).
    fn journal(&self, k: usize, n: usize, received: Option<u64>) -> String {
        let me = format!("e{k}");
        let customer = if k + 1 < n { format!("e{}", k + 1) } else { "ext".into() };
        let mut t = format!(
            "entity {me} \"Firm {k}\"\n  ratios efi\n  gwp ar5\ncounterparty grid \"Grid\"\ncounterparty gasco \"Gas\"\n\
             counterparty ext \"Outside customer\"\ncounterparty ccs \"Storage\"\n"
        );
        for other in [k.checked_sub(1), Some(k + 1).filter(|j| *j < n)].into_iter().flatten() {
            t += &format!("counterparty e{other} \"Firm {other}\"\n");
        }
        t +=
            "item power \"Power\"\n  category electricity\nitem fuel \"Fuel\"\n  category fuel\n  carbon-content 0.8\n\
              item input \"Input\"\n  category raw-material\nitem widget \"Widget\"\n  category product\n\
              item ore \"Ore (the widgets' mass)\"\n  category raw-material\n  carbon-content 0\n\
              period 2025 2025-01-01 2025-12-31\n";
        t += &format!(
            "2025-01-05 purchase buy-power\n  supplier grid\n  item power\n  quantity {} MWh\n  factor {} gCO2/kWh\n",
            self.power, self.power_factor
        );
        t += &format!(
            "2025-01-05 purchase buy-fuel\n  supplier gasco\n  item fuel\n  quantity {} t\n  factor 300 gCO2/kg\n",
            self.fuel
        );
        if k > 0 {
            t += &format!("2025-01-05 receive take-in\n  transfer e{}/sale/{me}\n  item input\n", k - 1);
        }
        t += &format!(
            "2025-01-05 purchase buy-ore\n  supplier gasco\n  item ore\n  quantity {} t\n  attributed 0 tCO2\n",
            self.output
        );
        t += &format!(
            "2025-01-05 consume use\n  use power {} MWh\n  use fuel {} t\n  use ore {} t\n",
            self.power, self.fuel, self.output
        );
        if let Some(q) = received {
            t += &format!("  use input {q} t\n");
        }
        let mut emit = String::new();
        if self.co2_pct > 0 {
            emit += &format!("  emission {} tCO2\n", dec(self.fuel * self.co2_pct, 2));
        }
        if self.ch4_pct > 0 {
            emit += &format!("  emission {} tCH4\n", dec(self.fuel * self.ch4_pct, 2));
        }
        if self.n2o_permille > 0 {
            emit += &format!("  emission {} tN2O\n", dec(self.fuel * self.n2o_permille, 3));
        }
        if !emit.is_empty() {
            t += &format!("2025-01-05 emit stack\n{emit}");
        }
        if self.co2_pct > 0 && self.capture_pct > 0 {
            t += &format!(
                "2025-01-05 capture cc\n  operator ccs\n  captured {} tCO2\n",
                dec(self.fuel * self.co2_pct * self.capture_pct, 4)
            );
            if self.process_permille > 0 {
                t += &format!("  process {} tCO2\n", dec(self.fuel * self.process_permille, 3));
            }
        }
        t += &format!("2025-01-05 produce make\n  output widget {} t\n", self.output);
        t += &format!(
            "2025-01-05 sell sale\n  item widget\n  quantity {s} t\n  customer {customer} {s} t\n",
            s = self.sold()
        );
        t
    }

    /// Scope 1 released, by species, from the figures written (EFI ratios: CO2 0.273, CH4 0.75).
    fn direct(&self) -> BySpecies {
        let f = self.fuel as i128;
        let generated = f * self.co2_pct as i128 * 2_730; // t x 10^4 g x 0.273
        let (captured, process) = if self.co2_pct > 0 && self.capture_pct > 0 {
            (round(f * (self.co2_pct * self.capture_pct) as i128 * 273, 10), f * self.process_permille as i128 * 273)
        } else {
            (0, 0)
        };
        let mut m = BySpecies::new();
        for (s, a) in [
            (Species::CO2, generated - captured + process),
            (Species::CH4, f * self.ch4_pct as i128 * 7_500),
            (Species::N2O, f * self.n2o_permille as i128 * 1_000),
        ] {
            if a != 0 {
                m.insert(s, a as i64);
            }
        }
        m
    }
}

fn inventory(l: &Ledger) -> GhgInventory {
    ghg_inventory(l, &Scope::resolve(l, None).unwrap())
}

/// What `seller` passed to `customer` with its sales: out.emissions to that counterparty.
fn transferred(seller: &Ledger, customer: &str) -> BySpecies {
    let mut m = BySpecies::new();
    for tx in seller.transactions().iter().filter(|t| t.kind == TxKind::Sell) {
        for p in tx
            .postings
            .iter()
            .filter(|p| p.account == "out.emissions" && p.dims.counterparty.as_deref() == Some(customer))
        {
            *m.entry(p.species).or_default() -= p.amount;
        }
    }
    m.retain(|_, a| *a != 0);
    m
}

fn cat(g: &GhgInventory, n: u8) -> BySpecies {
    g.scope3.iter().find(|c| c.category == n).unwrap().by_species.clone()
}

fn run(firms: &[Firm]) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let r = Registry::new(MemoryStore::new());
        let mut received = None;
        for (k, f) in firms.iter().enumerate() {
            let all = entries(&f.journal(k, firms.len(), received));
            let Entry::Entity(e) = &all[0] else { unreachable!() };
            r.ensure(e).await.unwrap();
            let got = r.submit(&e.id, all[1..].to_vec()).await;
            prop_assert!(got.is_ok(), "firm {} {:?}: {:?}", k, f, got.err().map(|e| e.to_string()));
            received = Some(f.sold());
        }
        let mut ledgers = Vec::new();
        for k in 0..firms.len() {
            ledgers.push(r.ledger(&format!("e{k}")).await.unwrap());
        }
        let mut all_scope1 = BySpecies::new();
        let mut all_direct = BySpecies::new();
        for (k, (l, f)) in ledgers.iter().zip(firms).enumerate() {
            let g = inventory(l);
            prop_assert_eq!(g.difference_gc(), 0, "firm {}: {:?}", k, g.reconciliation);
            prop_assert!(g.difference.is_empty(), "firm {}: {:?}", k, g.difference);
            let mut released = g.scope1.released.clone();
            released.retain(|_, a| *a != 0);
            // Only its own direct emissions: nothing upstream ever enters a company's Scope 1.
            prop_assert_eq!(&released, &f.direct(), "firm {}", k);
            for (s, a) in &released {
                *all_scope1.entry(*s).or_default() += a;
            }
            for (s, a) in f.direct() {
                *all_direct.entry(s).or_default() += a;
            }
            // Downstream, the seller's footprint is the customer's category 1, to the gram.
            if k > 0 {
                prop_assert_eq!(cat(&g, 1), transferred(&ledgers[k - 1], &format!("e{k}")), "firm {}", k);
            }
        }
        prop_assert_eq!(all_scope1, all_direct);
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn each_entity_reconciles_and_scope1_is_counted_once(firms in prop::collection::vec(firm(), 2..=4)) {
        run(&firms)?;
    }
}

fn three_tier(name: &str) -> Vec<Entry> {
    let path = format!("{}/../../examples/three-tier/{name}", env!("CARGO_MANIFEST_DIR"));
    entries(&std::fs::read_to_string(path).unwrap())
}

#[tokio::test]
async fn three_tier_category1_is_the_suppliers_transferred_footprints() {
    let r = Registry::new(MemoryStore::new());
    let mut ids = Vec::new();
    for f in ["1-mine.journal", "2-mill.journal", "2-transition-steel.journal", "3-transformer-co.journal"] {
        let all = three_tier(f);
        let Entry::Entity(e) = &all[0] else { panic!("a journal starts with its entity") };
        r.ensure(e).await.unwrap();
        r.submit(&e.id, all[1..].to_vec()).await.unwrap();
        ids.push(e.id.clone());
    }
    let mill = r.ledger(&ids[1]).await.unwrap();
    let plant = r.ledger(&ids[2]).await.unwrap();
    let maker = r.ledger(&ids[3]).await.unwrap();
    // The suppliers' transferred footprints: the mill's and the DRI plant's sales to the maker
    // (from their own ledgers), and what each outside supplier stated on its delivery (the
    // purchases' postings).
    let mut want = transferred(&mill, &ids[3]);
    for (sp, a) in transferred(&plant, &ids[3]) {
        *want.entry(sp).or_default() += a;
    }
    for tx in maker.transactions().iter().filter(|t| t.kind == TxKind::Purchase) {
        for p in tx.postings.iter().filter(|p| p.account == "in.attributed") {
            *want.entry(p.species).or_default() += p.amount;
        }
    }
    let g = inventory(&maker);
    assert_eq!(cat(&g, 1), want);
    assert!(!transferred(&mill, &ids[3]).is_empty() && !transferred(&plant, &ids[3]).is_empty());
    for l in [&r.ledger(&ids[0]).await.unwrap(), &mill, &plant, &maker] {
        assert_eq!(inventory(l).difference_gc(), 0);
    }
    // The supply-chain target shows the same progress as `report purchased-goods`.
    let json = |kind: &str| -> serde_json::Value {
        serde_json::from_str(&custody_report::render(&maker, kind, None, custody_report::Format::Json).unwrap())
            .unwrap()
    };
    let (ghg, pg) = (json("ghg-inventory"), json("purchased-goods"));
    assert!(!pg["targets"].as_array().unwrap().is_empty());
    assert_eq!(ghg["targets"], pg["targets"]);
}
