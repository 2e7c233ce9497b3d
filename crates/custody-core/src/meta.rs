//! A transaction's metadata (`Transaction::meta`), re-exported by `model`.

use std::collections::BTreeMap;

/// A transaction's metadata: text keys to text values, in key order. A sorted vector rather
/// than a `BTreeMap`: a transaction carries none, one or a few entries, and a map's first node
/// alone takes about 540 bytes (issue 12 item 2). Serialized as a map, as the `BTreeMap` was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta(Vec<(String, String)>);

impl Meta {
    pub fn new() -> Meta {
        Meta(Vec::new())
    }
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }
    pub fn get(&self, key: &str) -> Option<&String> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }
    /// Sets `key` to `value`; answers the value it replaces.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }
    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The entries as a map (raw operations and the HTTP wire keep that shape).
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.0.iter().cloned().collect()
    }
}

impl<'a> IntoIterator for &'a Meta {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (String, String)>, fn(&(String, String)) -> (&String, &String)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl FromIterator<(String, String)> for Meta {
    /// Later entries replace earlier ones with the same key, as in a map.
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Meta {
        let mut m = Meta::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

impl From<BTreeMap<String, String>> for Meta {
    fn from(m: BTreeMap<String, String>) -> Meta {
        Meta(m.into_iter().collect())
    }
}

impl serde::Serialize for Meta {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Meta {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Meta, D::Error> {
        BTreeMap::<String, String>::deserialize(d).map(Meta::from)
    }
}
