//! Rendered statements kept per request, keyed by the journal head they were computed at, so a
//! report read again before the entity's journal moves is served without replaying, recomputing
//! or taking the entity's lock (issue 12, "cached reports").
//!
//! A statement is a function of the entity's journal, except where it shows a received claim
//! still provisional (its final view depends on the seller's pool, not on this journal): those
//! are never cached. At most [`CAPACITY`] statements are kept; past that the cache starts over.

use axum::body::Bytes;
use custody_store::Head;
use std::collections::HashMap;
use std::sync::Mutex;

/// What a report request asked for: entity, kind, period, year, content type, view.
pub type Key = (String, String, Option<String>, Option<i32>, &'static str, &'static str);

/// Statements kept at most, over all entities.
pub const CAPACITY: usize = 512;

#[derive(Default)]
pub struct ReportCache {
    map: Mutex<HashMap<Key, (Head, Bytes)>>,
}

impl ReportCache {
    /// The statement rendered for `key` at journal head `head`, if kept (shared, not copied).
    pub fn get(&self, key: &Key, head: &Head) -> Option<Bytes> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).filter(|(h, _)| h == head).map(|(_, body)| body.clone())
    }

    /// Keeps `body` as the statement for `key` at `head`.
    pub fn put(&self, key: Key, head: Head, body: Bytes) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= CAPACITY && !map.contains_key(&key) {
            map.clear();
        }
        map.insert(key, (head, body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(entity: &str) -> Key {
        (entity.into(), "balances".into(), None, None, "application/json", "physical")
    }

    #[test]
    fn a_statement_is_served_only_at_the_head_it_was_computed_at() {
        let c = ReportCache::default();
        let h1 = Head { seq: 1, hash: "a".into() };
        let h2 = Head { seq: 2, hash: "b".into() };
        c.put(key("e"), h1.clone(), Bytes::from_static(b"one"));
        assert_eq!(c.get(&key("e"), &h1).as_deref(), Some(&b"one"[..]));
        assert_eq!(c.get(&key("e"), &h2), None, "a moved journal is never served the old statement");
        assert_eq!(c.get(&key("f"), &h1), None);
        for i in 0..CAPACITY + 1 {
            c.put(key(&format!("x{i}")), h1.clone(), Bytes::from_static(b"x"));
        }
        assert!(c.map.lock().unwrap().len() <= CAPACITY, "bounded");
    }
}
