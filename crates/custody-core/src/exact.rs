//! Exact arithmetic: rationals over `i128`, the one rounding rule, and largest-remainder allocation.
//!
//! Every conversion in the ledger is computed exactly as a rational and rounded **once**, at the
//! end, to an integer number of base units by [`round_half_even`] (round half to even, "banker's
//! rounding"). Splitting an integer amount into parts uses [`allocate`] (largest remainder), so the
//! parts always sum exactly to the whole.

use num_integer::Integer;
use num_rational::Ratio;
use num_traits::{CheckedDiv, CheckedMul, Signed, Zero};

/// An exact rational number.
pub type Q = Ratio<i128>;

/// Arithmetic left the range of `i128` (or of `i64` for ledger amounts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Overflow;

pub fn q(n: i128) -> Q {
    Q::from_integer(n)
}

pub fn mul(a: Q, b: Q) -> Result<Q, Overflow> {
    a.checked_mul(&b).ok_or(Overflow)
}

pub fn div(a: Q, b: Q) -> Result<Q, Overflow> {
    if b.is_zero() {
        return Err(Overflow);
    }
    a.checked_div(&b).ok_or(Overflow)
}

/// Rounds to the nearest integer; an exact half goes to the even neighbour.
pub fn round_half_even(x: Q) -> i128 {
    let (n, d) = (*x.numer(), *x.denom()); // denom > 0 by Ratio's invariant
    let (fl, rem) = n.div_mod_floor(&d); // 0 <= rem < d
    let twice = rem * 2;
    if twice < d {
        fl
    } else if twice > d {
        fl + 1
    } else if fl.is_even() {
        fl
    } else {
        fl + 1
    }
}

/// [`round_half_even`] into the `i64` range used for ledger amounts.
pub fn round_i64(x: Q) -> Result<i64, Overflow> {
    i64::try_from(round_half_even(x)).map_err(|_| Overflow)
}

/// Parses a plain decimal (`-12`, `0.722`, `675.28`, `48.1%`) exactly.
pub fn parse_decimal(text: &str) -> Option<Q> {
    let (body, scale) = match text.strip_suffix('%') {
        Some(b) => (b, 100i128),
        None => (text, 1i128),
    };
    let (neg, digits) = match body.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, body.strip_prefix('+').unwrap_or(body)),
    };
    let digits = digits.replace('_', "");
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits.as_str(), ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part.chars().all(|c| c.is_ascii_digit()) || !frac_part.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if int_part.len() + frac_part.len() > 30 {
        return None;
    }
    let mantissa: i128 = format!("{int_part}{frac_part}").parse().ok()?;
    let den = 10i128.checked_pow(frac_part.len() as u32)?.checked_mul(scale)?;
    let r = Q::new(mantissa, den);
    Some(if neg { -r } else { r })
}

