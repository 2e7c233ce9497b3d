//! The EU CBAM statement: the EFI case study against figures computed here by hand from the
//! journal's own numbers, a two-good installation with precursors, and the xlsx workbook read back
//! with calamine.

use calamine::{Data, Reader, Xlsx};
use custody_core::exact::{parse_decimal, Q};
use custody_report::{cbam_xlsx, render_cbam, Format, SUMMARY_TAB};
use serde_json::Value;

fn load(name: &str, text: &str) -> custody_core::Ledger {
    custody_journal::load(&[custody_journal::Source { name: name.into(), text: text.into() }])
        .unwrap_or_else(|e| panic!("{:?}", e.1))
}

fn efi() -> custody_core::Ledger {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/efi-h2-dri-eaf/efi.journal");
    load("efi.journal", &std::fs::read_to_string(path).unwrap())
}

fn d(s: &str) -> Q {
    parse_decimal(s).unwrap()
}

/// A JSON number as an exact rational (JSON numbers here are exact decimals).
fn q_of(v: &Value) -> Q {
    assert!(v.is_number(), "not a number: {v}");
    d(&v.to_string())
}

/// The statement rounds to 6 places: a figure is right when within half a unit of the 6th.
fn close(what: &str, got: Q, want: Q) {
    let diff = if got > want { got - want } else { want - got };
    assert!(diff <= Q::new(1, 2_000_000), "{what}: got {got}, want {want} (diff {diff})");
}

fn json(ledger: &custody_core::Ledger, site: &str, period: &str) -> Value {
    serde_json::from_str(&render_cbam(ledger, site, period, Format::Json).unwrap()).unwrap()
}

#[test]
fn efi_steel_direct_is_net_of_ccs_and_indirect_is_grid_electricity() {
    let v = json(&efi(), "steel-plant", "2025-01");
    // The contract's keys, exactly.
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["installation", "period", "goods", "missing"]);
    let goods = v["goods"].as_array().unwrap();
    assert_eq!(goods.len(), 1, "steel is the one good (slag and ash are cut-off byproducts)");
    let g = &goods[0];
    let gkeys: Vec<&str> = g.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        gkeys,
        [
            "item",
            "cn_code",
            "category",
            "quantity_t",
            "see_direct_tCO2e_per_t",
            "see_indirect_tCO2e_per_t",
            "see_total_tCO2e_per_t",
            "electricity_MWh_per_t",
            "electricity_factor_tCO2_per_MWh",
            "precursors",
            "default_share"
        ]
    );
    assert_eq!(g["item"], "steel");
    assert_eq!(g["category"], "Iron or steel products");
    assert_eq!(g["cn_code"], Value::Null);
    // By hand, from efi.journal: emit 82,682.28 tCO2; capture 57,315.4 tCO2 stored and 5,731.5 tCO2
    // of capture process emissions; 416,000 t of steel; 109.4 GWh of grid electricity at
    // 675.28 gCO2/kWh. The CH4, CO and VOC of the electricity factor are not CBAM gases.
    let steel = d("416000");
    let net_direct = d("82682.28") - d("57315.4") + d("5731.5");
    let mwh = d("109.4") * d("1000");
    let factor = d("675.28") / d("1000"); // gCO2/kWh = kgCO2/MWh -> tCO2/MWh
    close("quantity_t", q_of(&g["quantity_t"]), steel);
    close("direct", q_of(&g["see_direct_tCO2e_per_t"]), net_direct / steel);
    close("indirect", q_of(&g["see_indirect_tCO2e_per_t"]), mwh * factor / steel);
    close("total", q_of(&g["see_total_tCO2e_per_t"]), (net_direct + mwh * factor) / steel);
    close("MWh/t", q_of(&g["electricity_MWh_per_t"]), mwh / steel);
    close("factor", q_of(&g["electricity_factor_tCO2_per_MWh"]), factor);
    close("default share", q_of(&g["default_share"]), Q::from_integer(0));
    // Iron ore pellets are a precursor (CN 2601 12 00) with no communicated values: listed, not guessed.
    let p = &g["precursors"][0];
    assert_eq!((p["item"].as_str(), p["values"].as_str()), (Some("iron-ore"), Some("missing")));
    assert_eq!(p["see_direct_tCO2e_per_t"], Value::Null);
    assert_eq!(p["suppliers"], serde_json::json!(["iron-ore-co"]));
    close("pellets t/t", q_of(&p["quantity_t_per_t"]), d("137000") / steel);
    let missing: Vec<(String, String)> = v["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["subject"].as_str().unwrap().into(), m["field"].as_str().unwrap().into()))
        .collect();
    for want in [
        ("installation", "city"),
        ("installation", "unlocode"),
        ("installation", "coordinates"),
        ("item:steel", "cn_code"),
        ("precursor:iron-ore", "embedded"),
        ("precursor:iron-ore", "country_of_origin"),
        ("installation", "electricity_factor_source"),
    ] {
        assert!(missing.contains(&(want.0.into(), want.1.into())), "{want:?} not in {missing:?}");
    }
    assert!(!missing.contains(&("installation".into(), "country".into())), "the site declares its country");
    assert_eq!(v["installation"]["country"], "US");
}

