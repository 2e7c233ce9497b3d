//! The identifier grammar, one for every id a ledger holds: entity, counterparty, item, asset,
//! period, pool, target, operation, lot, site and certificate ids.
//!
//! An id is 1 to [`MAX_ID_LEN`] bytes of the characters `A-Z a-z 0-9 - _ . : @ +`, and is neither
//! `.` nor `..`. So an id is one word of the journal (no whitespace, no quote, no `#`), a single
//! URL path segment and a file name, and shows as itself (no control or bidirectional character,
//! nothing outside ASCII). `/` is not an id character: it joins ids into a *reference*, as in the
//! transfer `SELLER/SALE/CUSTOMER` or the API's operation id `receive:SELLER/SALE/CUSTOMER`
//! ([`check_ref`]). The length limit is per id of a reference, and a derivation prefix
//! ([`DERIVED_PREFIXES`]: `receive:`, `return:`) before the first id does not count: every id the
//! grammar accepts fits the operation ids the registry derives from it (a 121-byte seller id once
//! made `receive:SELLER/...` 129 bytes, and its transfer could not be accepted).
//!
//! ```
//! use custody_core::id::{check_id, IdError};
//! assert_eq!(check_id("p-scrap-1"), Ok(()));
//! assert_eq!(check_id(""), Err(IdError::Empty));
//! assert!(matches!(check_id("s #1"), Err(IdError::Char { .. })));
//! ```

use std::fmt;

/// The longest id, in bytes (ids are ASCII, so also in characters).
pub const MAX_ID_LEN: usize = 128;
/// The most ids a reference ([`check_ref`]) joins with `/`.
pub const MAX_REF_PARTS: usize = 4;
/// The characters an id may hold besides ASCII letters and digits.
pub const ID_PUNCTUATION: &str = "-_.:@+";

/// The prefixes the registry puts before a transfer `SELLER/SALE/CUSTOMER` to name the operation
/// it derives: the buyer's `receive:` (API accept) and the seller's `return:` (API reject). In a
/// reference they are not part of the first id's length.
pub const DERIVED_PREFIXES: [&str; 2] = ["receive:", "return:"];

/// The grammar in words, for messages.
pub const GRAMMAR: &str = "1 to 128 characters of A-Z a-z 0-9 - _ . : @ +, not `.` or `..`";

/// The rule an id breaks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IdError {
    /// The id is empty.
    Empty,
    /// The id is longer than [`MAX_ID_LEN`] bytes.
    TooLong { len: usize },
    /// Character `ch` at byte `at` is not an id character.
    Char { ch: char, at: usize },
    /// The id is `.` or `..`, which read as path steps.
    Dots,
    /// A reference joins more than [`MAX_REF_PARTS`] ids.
    TooManyParts { parts: usize },
}

impl IdError {
    /// A stable name of the rule (used as an error code).
    pub fn rule(&self) -> &'static str {
        match self {
            IdError::Empty => "id_empty",
            IdError::TooLong { .. } => "id_too_long",
            IdError::Char { .. } => "id_character",
            IdError::Dots => "id_dots",
            IdError::TooManyParts { .. } => "id_parts",
        }
    }
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Empty => write!(f, "an id is not empty"),
            IdError::TooLong { len } => write!(f, "an id is at most {MAX_ID_LEN} bytes, this one {len}"),
            IdError::Char { ch, at } => write!(
                f,
                "{} at byte {at} is not an id character (letters A-Z a-z, digits and `{ID_PUNCTUATION}`)",
                describe(*ch)
            ),
            IdError::Dots => write!(f, "an id is not `.` or `..`"),
            IdError::TooManyParts { parts } => {
                write!(f, "a reference joins at most {MAX_REF_PARTS} ids with `/`, this one {parts}")
            }
        }
    }
}

impl std::error::Error for IdError {}

/// How a refused character is named in a message: printable ASCII as itself, anything else
/// (controls, bidirectional marks, spaces) by its code point, never raw.
fn describe(ch: char) -> String {
    if ch.is_ascii_graphic() {
        format!("`{ch}`")
    } else {
        format!("U+{:04X}", ch as u32)
    }
}

/// Whether `c` may appear in an id.
pub fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || ID_PUNCTUATION.contains(c)
}

/// Checks one id against the grammar; the error names the first rule broken.
pub fn check_id(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if let Some((at, ch)) = s.char_indices().find(|&(_, c)| !is_id_char(c)) {
        return Err(IdError::Char { ch, at });
    }
    if s.len() > MAX_ID_LEN {
        return Err(IdError::TooLong { len: s.len() });
    }
    if s == "." || s == ".." {
        return Err(IdError::Dots);
    }
    Ok(())
}

