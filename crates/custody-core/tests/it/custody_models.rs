//! A chain-of-custody model is never upgraded along the chain (hostile test 2, F13; ISO 22095
//! ch. 5): material keeps the weakest model it came in under through stock, moves, work in
//! process and products, and a sale declaring a stronger one is refused (E022).

use super::instruments::journal;
use custody_core::coc::CustodyModel;
use custody_journal::{load, Source};

/// ISO 22095's order, strongest first, written here apart from the crate's.
const ORDER: [&str; 5] = ["identity-preserved", "segregated", "controlled-blending", "mass-balance", "book-and-claim"];

fn rank(m: &str) -> usize {
    ORDER.iter().position(|x| *x == m).unwrap()
}

const HEAD: &str = "entity b \"Buyer\"\n  ratios efi\n  gwp ar6\ncounterparty s \"Seller\"\ncounterparty t \"Trader\"\n\
counterparty c \"Customer\"\ncounterparty grid \"Grid\"\n\
item widget \"Widget\"\n  category product\nitem part \"Part\"\n  category product\n\
item gadget \"Gadget\"\n  category product\nitem elec \"Electricity\"\n  category electricity\nitem ore \"Ore\"\n  category raw-material\n\
period 2025 2025-01-01 2025-12-31\n";

/// A resolved receive of 100 t of widgets (as a registry fills it) under `model`.
fn receive(id: &str, item: &str, model: &str) -> String {
    format!(
        "2025-03-02 receive {id}\n  transfer s/{id}/b\n  item {item}\n  supplier s\n  quantity 100000000\n  \
         amount emissions CO2 27272727 gC\n  site s1\n  custody {model}\n"
    )
}

fn sell(item: &str, site: &str, qty: &str, model: Option<&str>) -> String {
    let line = model.map(|m| format!("  custody {m}\n")).unwrap_or_default();
    format!("2025-03-05 sell sb\n  item {item}\n  site {site}\n  customer c {qty}\n{line}")
}

#[derive(Debug, Clone, Copy)]
enum Path {
    Resale,
    Production,
    Move,
    /// Widgets under the first model and parts under the second, made into one gadget batch.
    Mixed,
}

fn ledger_text(path: Path, inputs: (&str, &str), sold: Option<&str>) -> String {
    let mut t = String::from(HEAD);
    t += &receive("r1", "widget", inputs.0);
    match path {
        Path::Resale => t += &sell("widget", "s1", "100 t", sold),
        Path::Move => {
            t += "2025-03-03 move mv\n  item widget\n  quantity 100 t\n  from s1\n  to s2\n";
            t += &sell("widget", "s2", "100 t", sold);
        }
        Path::Production | Path::Mixed => {
            let mut uses = "  use widget 100 t\n".to_string();
            if matches!(path, Path::Mixed) {
                t += &receive("r2", "part", inputs.1);
                uses += "  use part 100 t\n";
            }
            t += &format!(
                "2025-03-03 consume c1\n  site s1\n{uses}2025-03-04 produce m1\n  site s1\n  output gadget 150 t\n"
            );
            t += &sell("gadget", "s1", "150 t", sold);
        }
    }
    t
}

fn outcome(text: &str) -> Result<(), String> {
    load(&[Source { name: "t.journal".into(), text: text.into() }]).map(|_| ()).map_err(|(_, d)| d[0].message.clone())
}

/// Every (input model, stated model) over each path: a sale is accepted exactly when it states
/// a model no stronger than the weakest its inputs carry; the refusal is E022 naming the sale,
/// both models and the receive the weakest came from.
#[test]
fn a_sale_never_states_a_stronger_model_than_its_goods_carry() {
    for path in [Path::Resale, Path::Production, Path::Move, Path::Mixed] {
        for a in ORDER {
            for b in ORDER {
                if !matches!(path, Path::Mixed) && b != ORDER[0] {
                    continue;
                }
                for sold in ORDER {
                    // Equally weak inputs: either receive may be named.
                    let weakest = match path {
                        Path::Mixed if rank(b) > rank(a) => ("`r2`", b),
                        Path::Mixed if rank(b) == rank(a) => ("`r", a),
                        _ => ("`r1`", a),
                    };
                    let res = outcome(&ledger_text(path, (a, b), Some(sold)));
                    if rank(sold) >= rank(weakest.1) {
                        assert!(res.is_ok(), "{path:?} {a}+{b} sold as {sold}: {res:?}");
                    } else {
                        let m = res.expect_err(&format!("{path:?} {a}+{b} sold as {sold} must be refused"));
                        assert!(m.contains("E022"), "{m}");
                        for part in [
                            "sale `sb`".to_string(),
                            format!("declares {sold}"),
                            format!("carries {} from receive {}", weakest.1, weakest.0),
                        ] {
                            assert!(m.contains(&part), "{part:?} not in {m}");
                        }
                    }
                }
            }
        }
    }
}