/// Renders an exact rational as a decimal with at most `max_places` places (rounded half even),
/// trailing zeros removed.
pub fn format_decimal(x: Q, max_places: u32) -> String {
    // Fewer places when the scaled number would not fit in i128 (only for huge values).
    let mut places = max_places.min(30);
    let scaled = loop {
        match x.checked_mul(&q(10i128.pow(places))) {
            Some(v) => break round_half_even(v),
            None if places > 0 => places -= 1,
            None => break round_half_even(x),
        }
    };
    let max_places = places;
    let scale = 10i128.pow(max_places);
    let neg = scaled < 0;
    let abs = scaled.unsigned_abs();
    let int = abs / scale as u128;
    let frac = abs % scale as u128;
    let mut s = if neg { format!("-{int}") } else { int.to_string() };
    if max_places > 0 && frac != 0 {
        let f = format!("{:0width$}", frac, width = max_places as usize);
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    s
}

/// The most places [`shown_places`] goes to for an exact value: a gram is 10^-6 t, a milligram
/// 10^-9 t; twelve places show any of them exactly.
pub const MAX_EXACT_PLACES: u32 = 12;

/// The number of decimal places at which a statement that states `places` shows `x`, so that a
/// non-zero amount never reads as zero (the rule of `docs/reports.md`, "Numbers in text"):
///
/// - `places` itself when `x` is zero or rounds (half to even, [`round_half_even`]) to a non-zero
///   value there: every such figure is shown as before, within half a unit of `places`;
/// - otherwise the fewest places, at most [`MAX_EXACT_PLACES`], at which `x` is exact (500 g as
///   tonnes at 3 places: 4, `0.0005`);
/// - and for an `x` with no decimal that short (a third of a gram), the fewest places, at most
///   30, at which it rounds to non-zero.
///
/// Never fewer than `places`; a non-zero `x` shown at the result with [`format_decimal`] is never
/// `0` and differs from `x` by at most half a unit of `places`.
pub fn shown_places(x: Q, places: u32) -> u32 {
    let places = places.min(30);
    let rounds_nonzero = |p: u32| match x.checked_mul(&q(10i128.pow(p))) {
        Some(v) => round_half_even(v) != 0,
        None => true, // too large to scale: far from zero
    };
    if x.is_zero() || rounds_nonzero(places) {
        return places;
    }
    let is_exact = |p: u32| x.checked_mul(&q(10i128.pow(p))).is_some_and(|v| v.is_integer());
    if let Some(p) = (places + 1..=MAX_EXACT_PLACES).find(|p| is_exact(*p)) {
        return p;
    }
    (places + 1..=30).find(|p| rounds_nonzero(*p)).unwrap_or(30)
}

/// Splits `total` into parts proportional to `weights` by the largest-remainder method.
///
/// The parts always sum exactly to `total`. Each part is first the floor of its exact share;
/// the units still missing go one each to the parts with the largest remainders, ties to the
/// earlier part. Negative totals are split as their absolute value and negated. Returns `None`
/// when the weights are empty, negative, or all zero.
pub fn allocate(total: i64, weights: &[i128]) -> Option<Vec<i64>> {
    if weights.is_empty() || weights.iter().any(|w| *w < 0) {
        return None;
    }
    let sum: i128 = weights.iter().try_fold(0i128, |acc, w| acc.checked_add(*w))?;
    if sum == 0 {
        return None;
    }
    let sign: i64 = if total < 0 { -1 } else { 1 };
    let abs = (total as i128).abs();
    if let Some(parts) = allocate_integral(abs, weights, sum) {
        return Some(parts.into_iter().map(|p| sign * p as i64).collect());
    }
    let mut parts = Vec::with_capacity(weights.len());
    let mut rems = Vec::with_capacity(weights.len());
    let mut given: i128 = 0;
    for (idx, w) in weights.iter().enumerate() {
        // abs < 2^63 and w may be large: use Ratio to stay exact without overflow in most cases.
        let exact = mul(q(abs), Q::new(*w, sum)).ok()?;
        let fl = exact.floor().to_integer();
        parts.push(fl);
        rems.push((exact - q(fl), idx));
        given += fl;
    }
    let mut missing = abs - given;
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut k = 0;
    while missing > 0 {
        parts[rems[k].1] += 1;
        missing -= 1;
        k += 1;
    }
    Some(parts.into_iter().map(|p| sign * p as i64).collect())
}

/// [`allocate`] of `abs >= 0` in integers when every `abs * w` fits in an `i128` (the usual
/// case): part `i` is `abs * w_i / sum` rounded down, with remainder `abs * w_i % sum`, and every
/// remainder shares the denominator `sum`, so ordering the integer remainders orders the exact
/// fractions: the same parts as the rational path, without a gcd per part. `None` on overflow.
fn allocate_integral(abs: i128, weights: &[i128], sum: i128) -> Option<Vec<i128>> {
    let mut parts = Vec::with_capacity(weights.len());
    let mut rems = Vec::with_capacity(weights.len());
    let mut given: i128 = 0;
    for (idx, w) in weights.iter().enumerate() {
        let product = abs.checked_mul(*w)?;
        let fl = product / sum;
        parts.push(fl);
        rems.push((product % sum, idx));
        given += fl;
    }
    let missing = abs - given;
    if missing > 0 {
        // Largest remainders first, ties to the earlier part; only the first `missing` are needed.
        rems.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, idx) in rems.iter().take(missing as usize) {
            parts[*idx] += 1;
        }
    }
    Some(parts)
}

/// `amount * numer / denom` rounded half even; exact when `numer == denom`.
pub fn scale(amount: i64, numer: i64, denom: i64) -> Result<i64, Overflow> {
    if denom == 0 {
        return Err(Overflow);
    }
    if numer == denom {
        return Ok(amount);
    }
    round_i64(mul(q(amount as i128), Q::new(numer as i128, denom as i128))?)
}

