//! Interned names: the accounts, items, lots, sites and counterparties that postings and positions
//! carry (issue 12 item 2, compact postings).
//!
//! A [`Name`] is one pointer (8 bytes, `Copy`) to a string kept once for the life of the process:
//! a posting's five names cost 40 bytes and no allocation instead of five `String`s, and two
//! names are equal exactly when their pointers are (each text is stored once), so comparing
//! position keys no longer compares bytes. Order and hash are the text's, so maps keyed by names
//! iterate and look up (by `&str`, through `Borrow<str>`) exactly as they did with `String`s.
//!
//! Bound: the table holds every distinct name the process has ever seen (accounts, items, lots,
//! sites, counterparties: bounded by the data's vocabulary, not by its number of operations). A
//! name seen once stays, even if the operation that carried it was refused.

use rustc_hash::FxHashMap as HashMap;
use std::borrow::Borrow;
use std::cell::RefCell;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

/// An interned name. See the module documentation.
#[derive(Clone, Copy)]
pub struct Name(&'static String);

/// A process-wide intern table: each value kept once, leaked, found by its key.
pub(crate) type Table<K, V> = Mutex<Option<HashMap<&'static K, &'static V>>>;

/// This thread's view of a [`Table`], so that most lookups take no lock.
pub(crate) type LocalTable<K, V> = std::thread::LocalKey<RefCell<HashMap<&'static K, &'static V>>>;

/// The one value `table` keeps for `key`, made (and leaked) by `make` the first time: the same
/// pointer for equal keys, process-wide. Names and a posting's dimensions (`model::DimsRef`) are
/// interned through it.
pub(crate) fn intern<K: ?Sized + Eq + Hash, V>(
    local: &'static LocalTable<K, V>,
    table: &Table<K, V>,
    key: &K,
    make: impl FnOnce(&K) -> (&'static K, &'static V),
) -> &'static V {
    if let Some(v) = local.with(|l| l.borrow().get(key).copied()) {
        return v;
    }
    let (k, v) = {
        let mut table = table.lock().unwrap_or_else(|p| p.into_inner());
        let table = table.get_or_insert_with(HashMap::default);
        match table.get_key_value(key) {
            Some((k, v)) => (*k, *v),
            None => {
                let (k, v) = make(key);
                table.insert(k, v);
                (k, v)
            }
        }
    };
    local.with(|l| l.borrow_mut().insert(k, v));
    v
}

static TABLE: Table<str, String> = Mutex::new(None);

thread_local! {
    static LOCAL: RefCell<HashMap<&'static str, &'static String>> = RefCell::new(HashMap::default());
}

impl Name {
    /// The interned name for `s`: the same pointer for the same text, process-wide.
    pub fn new(s: &str) -> Name {
        Name(intern(&LOCAL, &TABLE, s, |s| {
            let leaked: &'static String = Box::leak(Box::new(s.to_string()));
            (leaked.as_str(), leaked)
        }))
    }

    pub fn as_str(&self) -> &'static str {
        self.0.as_str()
    }
}

impl Default for Name {
    fn default() -> Name {
        Name::new("")
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.0.as_str()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Name {}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.0.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.0.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.0 == other
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.0.as_str()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.0.as_str()
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self == other.0
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        if std::ptr::eq(self.0, other.0) {
            std::cmp::Ordering::Equal
        } else {
            self.0.as_str().cmp(other.0.as_str())
        }
    }
}

impl Hash for Name {
    /// The text's hash, as `Borrow<str>` requires.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.as_str().hash(state)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.0.as_str(), f)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0.as_str(), f)
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name::new(s)
    }
}

impl From<&String> for Name {
    fn from(s: &String) -> Name {
        Name::new(s)
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name::new(&s)
    }
}

impl From<&Name> for Name {
    fn from(s: &Name) -> Name {
        *s
    }
}

impl From<Name> for String {
    fn from(n: Name) -> String {
        n.0.clone()
    }
}

/// The interned name of an optional text.
pub fn opt(s: &Option<String>) -> Option<Name> {
    s.as_deref().map(Name::new)
}

