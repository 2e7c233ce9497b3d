//! The in-memory backend: the reference for the conformance suite and for tests.

use crate::*;
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Default)]
struct Journal {
    entries: Vec<EntryRow>,
    postings: Vec<PostingRow>,
    balances: BTreeMap<(String, String, String), i64>,
}

#[derive(Default)]
pub struct MemoryStore {
    journals: Mutex<BTreeMap<String, Journal>>,
    keys: Mutex<Vec<KeyInfo>>,
    exclusive: Mutex<std::collections::BTreeSet<String>>,
    /// `(entity, kind, key, body)` in the order written.
    records: Mutex<Vec<(String, String, String, String)>>,
    snapshots: Mutex<BTreeMap<String, SnapshotRow>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn with<T>(&self, entity: &str, f: impl FnOnce(&mut Journal) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut all = self.journals.lock().map_err(|_| StoreError::Backend("poisoned lock".into()))?;
        match all.get_mut(entity) {
            Some(j) => f(j),
            None => Err(StoreError::NotFound(entity.to_string())),
        }
    }
}

fn head_of(j: &Journal) -> Head {
    j.entries.last().map(|e| Head { seq: e.seq, hash: e.hash.clone() }).unwrap_or_else(Head::genesis)
}

impl Store for MemoryStore {
    async fn create_entity(&self, id: &str) -> Result<(), StoreError> {
        let mut all = self.journals.lock().map_err(|_| StoreError::Backend("poisoned lock".into()))?;
        if all.contains_key(id) {
            return Err(StoreError::AlreadyExists(id.to_string()));
        }
        all.insert(id.to_string(), Journal::default());
        Ok(())
    }

    async fn entity_ids(&self) -> Result<Vec<String>, StoreError> {
        let all = self.journals.lock().map_err(|_| StoreError::Backend("poisoned lock".into()))?;
        Ok(all.keys().cloned().collect())
    }

    async fn head(&self, entity: &str) -> Result<Head, StoreError> {
        self.with(entity, |j| Ok(head_of(j)))
    }

    async fn entries(&self, entity: &str, after: i64, limit: i64) -> Result<Vec<EntryRow>, StoreError> {
        self.with(entity, |j| {
            Ok(j.entries.iter().filter(|e| e.seq > after).take(limit.max(0) as usize).cloned().collect())
        })
    }

    async fn append(&self, entity: &str, expected: &Head, entries: &[NewEntry]) -> Result<Head, StoreError> {
        self.with(entity, |j| {
            if head_of(j) != *expected {
                return Err(StoreError::Conflict);
            }
            let mut ids: std::collections::BTreeSet<&str> =
                j.entries.iter().filter_map(|e| e.op_id.as_deref()).collect();
            for id in entries.iter().filter_map(|e| e.op_id.as_deref()) {
                if !ids.insert(id) {
                    return Err(StoreError::DuplicateOperation(id.to_string()));
                }
            }
            // Exclusive keys span entities; this lock is only taken inside the journals lock.
            let mut taken = self.exclusive.lock().map_err(|_| StoreError::Backend("poisoned lock".into()))?;
            let mut new_keys = std::collections::BTreeSet::new();
            for key in entries.iter().filter_map(|e| e.exclusive.as_deref()) {
                if taken.contains(key) || !new_keys.insert(key) {
                    return Err(StoreError::ExclusiveTaken(key.to_string()));
                }
            }
            taken.extend(new_keys.into_iter().map(str::to_string));
            let mut prev = expected.hash.clone();
            let mut seq = expected.seq;
            for e in entries {
                seq += 1;
                for (idx, p) in e.postings.iter().enumerate() {
                    j.postings.push(PostingRow { seq, idx: idx as i64, posting: p.clone() });
                    let key = (p.account.to_string(), p.species.as_str().to_string(), dims_key(&p.dims));
                    *j.balances.entry(key).or_default() += p.amount;
                }
                j.entries.push(EntryRow {
                    seq,
                    op_id: e.op_id.clone(),
                    text: e.text.clone(),
                    tx_text: e.tx_text.clone(),
                    prev_hash: prev.clone(),
                    hash: e.hash.clone(),
                });
                prev = e.hash.clone();
            }
            j.balances.retain(|_, v| *v != 0);
            Ok(head_of(j))
        })
    }

    async fn postings(&self, entity: &str, first: i64, last: i64) -> Result<Vec<PostingRow>, StoreError> {
        self.with(entity, |j| Ok(j.postings.iter().filter(|p| p.seq >= first && p.seq <= last).cloned().collect()))
    }

