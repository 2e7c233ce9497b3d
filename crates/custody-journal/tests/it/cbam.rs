//! The CBAM directives: `site` with installation data and the item fields `cn-code`,
//! `goods-category`, `embedded`; they round-trip through export and bad values are placed.

use custody_core::exact::parse_decimal;
use custody_core::model::{GoodsCategory, Site};
use custody_journal::{export, load, Source};

const HEAD: &str = "entity e \"E\"\n  ratios efi\n  gwp ar5\n";

const SITES: &str = "site hh \"Hamburg \\\"Nord\\\" works\"\n  city \"Hamburg\"\n  country DE\n  unlocode DEHAM\n  coordinates 53.5511 -9.9937\n  default\n\
site bare \"Bare\"\n\
item pig \"Pig iron\"\n  category raw-material\n  cn-code 72011011\n  goods-category \"Pig iron\"\n  embedded 1.8 0.25 tCO2e/t default\n\
item coil \"Coil\"\n  category product\n  goods-category \"Iron or steel products\"\n";

fn errors(text: &str) -> Vec<String> {
    match load(&[Source { name: "j.journal".into(), text: format!("{HEAD}{text}") }]) {
        Ok(_) => vec![],
        Err((_, d)) => d.iter().map(|d| d.to_string()).collect(),
    }
}

#[test]
fn sites_and_cbam_fields_read_and_round_trip_through_export() {
    let l = load(&[Source { name: "s".into(), text: format!("{HEAD}{SITES}") }]).unwrap();
    let hh = l.site("hh").unwrap();
    assert_eq!(
        hh,
        &Site {
            id: "hh".into(),
            name: "Hamburg \"Nord\" works".into(),
            city: Some("Hamburg".into()),
            country: Some("DE".into()),
            unlocode: Some("DEHAM".into()),
            coordinates: Some((parse_decimal("53.5511").unwrap(), parse_decimal("-9.9937").unwrap())),
            default: true,
            ets: None,
        }
    );
    assert_eq!(l.site("bare").unwrap().city, None);
    let pig = l.item("pig").unwrap();
    assert_eq!(pig.cbam.cn_code.as_deref(), Some("72011011"));
    assert_eq!(pig.cbam.category, Some(GoodsCategory::PigIron));
    let e = *pig.cbam.embedded.clone().unwrap();
    assert_eq!(
        (e.direct, e.indirect, e.default_values),
        (parse_decimal("1.8").unwrap(), parse_decimal("0.25").unwrap(), true)
    );
    let text = export(&l);
    let again = load(&[Source { name: "x".into(), text: text.clone() }]).unwrap();
    assert_eq!(l.sites().collect::<Vec<_>>(), again.sites().collect::<Vec<_>>());
    assert_eq!(l.items().collect::<Vec<_>>(), again.items().collect::<Vec<_>>());
    assert_eq!(export(&again), text);
}

#[test]
fn bad_cbam_values_are_placed_or_named() {
    let cases: &[(&str, &str)] = &[
        ("item a \"A\"\n  category product\n  cn-code 7208 39\n", "j.journal:6:16: unexpected `39`"),
        ("item a \"A\"\n  category product\n  cn-code 72A8\n", "j.journal:6:11: `72A8` is not a CN code"),
        (
            "item a \"A\"\n  category product\n  goods-category \"Steel\"\n",
            "j.journal:6:18: `Steel` is not a CBAM goods category",
        ),
        (
            "item a \"A\"\n  category raw-material\n  embedded 1 2 kgCO2e/t actual\n",
            "j.journal:6:16: embedded emissions are written in tCO2e/t",
        ),
        (
            "item a \"A\"\n  category raw-material\n  embedded 1 2 tCO2e/t measured\n",
            "j.journal:6:24: the values are `actual`",
        ),
        (
            "item a \"A\"\n  category raw-material\n  embedded -1 2 tCO2e/t actual\n",
            "j.journal:6:12: embedded emissions are zero or more",
        ),
        ("site s \"S\"\n  country de\n", "j.journal:4:1: site `s`: country `de` is not an ISO 3166-1 alpha-2 code"),
        (
            "site s \"S\"\n  country DE\n  unlocode FRPAR\n",
            "j.journal:4:1: site `s`: UN/LOCODE `FRPAR` is not in country `DE`",
        ),
        ("site s \"S\"\n  unlocode DEH1M\n", "j.journal:4:1: site `s`: UN/LOCODE `DEH1M` is not a country code"),
        ("site s \"S\"\n  coordinates 91 0\n", "j.journal:4:1: site `s`: coordinates are a latitude within"),
        ("site s \"S\"\n  default x\n", "j.journal:5:11: unexpected `x` after `default`"),
        (
            "site s \"S\"\n  default\nsite t \"T\"\n  default\n",
            "j.journal:6:1: site `t`: site `s` is already the default site",
        ),
        ("site s \"S\"\nsite s \"S\"\n", "j.journal:5:1: site `s` is already defined"),
        ("site s \"S\"\n  town \"X\"\n", "j.journal:5:3: unknown field `town` here"),
    ];
    for (text, want) in cases {
        let errs = errors(text);
        assert!(errs.iter().any(|e| e.starts_with(want)), "{text:?}: want {want:?}, got {errs:?}");
    }
}
