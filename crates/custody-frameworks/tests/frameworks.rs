//! Every framework file is checked the same way, so adding one is a data change plus its test
//! rows here: boundary cases on each line (on it, just above, just below) at scrap shares 0 and 1,
//! and the claim rules (credits recognised as credits, stacking refused everywhere).

use custody_core::claims::*;
use custody_core::coc::CustodyModel;
use custody_core::exact::{self, Q};

fn footprint(material: &str, intensity: Q, scrap: Option<Q>) -> Footprint {
    Footprint {
        product: "p".into(),
        material: material.into(),
        intensity,
        ferrous: FerrousInputs::default(),
        scrap_share: scrap,
        gases: vec!["CO2".into(), "CH4".into(), "N2O".into()],
        boundary_note: "test".into(),
        data_gaps: vec![],
        quantity: None,
    }
}

fn q(s: &str) -> Q {
    exact::parse_decimal(s).unwrap()
}

#[test]
fn every_framework_file_parses_with_a_unique_id_and_sources() {
    let all = custody_frameworks::embedded();
    assert!(all.len() >= 7, "{} frameworks", all.len());
    let mut ids: Vec<&str> = all.iter().map(|f| f.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "framework ids are unique");
    for f in &all {
        assert!(!f.sources.is_empty(), "{} names its sources", f.id);
        assert!(!f.confidence.is_empty(), "{} says how sure we are", f.id);
    }
    // The files in the repository are the embedded ones.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../frameworks");
    assert_eq!(custody_frameworks::from_dir(&dir).unwrap(), all);
}

#[test]
fn boundary_cases_on_every_line() {
    let eps = q("0.001");
    for f in custody_frameworks::embedded() {
        let shares: Vec<Option<Q>> =
            if f.scrap == ScrapDefinition::None { vec![None] } else { vec![Some(q("0")), Some(q("1"))] };
        let material = if f.material == "any" { "steel".to_string() } else { f.material.clone() };
        for s in shares {
            for level in &f.levels {
                let line = level.limit(s.unwrap_or_else(|| q("0")));
                let met = |x: Q| {
                    let v = assess(&f, &footprint(&material, x, s), None);
                    v.levels.iter().find(|l| l.name == level.name).unwrap().met
                };
                let on_line_passes = f.comparison == Comparison::AtMost;
                assert_eq!(
                    met(line),
                    on_line_passes,
                    "{} {} exactly on {}",
                    f.id,
                    level.name,
                    exact::format_decimal(line, 4)
                );
                assert!(!met(line + eps), "{} {} just above the line", f.id, level.name);
                assert!(met(line - eps), "{} {} just below the line", f.id, level.name);
            }
        }
    }
}

#[test]
fn published_values_are_what_the_files_say() {
    let get = |id: &str| custody_frameworks::embedded().into_iter().find(|f| f.id == id).unwrap();
    let rs = get("responsiblesteel-dpl");
    let at = |f: &Framework, name: &str, s: &str| f.levels.iter().find(|l| l.name == name).unwrap().limit(q(s));
    // standards.md's derived table: x = 0.2 -> 2.34 / 1.67 / 1.00 / 0.33; x = 0.57 -> DPL2 1.0595.
    assert_eq!(at(&rs, "DPL1", "0.2"), q("2.34"));
    assert_eq!(at(&rs, "DPL2", "0.2"), q("1.67"));
    assert_eq!(at(&rs, "DPL4", "0.2"), q("0.33"));
    assert_eq!(at(&rs, "DPL2", "0.57"), q("1.0595"));
    let iea = get("iea-near-zero");
    assert_eq!(at(&iea, "near-zero", "0.57"), q("0.2005"));
    assert_eq!(at(&iea, "E", "1"), q("0.3"));
    assert_eq!(at(&get("steelzero"), "lower-emission-steel", "0.5"), q("1.175"));
    assert_eq!(at(&get("fmc-aluminium"), "low-carbon-primary", "0"), q("3"));
    // The IEA's default is zero scrap when none is known.
    let v = assess(&iea, &footprint("steel", q("0.39"), None), None);
    assert_eq!(v.scrap_share, Some(q("0")));
    assert_eq!(v.reached.as_deref(), Some("near-zero"));
}

