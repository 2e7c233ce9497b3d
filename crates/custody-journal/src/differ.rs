//! What differs between a definition a ledger already holds and one given again under the same
//! id: read from their canonical journal texts ([`print_entry`]) field by field, so that a refusal
//! can say `field `gwp`: stored `ar6`, new `ar5`` instead of only "already defined".

use crate::parse::Entry;
use crate::print::print_entry;
use custody_core::Ledger;

/// One field whose value differs: `field` is the keyword of a journal line (`gwp`, `category`,
/// `factor`), or the definition's own keyword (`entity`, `item`, `period`) for its first line,
/// which holds its name (and a period's dates, an account's side). `None`: the field is absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub field: String,
    pub held: Option<String>,
    pub given: Option<String>,
}

/// The definition `ledger` holds under the id (or account code) of `entry`; `None` when `entry`
/// is not a definition with an id or nothing is held under it.
pub fn held_definition(ledger: &Ledger, entry: &Entry) -> Option<Entry> {
    Some(match entry {
        Entry::Entity(_) => Entry::Entity(ledger.entity().clone()),
        Entry::Counterparty(c) => Entry::Counterparty(ledger.counterparties().find(|x| x.id == c.id)?.clone()),
        Entry::Account(a) => Entry::Account(ledger.chart().get(&a.code)?.clone()),
        Entry::Item(i) => Entry::Item(Box::new(ledger.item(&i.id)?.clone())),
        Entry::Site(s) => Entry::Site(ledger.site(&s.id)?.clone()),
        Entry::Asset(a) => Entry::Asset(ledger.assets().find(|x| x.id == a.id)?.clone()),
        Entry::Period(p) => Entry::Period(ledger.period(&p.id)?.clone()),
        Entry::Pool(p) => Entry::Pool(Box::new(ledger.pool(&p.id)?.policy.clone())),
        Entry::Target(t) => Entry::Target(ledger.targets().iter().find(|x| x.id == t.id)?.clone()),
        Entry::Close(_) | Entry::Op(_) => return None,
    })
}

/// The fields whose journal lines differ between `held` and `given`, in the order they are
/// printed (`held`'s first, then fields only `given` has). A field written on several lines
/// (a pool's `eligible`, an item's `grid-factor`) compares all its lines, joined by ` / `.
pub fn differences(held: &Entry, given: &Entry) -> Vec<Difference> {
    let (a, b) = (fields(&print_entry(held)), fields(&print_entry(given)));
    let mut names: Vec<&String> = a.iter().map(|(k, _)| k).collect();
    names.extend(b.iter().map(|(k, _)| k).filter(|k| !a.iter().any(|(x, _)| x == *k)));
    let value = |f: &[(String, String)], k: &str| {
        let v: Vec<&str> = f.iter().filter(|(x, _)| x == k).map(|(_, v)| v.as_str()).collect();
        (!v.is_empty()).then(|| v.join(" / "))
    };
    let mut out: Vec<Difference> = Vec::new();
    for k in names {
        let (held, given) = (value(&a, k), value(&b, k));
        if held != given && !out.iter().any(|d| &d.field == k) {
            out.push(Difference { field: k.clone(), held, given });
        }
    }
    out
}

/// `differences` in words: ``field `gwp`: stored `ar6`, new `ar5`; ...``, `held_as` naming the
/// held definition (`stored`, `first`); an absent field is `(none)`.
pub fn describe(diffs: &[Difference], held_as: &str) -> String {
    let show = |v: &Option<String>| v.as_ref().map(|v| format!("`{v}`")).unwrap_or_else(|| "(none)".into());
    diffs
        .iter()
        .map(|d| format!("field `{}`: {held_as} {}, new {}", d.field, show(&d.held), show(&d.given)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What differs between `entry` and the definition `ledger` holds under its id, in words
/// ([`describe`]); `None` when nothing is held under that id or the two are the same.
pub fn redefinition(ledger: &Ledger, entry: &Entry, held_as: &str) -> Option<String> {
    let diffs = differences(&held_definition(ledger, entry)?, entry);
    (!diffs.is_empty()).then(|| describe(&diffs, held_as))
}

/// The refusal of a second `entity` entry among one ledger's files (the journal loader's, and
/// `custody check`'s for the registry path): where the first was read (`file:line:column`) and,
/// when the two differ, how ([`redefinition`] with `first`).
pub fn entity_defined_again(first_at: &str, differs: Option<String>) -> String {
    let differs = differs.map(|d| format!(", differently: {d}")).unwrap_or_default();
    format!("the entity is already defined (at {first_at}){differs}: one journal describes one entity")
}

/// A canonical text's lines as (field, value): the first line's keyword and the rest after its
/// id; every other line's first word and the rest.
fn fields(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = if n == 0 { rest.split_once(' ').map(|(_, r)| r).unwrap_or("") } else { rest };
        out.push((key.to_string(), rest.trim().to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse, Source};

    fn entry(text: &str) -> Entry {
        let (mut e, diags) = parse(&[Source { name: "t.journal".into(), text: text.into() }]);
        assert!(diags.is_empty(), "{diags:?}");
        e.remove(0).entry
    }

    #[test]
    fn each_kind_of_definition_names_the_field_and_both_values() {
        let cases = [
            (
                "entity e \"E\"\n  ratios molar\n  gwp ar6\n",
                "entity e \"E\"\n  ratios molar\n  gwp ar5\n",
                "field `gwp`: stored `ar6`, new `ar5`",
            ),
            (
                "entity e \"E\"\n  ratios molar\n  gwp ar5\n",
                "entity e \"E Ltd\"\n  ratios molar\n  gwp ar5\n  co-voc oxidised\n",
                "field `entity`: stored `\"E\"`, new `\"E Ltd\"`; field `co-voc`: stored (none), new `oxidised`",
            ),
            (
                "item coke \"Coke\"\n  category fuel\n  carbon-content 0.9\n",
                "item coke \"Coke\"\n  category raw-material\n",
                "field `category`: stored `fuel`, new `raw-material`; field `carbon-content`: stored `0.9`, new (none)",
            ),
            (
                "period p 2025-01-01 2025-01-31\n",
                "period p 2025-01-01 2025-02-28\n",
                "field `period`: stored `2025-01-01 2025-01-31`, new `2025-01-01 2025-02-28`",
            ),
            ("counterparty s \"Supplier\"\n", "counterparty s \"Supplier\"\n", ""),
        ];
        for (held, given, want) in cases {
            assert_eq!(describe(&differences(&entry(held), &entry(given)), "stored"), want, "{given}");
        }
    }
}