const TWO_GOODS: &str = r#"
entity mill "Mill"
  ratios molar
  gwp ar6
counterparty grid "Grid"
counterparty pig-co "Pig iron co"
counterparty alloy-co "Alloy co"
site hh "Hamburg works"
  city "Hamburg"
  country DE
  unlocode DEHAM
  coordinates 53.55 9.99
site other "Other works"
item pig "Pig iron"
  category raw-material
  cn-code 72011011
  goods-category "Pig iron"
  embedded 1.8 0.2 tCO2e/t default
item femn "Ferro-manganese"
  category raw-material
  cn-code 72021120
  goods-category "FeMn"
  embedded 1.5 0.5 tCO2e/t actual
item power "Power"
  category electricity
item coil "Hot-rolled coil"
  category product
  cn-code 72083900
  goods-category "Iron or steel products"
item bar "Bar"
  category product
  cn-code 72142000
  goods-category "Iron or steel products"
period 2025 2025-01-01 2025-12-31
2025-01-10 purchase buy-pig
  supplier pig-co
  item pig
  quantity 1000 t
  site hh
  factor 2000 kgCO2/t
  content 40 tC
2025-01-10 purchase buy-femn
  supplier alloy-co
  item femn
  quantity 10 t
  site hh
  factor 2000 kgCO2/t
2025-01-10 purchase buy-power
  supplier grid
  item power
  quantity 500 MWh
  site hh
  factor 400 gCO2/kWh
2025-01-10 purchase buy-power-other
  supplier grid
  item power
  quantity 700 MWh
  site other
  factor 900 gCO2/kWh
2025-01-20 consume melt
  site hh
  use pig 1000 t
  use femn 10 t
  use power 500 MWh
2025-01-20 consume other-use
  site other
  use power 700 MWh
2025-01-20 emit melt-emissions
  site hh
  emission 100 tCO2
  emission 0.01 tN2O
  emission 1 tCH4
2025-01-25 produce roll
  site hh
  allocation value
  output coil 600 t content 5 tC value 900
  output bar 400 t content 5 tC value 100
"#;