/// The owned text of an optional name.
pub fn text(n: &Option<Name>) -> Option<String> {
    n.map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pointer_per_text_and_the_texts_order() {
        let a = Name::new("raw.content");
        let b = Name::from(String::from("raw.content"));
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        assert_eq!(a, b);
        assert_eq!(a, "raw.content");
        assert_ne!(a, Name::new("raw.contents"));
        let mut v = vec![Name::new("b"), Name::new("a"), Name::new("c"), Name::new("a")];
        v.sort();
        assert_eq!(v.iter().map(|n| n.as_str()).collect::<Vec<_>>(), ["a", "a", "b", "c"]);
        let mut m = std::collections::HashMap::new();
        m.insert(Name::new("coal"), 1);
        assert_eq!(m.get("coal"), Some(&1));
        assert_eq!(std::mem::size_of::<Option<Name>>(), 8);
    }

    #[test]
    fn threads_share_the_table() {
        let here = Name::new("lot-7");
        let there = std::thread::spawn(|| Name::new("lot-7").as_str().as_ptr() as usize).join().unwrap();
        assert_eq!(here.as_str().as_ptr() as usize, there);
    }
}

/// How names are (de)serialized on this thread: as their text (the default, e.g. JSON), or as
/// indexes into a table written once ([`with_table`], [`with_names`]: the ledger's snapshot, where
/// millions of postings carry a few hundred distinct names).
enum Codec {
    Encode { index: HashMap<*const String, u32>, names: Vec<Name> },
    Decode(Vec<Name>),
}

thread_local! {
    static CODEC: RefCell<Option<Codec>> = const { RefCell::new(None) };
}

/// Resets the thread's codec when dropped (also when `f` panics).
struct CodecGuard;

impl Drop for CodecGuard {
    fn drop(&mut self) {
        CODEC.with(|c| c.borrow_mut().take());
    }
}

/// Runs `f` with every name it serializes written as a `u32` index; answers `f`'s result and the
/// names in index order (the table [`with_names`] needs to read them back).
pub fn with_table<R>(f: impl FnOnce() -> R) -> (R, Vec<Name>) {
    CODEC.with(|c| *c.borrow_mut() = Some(Codec::Encode { index: HashMap::default(), names: Vec::new() }));
    let guard = CodecGuard;
    let out = f();
    let names = match CODEC.with(|c| c.borrow_mut().take()) {
        Some(Codec::Encode { names, .. }) => names,
        _ => Vec::new(),
    };
    drop(guard);
    (out, names)
}

/// Runs `f` with every name it deserializes read as an index into `names` (written by
/// [`with_table`]); an index outside the table is a deserialization error.
pub fn with_names<R>(names: Vec<Name>, f: impl FnOnce() -> R) -> R {
    CODEC.with(|c| *c.borrow_mut() = Some(Codec::Decode(names)));
    let _guard = CodecGuard;
    f()
}

/// Runs `f` with names (de)serialized as their text whatever the thread's codec is: for bytes
/// kept apart from a snapshot's name table, such as the ledger's packed operations, which are
/// written when applied and read back at any time later.
pub(crate) fn as_text<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Codec>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let saved = self.0.take();
            CODEC.with(|c| *c.borrow_mut() = saved);
        }
    }
    let _restore = Restore(CODEC.with(|c| c.borrow_mut().take()));
    f()
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let index = CODEC.with(|c| match c.borrow_mut().as_mut() {
            Some(Codec::Encode { index, names }) => Some(*index.entry(self.0 as *const String).or_insert_with(|| {
                names.push(*self);
                (names.len() - 1) as u32
            })),
            _ => None,
        });
        match index {
            Some(i) => s.serialize_u32(i),
            None => s.serialize_str(self.0),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
        let tabled = CODEC.with(|c| matches!(c.borrow().as_ref(), Some(Codec::Decode(_))));
        if !tabled {
            let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
            return Ok(Name::new(&text));
        }
        let i = u32::deserialize(d)?;
        CODEC
            .with(|c| match c.borrow().as_ref() {
                Some(Codec::Decode(names)) => names.get(i as usize).copied(),
                _ => None,
            })
            .ok_or_else(|| serde::de::Error::custom(format!("name index {i} is outside the snapshot's table")))
    }
}
