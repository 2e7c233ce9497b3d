//! What the store accepts: an entry whose ids follow the identifier grammar
//! (`custody_core::id`) and whose canonical text parses back to that same text. Whatever an entry
//! came from (a journal, a CSV file, a JSON request), an entry that passes is one the stored
//! journal replays; one that does not is refused before anything is applied or written.

use custody_core::id::{check_id, check_ref, IdError};
use custody_journal::{parse, print_entry, Entry, Source};

/// The ids an entry defines or names at its top level, with what they are.
fn ids(entry: &Entry) -> Vec<(&'static str, &str, fn(&str) -> Result<(), IdError>)> {
    match entry {
        Entry::Entity(e) => vec![("entity", &e.id, check_id)],
        Entry::Counterparty(c) => vec![("counterparty", &c.id, check_id)],
        Entry::Item(i) => vec![("item", &i.id, check_id)],
        Entry::Site(s) => vec![("site", &s.id, check_id)],
        Entry::Asset(a) => vec![("asset", &a.id, check_id)],
        Entry::Period(p) => vec![("period", &p.id, check_id)],
        Entry::Close(id) => vec![("period", id, check_id)],
        Entry::Pool(p) => vec![("pool", &p.id, check_id)],
        Entry::Target(t) => vec![("target", &t.id, check_id)],
        Entry::Op(op) => vec![("operation", &op.id, check_ref)],
        Entry::Account(_) => vec![],
    }
}

/// Refuses an entry the store could not give back as it was accepted; `text` is its canonical
/// text (`print_entry`). The message names the id and the rule, or what the text reads back as.
pub(crate) fn admit(entry: &Entry, text: &str) -> Result<(), String> {
    for (what, id, check) in ids(entry) {
        if let Err(e) = check(id) {
            let shown: String = id.chars().take(40).flat_map(char::escape_default).collect();
            let more = if id.chars().count() > 40 { "..." } else { "" };
            return Err(format!("{what} id `{shown}{more}`: {e} [{}]", e.rule()));
        }
    }
    match parse_one(text, 0) {
        Ok(back) if print_entry(&back) == text => Ok(()),
        Ok(_) => Err(format!(
            "this entry would not read back as written (an id or value holds a space, `#` or quote?): `{}`",
            text.lines().next().unwrap_or("")
        )),
        Err(why) => Err(format!("this entry would not read back as written: {why}")),
    }
}

/// Parses one stored entry's text (exactly one entry, or an error naming the entry).
pub(crate) fn parse_one(text: &str, seq: i64) -> Result<Entry, String> {
    let (entries, diags) = parse(&[Source { name: format!("entry {seq}"), text: text.to_string() }]);
    if let Some(d) = diags.first() {
        return Err(d.to_string());
    }
    match <[_; 1]>::try_from(entries) {
        Ok([one]) => Ok(one.entry),
        Err(v) => Err(format!("holds {} entries, not one", v.len())),
    }
}