#[test]
fn two_goods_share_the_installation_by_the_allocation_key_and_add_their_precursors() {
    let v = json(&load("two.journal", TWO_GOODS), "hh", "2025");
    assert_eq!(v["missing"].as_array().unwrap().iter().filter(|m| m["subject"] == "installation").count(), 1);
    assert_eq!(v["installation"]["unlocode"], "DEHAM");
    let goods = v["goods"].as_array().unwrap();
    let names: Vec<&str> = goods.iter().map(|g| g["item"].as_str().unwrap()).collect();
    assert_eq!(names, ["bar", "coil"]);
    // By hand: direct at hh = 100 tCO2 + 0.01 tN2O x 273 (AR6); CH4 is not a CBAM gas. The other
    // site's 700 MWh never count. Value key 900:100 gives coil 0.9 and bar 0.1 of everything.
    let direct = d("100") + d("0.01") * d("273");
    let (mwh, factor) = (d("500"), d("0.4"));
    let (pig, femn) = (d("1000"), d("10"));
    for (g, share, qty) in [(&goods[0], d("0.1"), d("400")), (&goods[1], d("0.9"), d("600"))] {
        let per_t = |x: Q| x * share / qty;
        let (pig_t, femn_t) = (per_t(pig), per_t(femn));
        let see_d = per_t(direct) + pig_t * d("1.8") + femn_t * d("1.5");
        let see_i = per_t(mwh * factor) + pig_t * d("0.2") + femn_t * d("0.5");
        let item = g["item"].as_str().unwrap().to_string();
        close(&format!("{item} direct"), q_of(&g["see_direct_tCO2e_per_t"]), see_d);
        close(&format!("{item} indirect"), q_of(&g["see_indirect_tCO2e_per_t"]), see_i);
        close(&format!("{item} total"), q_of(&g["see_total_tCO2e_per_t"]), see_d + see_i);
        close(&format!("{item} MWh/t"), q_of(&g["electricity_MWh_per_t"]), per_t(mwh));
        close(&format!("{item} factor"), q_of(&g["electricity_factor_tCO2_per_MWh"]), factor);
        close(&format!("{item} default share"), q_of(&g["default_share"]), pig_t * d("2") / (see_d + see_i));
        let ps = g["precursors"].as_array().unwrap();
        assert_eq!(ps[0]["item"], "femn");
        assert_eq!(ps[0]["values"], "actual");
        assert_eq!(ps[1]["item"], "pig");
        assert_eq!(ps[1]["values"], "default");
        assert_eq!(ps[1]["suppliers"], serde_json::json!(["pig-co"]));

        close("pig t/t", q_of(&ps[1]["quantity_t_per_t"]), pig_t);
        close("femn t/t", q_of(&ps[0]["quantity_t_per_t"]), femn_t);
    }
    // The other site consumed electricity but produced nothing.
    let other = json(&load("two.journal", TWO_GOODS), "other", "2025");
    assert_eq!(other["goods"], serde_json::json!([]));
}

#[test]
fn an_undeclared_site_or_period_is_an_error_naming_it() {
    let l = efi();
    let e = render_cbam(&l, "nowhere", "2025-01", Format::Json).unwrap_err();
    assert!(e.contains("site `nowhere` is not declared"), "{e}");
    let e = render_cbam(&l, "steel-plant", "2099", Format::Json).unwrap_err();
    assert!(e.contains("period `2099`"), "{e}");
}