#[test]
fn efi_steel_meets_responsiblesteel_levels_1_to_3_but_not_4() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/efi-h2-dri-eaf/efi.journal");
    let ledger = custody_journal::load(&[custody_journal::Source {
        name: "efi".into(),
        text: std::fs::read_to_string(path).unwrap(),
    }])
    .unwrap();
    let scope = custody_core::statements::Scope::resolve(&ledger, None).unwrap();
    let fp = footprint_from_ledger(&ledger, &scope, "steel", "steel").unwrap();
    let rs = custody_frameworks::embedded().into_iter().find(|f| f.id == "responsiblesteel-dpl").unwrap();
    let v = assess(&rs, &fp, None);
    let met: Vec<(&str, bool)> = v.levels.iter().map(|l| (l.name.as_str(), l.met)).collect();
    assert_eq!(met, [("DPL1", true), ("DPL2", true), ("DPL3", true), ("DPL4", false)]);
    assert_eq!(v.reached.as_deref(), Some("DPL3"));
    // The scrap share by the metallic-input definition is about 79%; by charge mass it is lower.
    let share = v.scrap_share.unwrap();
    assert!(share > q("0.78") && share < q("0.79"), "{}", exact::format_decimal(share, 4));
    assert!(fp.ferrous.share(ScrapDefinition::ChargeMass).unwrap() < share);
    // At the report's own 80% the verdict is the same.
    let at_80 = assess(&rs, &Footprint { scrap_share: Some(q("0.8")), ..fp.clone() }, None);
    assert_eq!(at_80.reached.as_deref(), Some("DPL3"));
}

fn claim(kind: ClaimKind, claimed: &str) -> Claim {
    Claim {
        kind,
        claimed_intensity: q(claimed),
        site_level: true,
        non_proportional: Some(true),
        period_months: Some(3),
        lowest_input: Some(q("0.7")),
        technology: Some(q("0.7")),
        verified_by: Some("Verifier GmbH".into()),
        baseline_disclosed: true,
        model: Some(CustodyModel::MassBalance),
        items: Vec::new(),
        quantity: None,
        residual: None,
        declared_inputs: Vec::new(),
        provisional: None,
    }
}

#[test]
fn a_mass_balance_credit_is_recognised_as_such_and_refused_where_refused() {
    for f in custody_frameworks::embedded() {
        let v =
            assess(&f, &footprint("steel", q("2.2"), Some(q("0"))), Some(&claim(ClaimKind::MassBalanceCredit, "0.7")));
        assert!(
            v.reasons.iter().any(|r| r.check == "instrument" && r.detail.contains("avoided-emissions")),
            "{}",
            f.id
        );
        if f.custody.mass_balance_credit != Stance::Accepted
            && f.custody.mass_balance_credit != Stance::AcceptedWithPrinciples
        {
            assert_eq!(v.claim_recognised, Some(false), "{} must refuse a credit claim", f.id);
            assert_eq!(v.intensity, q("2.2"), "{}: assessed on the physical footprint", f.id);
        }
    }
    for id in ["steelzero", "fmc-steel", "sbti-carbon-bank"] {
        let f = custody_frameworks::embedded().into_iter().find(|f| f.id == id).unwrap();
        assert_eq!(f.custody.mass_balance_credit, Stance::Refused, "{id}");
    }
}