/// The repro's kind in one ledger: mass-balance widgets made into gadgets are not sold as
/// identity-preserved; declared as nothing, the sale carries mass-balance to the buyer.
#[test]
fn an_undeclared_sale_carries_the_weakest_model() {
    let l = journal(&ledger_text(Path::Production, ("mass-balance", ORDER[0]), None));
    let sale = l.transaction("sb").unwrap();
    assert_eq!(sale.meta.get("custody").map(String::as_str), Some("mass-balance"));
    let held = l.model_held(None, None, Some("s1"));
    assert!(held.is_none(), "the production emptied the work in process: {held:?}");
    assert!(
        l.model_held(Some("gadget"), None, None).is_none(),
        "all gadgets sold: {:?}",
        l.model_held(Some("gadget"), None, None)
    );
    assert_eq!(CustodyModel::parse("mass-balance").map(|m| m.stronger_than(CustodyModel::BookAndClaim)), Some(true));
}

/// Own production from nothing received and purchases whose supplier declared no model carry no
/// restriction; a purchase whose supplier declared one carries it; an emptied stock forgets it.
#[test]
fn own_production_and_undeclared_purchases_carry_no_restriction() {
    let own = format!(
        "{HEAD}2025-03-01 purchase buy-elec\n  supplier grid\n  item elec\n  quantity 1000 kWh\n  site s1\n  factor 500 gCO2/kWh\n\
         2025-03-01 consume use\n  site s1\n  use elec 1000 kWh\n2025-03-01 produce make\n  site s1\n  output gadget 10 t\n{}",
        sell("gadget", "s1", "10 t", Some("identity-preserved"))
    );
    assert_eq!(outcome(&own), Ok(()));
    let buy = "2025-03-01 purchase buy-w\n  supplier t\n  item ore\n  quantity 10 t\n  site s1\n  factor 1 tCO2/t\n";
    let make =
        "2025-03-02 consume c1\n  site s1\n  use ore 10 t\n2025-03-02 produce m1\n  site s1\n  output gadget 10 t\n";
    let bought = |model: &str| format!("{HEAD}{buy}{model}{make}{}", sell("gadget", "s1", "10 t", Some("segregated")));
    assert_eq!(outcome(&bought("")), Ok(()));
    let m = outcome(&bought("  custody book-and-claim\n")).unwrap_err();
    assert!(m.contains("E022") && m.contains("carries book-and-claim from purchase `buy-w`"), "{m}");
    // Sold out under mass-balance, then received again without a model: nothing restricts it.
    let again = format!(
        "{HEAD}{}{}{}2025-03-07 sell sb2\n  item widget\n  site s1\n  customer c 100 t\n  custody identity-preserved\n",
        receive("r1", "widget", "mass-balance"),
        sell("widget", "s1", "100 t", Some("mass-balance")),
        receive("r9", "widget", "mass-balance")
            .replace("2025-03-02", "2025-03-06")
            .replace("  custody mass-balance\n", "")
    );
    assert_eq!(outcome(&again), Ok(()));
}

/// A customer's return brings the goods back with the model they carried; so does a reversal.
#[test]
fn returned_goods_keep_their_model() {
    for undo in ["2025-03-06 return back\n  sale sb\n  customer c\n", "2025-03-06 reverse back\n  of sb\n"] {
        let text = format!(
            "{}{undo}2025-03-07 sell sb2\n  item widget\n  site s1\n  customer c 100 t\n  custody segregated\n",
            ledger_text(Path::Resale, ("mass-balance", ORDER[0]), Some("mass-balance"))
        );
        let m = outcome(&text).unwrap_err();
        assert!(m.contains("E022") && m.contains("sale `sb2`") && m.contains("carries mass-balance"), "{undo}: {m}");
    }
}