fn cell_text(c: Option<&Data>) -> String {
    match c {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

fn cell_number(c: Option<&Data>) -> Q {
    match c {
        Some(Data::Float(f)) => d(&format!("{f}")),
        Some(Data::Int(i)) => Q::from_integer(*i as i128),
        other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn the_workbook_has_the_summary_tab_and_every_figure() {
    for (text, site, period) in [(None, "steel-plant", "2025-01"), (Some(TWO_GOODS), "hh", "2025")] {
        let ledger = text.map_or_else(efi, |t| load("two.journal", t));
        let v = json(&ledger, site, period);
        let bytes = cbam_xlsx(&ledger, site, period).unwrap();
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), vec![SUMMARY_TAB.to_string()]);
        assert_eq!(SUMMARY_TAB, "Summary_Communication");
        let range = wb.worksheet_range("Summary_Communication").unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        let find = |label: &str, after: usize| {
            rows.iter().enumerate().skip(after).find(|(_, r)| cell_text(r.first()) == label).map(|(i, _)| i)
        };
        let inst = &v["installation"];
        for (label, key) in
            [("Installation", "name"), ("Site", "site"), ("Country", "country"), ("UN/LOCODE", "unlocode")]
        {
            let r = find(label, 0).unwrap_or_else(|| panic!("no row {label}"));
            assert_eq!(cell_text(rows[r].get(1)), inst[key].as_str().unwrap_or(""), "{label}");
        }
        let head = find("Good", 0).expect("the goods table");
        for (i, g) in v["goods"].as_array().unwrap().iter().enumerate() {
            let r = rows[head + 1 + i];
            assert_eq!(cell_text(r.first()), g["item"].as_str().unwrap());
            assert_eq!(cell_text(r.get(1)), g["cn_code"].as_str().unwrap_or(""));
            assert_eq!(cell_text(r.get(2)), g["category"].as_str().unwrap_or(""));
            let keys = [
                "quantity_t",
                "see_direct_tCO2e_per_t",
                "see_indirect_tCO2e_per_t",
                "see_total_tCO2e_per_t",
                "electricity_MWh_per_t",
                "electricity_factor_tCO2_per_MWh",
                "default_share",
            ];
            for (k, col) in keys.iter().zip([3, 4, 5, 6, 7, 8, 9]) {
                assert_eq!(cell_number(r.get(col)), q_of(&g[*k]), "{} {k}", g["item"]);
            }
        }
        let prec = find("Good", head + 1).expect("the precursor table");
        let mut r = prec + 1;
        for g in v["goods"].as_array().unwrap() {
            for p in g["precursors"].as_array().unwrap() {
                assert_eq!(cell_text(rows[r].get(1)), p["item"].as_str().unwrap());
                assert_eq!(cell_number(rows[r].get(4)), q_of(&p["quantity_t_per_t"]));
                assert_eq!(cell_text(rows[r].get(8)), p["values"].as_str().unwrap());
                if p["values"] != "missing" {
                    assert_eq!(cell_number(rows[r].get(6)), q_of(&p["see_direct_tCO2e_per_t"]));
                    assert_eq!(cell_number(rows[r].get(7)), q_of(&p["see_indirect_tCO2e_per_t"]));
                }
                r += 1;
            }
        }
        let m = find("Missing", r).expect("the missing table");
        assert_eq!(rows.len() - m - 1, v["missing"].as_array().unwrap().len());
    }
    // EFI by hand in the workbook too: 31,098.38 tCO2 net direct over 416,000 t.
    let bytes = cbam_xlsx(&efi(), "steel-plant", "2025-01").unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range(SUMMARY_TAB).unwrap();
    let steel = range.rows().find(|r| cell_text(r.first()) == "steel").unwrap();
    close("xlsx direct", cell_number(steel.get(4)), (d("82682.28") - d("57315.4") + d("5731.5")) / d("416000"));
}

/// A journal with `values.len()` goods made in one production at site `s`, allocated by value
/// (20000 t of ore hold the up to 2999 tC of content, E046, and outweigh the up to 14997 t of
/// goods).
fn generated(values: &[u32], tonnes: &[u32], co2_t: u32, captured_pct: u32, mwh: u32) -> String {
    let mut j = String::from(
        "entity e \"E\"\n  ratios molar\n  gwp ar6\ncounterparty grid \"Grid\"\ncounterparty ore-co \"Ore\"\ncounterparty store \"Store\"\n\
         site s \"S\"\n  default\nitem ore \"Ore\"\n  category raw-material\nitem power \"Power\"\n  category electricity\n\
         period p 2025-01-01 2025-12-31\n",
    );
    for i in 0..values.len() {
        j += &format!("item g{i} \"G{i}\"\n  category product\n  goods-category \"Crude steel\"\n");
    }
    j +=
        &format!("2025-01-02 purchase b1\n  supplier ore-co\n  item ore\n  quantity 20000 t\n  content {} tC\n", co2_t);
    j += &format!(
        "2025-01-02 purchase b2\n  supplier grid\n  item power\n  quantity {} MWh\n  factor 350 gCO2/kWh\n",
        mwh.max(1)
    );
    j += &format!("2025-01-03 consume c\n  use ore 20000 t\n  use power {} MWh\n", mwh.max(1));
    j += &format!("2025-01-04 emit e1\n  emission {co2_t} tCO2\n");
    if captured_pct > 0 {
        j += &format!(
            "2025-01-05 capture cc\n  operator store\n  captured {}.{:02} tCO2\n",
            co2_t * captured_pct / 100,
            (co2_t * captured_pct) % 100
        );
    }
    j += "2025-01-06 produce m\n  allocation value\n";
    for (i, (v, t)) in values.iter().zip(tonnes).enumerate() {
        j += &format!("  output g{i} {t} t value {v}\n");
    }
    j
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// What the goods carry adds up to what the installation emitted and consumed, exactly: the
    /// shares of a period sum to one whatever the allocation key's weights.
    #[test]
    fn the_goods_add_up_to_the_installation(
        goods in proptest::collection::vec((1u32..1000, 1u32..5000), 1..4),
        co2_t in 1u32..3000,
        captured_pct in 0u32..90,
        mwh in 1u32..2000,
    ) {
        let (values, tonnes): (Vec<u32>, Vec<u32>) = goods.into_iter().unzip();
        let l = load("gen.journal", &generated(&values, &tonnes, co2_t, captured_pct, mwh));
        let scope = custody_core::statements::Scope::resolve(&l, Some("p")).unwrap();
        let st = custody_core::statements::cbam(&l, &scope, "s").unwrap();
        proptest::prop_assert_eq!(st.goods.len(), values.len());
        let t = |g: &custody_core::statements::CbamGoodLine| Q::new(g.quantity_g as i128, 1_000_000);
        let one: Q = st.goods.iter().map(|g| g.share).sum();
        proptest::prop_assert_eq!(one, Q::from_integer(1));
        let direct: Q = st.goods.iter().map(|g| g.see_direct * t(g)).sum();
        proptest::prop_assert_eq!(direct * Q::from_integer(1_000_000), st.totals.direct_gross + st.totals.ccs);
        let indirect: Q = st.goods.iter().map(|g| g.see_indirect * t(g)).sum();
        proptest::prop_assert_eq!(indirect * Q::from_integer(1_000_000), st.totals.electricity_co2);
        let mwh_sum: Q = st.goods.iter().map(|g| g.electricity_mwh_per_t * t(g)).sum();
        proptest::prop_assert_eq!(mwh_sum, Q::from_integer(mwh as i128));
        // The reference model: the gross is the emit line as written, in grams of CO2 (molar ratios
        // make the ledger's gram of carbon an inexact gram of CO2: within one gram of carbon).
        let gross = st.totals.direct_gross - Q::from_integer(co2_t as i128 * 1_000_000);
        proptest::prop_assert!(custody_core::exact::abs_q(gross) <= Q::new(44_009, 12_011), "gross off by {gross}");
        // Value shares, to the gram of allocation.
        let vsum: u32 = values.iter().sum();
        for (g, v) in st.goods.iter().zip(&values) {
            let want = Q::new(*v as i128, vsum as i128);
            proptest::prop_assert!(custody_core::exact::abs_q(g.share - want) < Q::new(1, 1_000), "share {} vs {want}", g.share);
        }
    }
}

#[test]
fn a_precursor_bought_with_a_stated_zero_still_names_its_supplier() {
    // Found by a breaker: the suppliers came from postings, and a stated zero posts nothing.
    let text = TWO_GOODS.replace(
        "  item femn\n  quantity 10 t\n  site hh\n  factor 2000 kgCO2/t\n",
        "  item femn\n  quantity 10 t\n  site hh\n  attributed 0 tCO2\n",
    );
    assert_ne!(text, TWO_GOODS, "the fixture changed under the test");
    let v = json(&load("two.journal", &text), "hh", "2025");
    let femn = &v["goods"][0]["precursors"][0];
    assert_eq!((femn["item"].as_str(), femn["suppliers"].clone()), (Some("femn"), serde_json::json!(["alloy-co"])));
}