/// Absolute value that cannot overflow on `i64::MIN`.
pub fn abs_q(x: Q) -> Q {
    x.abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_even() {
        let cases = [
            (Q::new(5, 2), 2),
            (Q::new(7, 2), 4),
            (Q::new(-5, 2), -2),
            (Q::new(-7, 2), -4),
            (Q::new(26, 10), 3),
            (Q::new(24, 10), 2),
            (Q::new(-26, 10), -3),
        ];
        for (x, want) in cases {
            assert_eq!(round_half_even(x), want, "{x}");
        }
    }

    #[test]
    fn decimals_parse_exactly() {
        assert_eq!(parse_decimal("675.28"), Some(Q::new(67528, 100)));
        assert_eq!(parse_decimal("48.1%"), Some(Q::new(481, 1000)));
        assert_eq!(parse_decimal("-0.5"), Some(Q::new(-1, 2)));
        assert_eq!(parse_decimal("1_000"), Some(q(1000)));
        assert_eq!(parse_decimal("1.2.3"), None);
        assert_eq!(parse_decimal(""), None);
        assert_eq!(parse_decimal("."), None);
        assert_eq!(parse_decimal("abc"), None);
        assert_eq!(parse_decimal("99999999999999999999999999999999999"), None);
    }

    #[test]
    fn formats_decimals() {
        assert_eq!(format_decimal(Q::new(50116123456, 1_000_000), 3), "50116.123");
        assert_eq!(format_decimal(Q::new(-5, 1), 3), "-5");
        assert_eq!(format_decimal(Q::new(-1, 1000), 3), "-0.001");
    }

    #[test]
    fn shown_places_never_hide_a_non_zero_amount() {
        // (x, stated places, places shown, text): tonnes of grams unless said
        let cases = [
            (Q::new(500, 1_000_000), 3, 4, "0.0005"),           // 500 g N2O: was 0.000
            (Q::new(-500, 1_000_000), 3, 4, "-0.0005"),         // and its negative
            (Q::new(1_500, 1_000_000), 3, 3, "0.002"),          // rounds to non-zero: kept (half even)
            (Q::new(499_999, 1_000_000), 0, 6, "0.499999"),     // whole tonnes: was 0
            (Q::new(500_000, 1_000_000), 0, 1, "0.5"),          // half rounds to even 0: exact instead
            (Q::new(500_001, 1_000_000), 0, 0, "1"),            // rounds to 1: kept
            (Q::new(72_624_512_000, 1_000_000), 0, 0, "72625"), // Figure 7's whole tonnes kept
            (Q::new(1, 3_000_000), 3, 7, "0.0000003"),          // a third of a gram: no exact decimal
            (Q::new(0, 1), 3, 3, "0"),
            (Q::new(5, 1), 2, 2, "5"),
        ];
        for (x, places, want_places, want_text) in cases {
            let got = shown_places(x, places);
            assert_eq!(got, want_places, "{x} at {places}");
            assert_eq!(format_decimal(x, got), want_text, "{x} at {places}");
        }
    }

    proptest::proptest! {
        /// Every whole number of grams shown as tonnes at any stated precision: zero iff zero,
        /// within half a unit of that precision, and exactly the grams when they are at most
        /// half a unit from zero (or when the precision holds them).
        #[test]
        fn grams_as_tonnes_are_never_zero_and_never_further_than_the_precision(
            g in -10_000_000_000_000i64..10_000_000_000_000i64,
            places in 0u32..7,
        ) {
            let x = Q::new(g as i128, 1_000_000);
            let shown = parse_decimal(&format_decimal(x, shown_places(x, places))).unwrap();
            proptest::prop_assert_eq!(shown.is_zero(), g == 0);
            proptest::prop_assert_eq!(shown < q(0), g < 0);
            proptest::prop_assert!((shown - x).abs() * 2 <= Q::new(1, 10i128.pow(places)));
            if round_half_even(x * q(10i128.pow(places))) == 0 || g % 10i64.pow(6 - places) == 0 {
                proptest::prop_assert_eq!(shown, x);
            }
        }
    }

    #[test]
    fn allocation_sums_to_whole() {
        assert_eq!(allocate(10, &[1, 1, 1]), Some(vec![4, 3, 3]));
        assert_eq!(allocate(-10, &[1, 1, 1]), Some(vec![-4, -3, -3]));
        assert_eq!(allocate(100, &[481, 519]), Some(vec![48, 52]));
        assert_eq!(allocate(7, &[0, 0]), None);
        assert_eq!(allocate(7, &[]), None);
    }
}