    async fn balances(&self, entity: &str) -> Result<Vec<BalanceRow>, StoreError> {
        self.with(entity, |j| {
            Ok(j.balances
                .iter()
                .map(|((account, species, dims), amount)| BalanceRow {
                    account: account.clone(),
                    species: species.clone(),
                    dims: dims.clone(),
                    amount: *amount,
                })
                .collect())
        })
    }

    async fn definitions(&self, entity: &str) -> Result<Vec<EntryRow>, StoreError> {
        self.with(entity, |j| Ok(j.entries.iter().filter(|e| e.op_id.is_none()).cloned().collect()))
    }

    async fn transaction_texts(&self, entity: &str, after: i64, limit: i64) -> Result<Vec<(i64, String)>, StoreError> {
        self.with(entity, |j| {
            let first = j.entries.partition_point(|e| e.seq <= after);
            Ok(j.entries[first..]
                .iter()
                .filter_map(|e| Some((e.seq, e.tx_text.clone()?)))
                .take(limit.max(0) as usize)
                .collect())
        })
    }

    async fn put_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let mut keys = self.keys.lock().map_err(|_| StoreError::Backend("poisoned lock".into()))?;
        if keys.iter().any(|k| k.key.id == key.id || k.key.hash == key.hash) {
            return Err(StoreError::AlreadyExists(key.id.clone()));
        }
        keys.push(KeyInfo { key: key.clone(), created: Some(unix_now()), last_used: None });
        Ok(())
    }

    async fn key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>, StoreError> {
        let keys = self.keys.lock().map_err(|_| StoreError::Backend("poisoned lock".into()))?;
        Ok(keys.iter().find(|k| k.key.hash == hash).map(|k| k.key.clone()))
    }

    async fn revoke_key(&self, id: &str) -> Result<bool, StoreError> {
        let mut keys = self.keys.lock().map_err(|_| StoreError::Backend("poisoned lock".into()))?;
        Ok(keys.iter_mut().find(|k| k.key.id == id).map(|k| k.key.revoked = true).is_some())
    }

    async fn list_keys(&self) -> Result<Vec<KeyInfo>, StoreError> {
        let mut keys = self.keys.lock().map_err(|_| StoreError::Backend("poisoned lock".into()))?.clone();
        keys.sort_by(|a, b| a.key.id.cmp(&b.key.id));
        Ok(keys)
    }

    async fn touch_key(&self, id: &str, now: i64) -> Result<(), StoreError> {
        let mut keys = self.keys.lock().map_err(|_| StoreError::Backend("poisoned lock".into()))?;
        if let Some(k) = keys.iter_mut().find(|k| k.key.id == id) {
            if !k.last_used.is_some_and(|l| now - l < 60) {
                k.last_used = Some(now);
            }
        }
        Ok(())
    }

    async fn put_record(&self, entity: &str, kind: &str, key: &str, body: &str) -> Result<bool, StoreError> {
        let mut all = self.records.lock().map_err(|_| StoreError::Backend("poisoned lock".into()))?;
        if all.iter().any(|(e, k, x, _)| e == entity && k == kind && x == key) {
            return Ok(false);
        }
        all.push((entity.into(), kind.into(), key.into(), body.into()));
        Ok(true)
    }

    async fn records(&self, entity: &str, kind: &str) -> Result<Vec<(String, String)>, StoreError> {
        let all = self.records.lock().map_err(|_| StoreError::Backend("poisoned lock".into()))?;
        Ok(all
            .iter()
            .filter(|(e, k, _, _)| e == entity && k == kind)
            .map(|(_, _, x, b)| (x.clone(), b.clone()))
            .collect())
    }

    async fn put_snapshot(&self, entity: &str, snapshot: &SnapshotRow) -> Result<(), StoreError> {
        let named = self
            .with(entity, |j| Ok(j.entries.iter().any(|e| e.seq == snapshot.seq && e.hash == snapshot.entry_hash)))?;
        if !named {
            return Err(StoreError::Conflict);
        }
        let mut all = self.snapshots.lock().map_err(|_| StoreError::Backend("poisoned lock".into()))?;
        all.insert(entity.to_string(), snapshot.clone());
        Ok(())
    }

    async fn snapshot(&self, entity: &str) -> Result<Option<SnapshotRow>, StoreError> {
        let all = self.snapshots.lock().map_err(|_| StoreError::Backend("poisoned lock".into()))?;
        Ok(all.get(entity).cloned())
    }
}