#[test]
fn a_stacked_claim_is_refused_everywhere() {
    for f in custody_frameworks::embedded() {
        for kind in [ClaimKind::MassBalanceChainOfCustody, ClaimKind::MassBalanceCredit, ClaimKind::BookAndClaim] {
            let v = assess(&f, &footprint("steel", q("2.2"), Some(q("0"))), Some(&claim(kind, "0.3")));
            assert_eq!(v.claim_recognised, Some(false), "{} accepted a stacked {} claim", f.id, kind.as_str());
            assert!(v.reasons.iter().any(|r| r.check == "no stacking" && !r.ok));
        }
    }
}

#[test]
fn steelzero_principles_decide_a_chain_of_custody_claim() {
    let sz = custody_frameworks::embedded().into_iter().find(|f| f.id == "steelzero").unwrap();
    let fp = footprint("steel", q("2.2"), Some(q("0")));
    let good = assess(&sz, &fp, Some(&claim(ClaimKind::MassBalanceChainOfCustody, "0.74")));
    assert_eq!(good.claim_recognised, Some(true));
    assert_eq!(good.reached.as_deref(), Some("lower-emission-steel"));
    // Multi-site pool, no verifier, and a claim beyond what the technology delivers: each fails.
    for broken in [
        Claim { site_level: false, ..claim(ClaimKind::MassBalanceChainOfCustody, "0.74") },
        Claim { verified_by: None, ..claim(ClaimKind::MassBalanceChainOfCustody, "0.74") },
        Claim { technology: Some(q("0.9")), ..claim(ClaimKind::MassBalanceChainOfCustody, "0.74") },
    ] {
        let v = assess(&sz, &fp, Some(&broken));
        assert_eq!(v.claim_recognised, Some(false));
        assert_eq!(v.reached, None, "assessed on the physical 2.2 t, no level is met");
    }
    // The SBTi rule refuses non-proportional attribution whatever the rest.
    let sbti = custody_frameworks::embedded().into_iter().find(|f| f.id == "sbti-carbon-bank").unwrap();
    assert_eq!(
        assess(&sbti, &fp, Some(&claim(ClaimKind::MassBalanceChainOfCustody, "0.74"))).claim_recognised,
        Some(false)
    );
    let proportional = Claim { non_proportional: Some(false), ..claim(ClaimKind::MassBalanceChainOfCustody, "0.74") };
    assert_eq!(assess(&sbti, &fp, Some(&proportional)).claim_recognised, Some(true));
}

/// Case abuse/72: a 100%-scrap EAF bar at 0.5 tCO2e/t. With its share stated, ResponsibleSteel
/// DPL1 and no SteelZero level; with it left out, the frameworks that publish no default reach no
/// level, and the IEA's own published 0% default still applies (cited in its file).
#[test]
fn an_unknown_scrap_share_places_the_product_on_no_level_without_a_published_default() {
    let known = footprint("steel", q("0.5"), Some(q("1")));
    let unknown = footprint("steel", q("0.5"), None);
    let by_id = |id: &str| custody_frameworks::embedded().into_iter().find(|f| f.id == id).unwrap();
    assert_eq!(assess(&by_id("responsiblesteel-dpl"), &known, None).reached.as_deref(), Some("DPL1"));
    for id in ["responsiblesteel-dpl", "steelzero", "fmc-steel"] {
        let v = assess(&by_id(id), &unknown, None);
        assert_eq!(v.reached, None, "{id}");
        assert!(v.reasons.iter().any(|r| r.check == "scrap share" && !r.ok), "{id}");
    }
    let iea = by_id("iea-near-zero");
    assert!(iea.default_scrap_share_source.as_deref().is_some_and(|s| s.contains("IEA")));
    assert_eq!(assess(&iea, &unknown, None).scrap_share, Some(q("0")));
}