/// Checks a reference: 1 to [`MAX_REF_PARTS`] ids joined by `/` (a plain id is a reference),
/// the first one optionally after a derivation prefix ([`DERIVED_PREFIXES`]) that does not count
/// toward its [`MAX_ID_LEN`] bytes. Errors as [`check_id`], a character's byte offset counted
/// from the start of the whole reference.
pub fn check_ref(s: &str) -> Result<(), IdError> {
    let parts = s.split('/').count();
    if parts > MAX_REF_PARTS {
        return Err(IdError::TooManyParts { parts });
    }
    let mut offset = 0;
    for (i, part) in s.split('/').enumerate() {
        let prefix = match DERIVED_PREFIXES.iter().find(|p| part.len() > p.len() && part.starts_with(*p)) {
            Some(p) if i == 0 => p.len(),
            _ => 0,
        };
        check_id(&part[prefix..]).map_err(|e| match e {
            IdError::Char { ch, at } => IdError::Char { ch, at: at + offset + prefix },
            other => other,
        })?;
        offset += part.len() + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules() {
        for ok in ["a", "p1", "p-scrap-1", "sa", "2025", "L1", "co2:fuel", "a.b", "x@y+z", "_", &"e".repeat(128)] {
            assert_eq!(check_id(ok), Ok(()), "{ok:?}");
        }
        let cases: &[(&str, &str)] = &[
            ("", "id_empty"),
            (".", "id_dots"),
            ("..", "id_dots"),
            ("a b", "id_character"),
            ("\"x", "id_character"),
            ("#x", "id_character"),
            ("s #1", "id_character"),
            ("a\nb", "id_character"),
            ("a\0b", "id_character"),
            ("a\u{202e}b", "id_character"),
            ("a/b", "id_character"),
            ("é", "id_character"),
            ("a\u{200b}", "id_character"),
        ];
        for (bad, rule) in cases {
            assert_eq!(check_id(bad).map_err(|e| e.rule()), Err(*rule), "{bad:?}");
        }
        assert_eq!(check_id(&"e".repeat(129)), Err(IdError::TooLong { len: 129 }));
        assert_eq!(check_id(&"e".repeat(100_000)).map_err(|e| e.rule()), Err("id_too_long"));
    }

    #[test]
    fn references() {
        assert_eq!(check_ref("s/sale1/b"), Ok(()));
        assert_eq!(check_ref("receive:s/sale1/b"), Ok(()));
        assert_eq!(check_ref("p1"), Ok(()));
        assert_eq!(check_ref("s//b"), Err(IdError::Empty));
        assert_eq!(check_ref("s/../b"), Err(IdError::Dots));
        assert_eq!(check_ref("a/b c"), Err(IdError::Char { ch: ' ', at: 3 }));
        assert_eq!(check_ref("a/b/c/d/e"), Err(IdError::TooManyParts { parts: 5 }));
        // The length limit is per id; a derivation prefix does not count (hostile finding F11).
        for n in [120, 121, 127, 128] {
            let (s, sale, c) = ("s".repeat(n), "v".repeat(n), "c".repeat(n));
            for prefix in ["", "receive:", "return:"] {
                assert_eq!(check_ref(&format!("{prefix}{s}/{sale}/{c}")), Ok(()), "{prefix} {n}");
            }
        }
        let long = "s".repeat(129);
        for prefix in ["", "receive:", "return:", "co2:"] {
            let len = prefix.len() * usize::from(prefix == "co2:") + 129;
            assert_eq!(check_ref(&format!("{prefix}{long}/x/b")), Err(IdError::TooLong { len }), "{prefix}");
        }
        assert_eq!(check_ref(&format!("x/receive:{}", "s".repeat(121))), Err(IdError::TooLong { len: 129 }));
        assert_eq!(check_ref("receive:"), Ok(()), "a plain id that happens to end in the prefix's colon");
        assert_eq!(check_ref("receive:s b/x"), Err(IdError::Char { ch: ' ', at: 9 }));
        assert_eq!(check_ref("receive:/x"), Ok(()));
    }

    #[test]
    fn messages_never_carry_the_raw_character() {
        let m = check_id("a\u{202e}b").unwrap_err().to_string();
        assert!(m.contains("U+202E") && !m.contains('\u{202e}'), "{m}");
        let m = check_id("a\0b").unwrap_err().to_string();
        assert!(m.contains("U+0000") && !m.contains('\0'), "{m}");
    }

    proptest::proptest! {
        /// Every string of id characters of a legal length is an id, unless it is `.` or `..`.
        #[test]
        fn id_characters_make_ids(s in "[A-Za-z0-9._:@+-]{1,128}") {
            proptest::prop_assert_eq!(check_id(&s).is_ok(), s != "." && s != "..");
        }

        /// Any other character anywhere is refused, named with its byte offset.
        #[test]
        fn any_other_character_is_refused(pre in "[a-z]{0,5}", ch in proptest::char::any(), post in "[a-z]{0,5}") {
            proptest::prop_assume!(!is_id_char(ch));
            let s = format!("{pre}{ch}{post}");
            proptest::prop_assert_eq!(check_id(&s), Err(IdError::Char { ch, at: pre.len() }));
        }
    }
}
