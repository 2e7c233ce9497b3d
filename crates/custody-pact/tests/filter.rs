//! The v3 filters: RFC 3339 instants (epoch seconds computed by hand), the default validity
//! period, OR within a parameter and AND across, case-insensitive URNs.

use custody_pact::filter::validity;
use custody_pact::{parse_instant, Filter};
use serde_json::json;

#[test]
fn instants_by_hand() {
    // 2025-01-01 is 20,089 days after 1970-01-01 (55 years, 14 of them leap).
    let day = 20_089 * 86_400;
    for (text, want) in [
        ("1970-01-01T00:00:00Z", Some(0)),
        ("2025-01-01T00:00:00Z", Some(day)),
        ("2025-01-01", Some(day)),
        ("2025-01-01T01:02:03Z", Some(day + 3723)),
        ("2025-01-01T01:02:03.250Z", Some(day + 3723)),
        ("2025-01-01T01:00:00+01:00", Some(day)),
        ("2024-12-31T23:00:00-01:00", Some(day)),
        ("2025-01-01T24:00:00Z", None),
        ("2025-13-01T00:00:00Z", None),
        ("2025-01-01T00:00:00", None),
        ("yesterday", None),
        ("", None),
    ] {
        assert_eq!(parse_instant(text), want, "{text}");
    }
}

fn pf(product: &str, country: &str, status: &str, end: &str) -> serde_json::Value {
    json!({"productIds": [product], "companyIds": ["urn:pact:x:company-id:c"], "status": status,
           "pcf": {"geographyCountry": country, "referencePeriodEnd": end}})
}

fn filter(q: &[(&str, &str)]) -> Filter {
    Filter::from_pairs(q.iter().copied()).unwrap()
}

#[test]
fn the_default_validity_is_three_years_from_the_reference_period_end() {
    let (s, e) = validity(&pf("urn:a", "DE", "Active", "2024-03-01T00:00:00Z"));
    assert_eq!(s, parse_instant("2024-03-01T00:00:00Z"));
    assert_eq!(e, parse_instant("2027-03-01T00:00:00Z"));
    // 29 February: three years later there is none; the 28th is the last day that exists.
    let (_, e) = validity(&pf("urn:a", "DE", "Active", "2024-02-29T00:00:00Z"));
    assert_eq!(e, parse_instant("2027-02-28T00:00:00Z"));
    let explicit = json!({"validityPeriodStart": "2025-01-01T00:00:00Z", "validityPeriodEnd": "2025-06-01T00:00:00Z",
                          "pcf": {"referencePeriodEnd": "2024-01-01T00:00:00Z"}});
    assert_eq!(validity(&explicit), (parse_instant("2025-01-01T00:00:00Z"), parse_instant("2025-06-01T00:00:00Z")));
}

#[test]
fn or_within_and_across_case_insensitive() {
    let a = pf("urn:pact:x:product-id:A", "DE", "Active", "2025-04-01T00:00:00Z");
    let b = pf("urn:pact:x:product-id:B", "FR", "Deprecated", "2025-04-01T00:00:00Z");
    let m = |q: &[(&str, &str)]| [&a, &b].iter().map(|p| filter(q).matches(p)).collect::<Vec<_>>();
    assert_eq!(m(&[]), [true, true]);
    assert_eq!(m(&[("productId", "URN:PACT:X:PRODUCT-ID:a")]), [true, false]);
    assert_eq!(m(&[("productId", "urn:pact:x:product-id:a"), ("productId", "urn:pact:x:product-id:b")]), [true, true]);
    assert_eq!(m(&[("productId", "urn:pact:x:product-id:a"), ("geography", "fr")]), [false, false]);
    assert_eq!(m(&[("geography", "fr"), ("status", "deprecated")]), [false, true]);
    assert_eq!(m(&[("status", "Bogus")]), [false, false]);
    assert_eq!(m(&[("classification", "urn:cpc:1")]), [false, false], "no classification: no match");
    // Validity from 2025-04-01 to 2028-04-01: on, after and before, at and around the bounds.
    assert_eq!(m(&[("validOn", "2025-04-01T00:00:00Z")]), [true, true]);
    assert_eq!(m(&[("validOn", "2025-03-31T23:59:59Z")]), [false, false]);
    assert_eq!(m(&[("validOn", "2028-04-01T00:00:00Z")]), [true, true]);
    assert_eq!(m(&[("validAfter", "2025-04-01T00:00:00Z")]), [false, false], "start > validAfter, strictly");
    assert_eq!(m(&[("validAfter", "2025-03-31T00:00:00Z")]), [true, true]);
    assert_eq!(m(&[("validBefore", "2028-04-01T00:00:00Z")]), [false, false], "end < validBefore, strictly");
    assert_eq!(m(&[("validBefore", "2028-04-02T00:00:00Z")]), [true, true]);
    let e = Filter::from_pairs([("validAfter", "2025-13-01")]).unwrap_err();
    assert_eq!(e.parameter, "validAfter");
}