fn level_rank(v: &Verdict) -> usize {
    v.reached.as_ref().map_or(0, |r| 1 + v.levels.iter().position(|l| &l.name == r).unwrap())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Unknown never helps: leaving out the scrap share, or a claim's facts, never reaches a
    /// better level nor gets a claim recognised that the stated facts would not.
    #[test]
    fn unknown_never_helps_the_claimant(
        intensity_cg in 0..400i64, share_pct in 0..=100i64, claimed_cg in 0..400i64,
        drop_attribution in proptest::bool::ANY, drop_period in proptest::bool::ANY,
        drop_lowest in proptest::bool::ANY, drop_model in proptest::bool::ANY,
    ) {
        let i = Q::new(intensity_cg as i128, 100);
        let share = Q::new(share_pct as i128, 100);
        // A claim at or below the physical footprint (one that could help the claimant).
        let full = Claim { claimed_intensity: Q::new(claimed_cg.min(intensity_cg) as i128, 100), non_proportional: Some(false), ..claim(ClaimKind::MassBalanceChainOfCustody, "1") };
        let partial = Claim {
            non_proportional: if drop_attribution { None } else { full.non_proportional },
            period_months: if drop_period { None } else { full.period_months },
            lowest_input: if drop_lowest { None } else { full.lowest_input },
            model: if drop_model { None } else { full.model },
            ..full.clone()
        };
        for f in custody_frameworks::embedded() {
            let known = assess(&f, &footprint("steel", i, Some(share)), None);
            let unknown = assess(&f, &footprint("steel", i, None), None);
            if f.default_scrap_share.is_none() {
                proptest::prop_assert!(level_rank(&unknown) <= level_rank(&known), "{}: unknown share reached {:?} vs {:?}", f.id, unknown.reached, known.reached);
            }
            let with_all = assess(&f, &footprint("steel", i, Some(share)), Some(&full));
            let with_less = assess(&f, &footprint("steel", i, Some(share)), Some(&partial));
            proptest::prop_assert!(with_less.claim_recognised <= with_all.claim_recognised, "{}: a claim with facts left out recognised", f.id);
            proptest::prop_assert!(level_rank(&with_less) <= level_rank(&with_all), "{}", f.id);
        }
    }
}

#[test]
fn a_claim_on_declared_pool_inputs_says_so_in_every_verdict() {
    let declared = Claim { declared_inputs: vec!["bof".into()], ..claim(ClaimKind::MassBalanceChainOfCustody, "0.74") };
    for f in custody_frameworks::embedded() {
        let v = assess(&f, &footprint(&f.material, q("2.2"), Some(q("0"))), Some(&declared));
        let r = v.reasons.iter().find(|r| r.check == "declared inputs").expect("flagged");
        assert!(!r.ok && r.detail.contains("bof"), "{}: {r:?}", f.id);
    }
}

/// Unknown never helps the claimant: a footprint with a data gap (material without emission
/// data) reaches no level of any framework, even far below every line, and the verdict names the
/// gap's operations in a failing `data gap` check. Without the gap the same footprint reaches levels.
#[test]
fn a_footprint_with_a_data_gap_reaches_no_level() {
    let mut reached_without = 0;
    for f in custody_frameworks::embedded() {
        let material = if f.material == "any" { "steel".to_string() } else { f.material.clone() };
        let clean = footprint(&material, q("0.01"), Some(q("0")));
        reached_without += assess(&f, &clean, None).reached.is_some() as usize;
        let gapped = Footprint { data_gaps: vec!["dri-b".into(), "m/o1".into()], ..clean };
        let v = assess(&f, &gapped, None);
        assert_eq!(v.reached, None, "{}", f.id);
        assert!(v.levels.iter().all(|l| !l.met), "{}", f.id);
        let r =
            v.reasons.iter().find(|r| r.check == "data gap").unwrap_or_else(|| panic!("{}: no data gap check", f.id));
        assert!(!r.ok && r.detail.contains("dri-b, m/o1"), "{}: {}", f.id, r.detail);
    }
    assert!(reached_without >= 3, "the clean footprint reaches levels ({reached_without} frameworks)");
}
