//! Helpers shared by the registry tests: journal text to entries, an entity's journal submitted
//! (its `entity` entry ensured first), more entries for an entity, and a rejection's codes.
#![allow(dead_code)]

use custody_journal::{parse, Entry, Source};
use custody_store::{Registry, Store, SubmitError};

/// Parses journal text; panics on any diagnostic (fixtures are valid).
pub fn entries(text: &str) -> Vec<Entry> {
    let (e, d) = parse(&[Source { name: "t".into(), text: text.into() }]);
    assert!(d.is_empty(), "{d:#?}");
    e.into_iter().map(|s| s.entry).collect()
}

/// Ensures the journal's entity and submits the rest of its entries; the entity's id.
pub async fn submit_entries<S: Store + 'static>(r: &Registry<S>, all: Vec<Entry>) -> Result<String, SubmitError> {
    let Entry::Entity(e) = &all[0] else { panic!("a journal starts with its entity") };
    r.ensure(e).await.unwrap();
    r.submit(&e.id, all[1..].to_vec()).await.map(|_| e.id.clone())
}

/// [`submit_entries`] of journal text.
pub async fn submit<S: Store + 'static>(r: &Registry<S>, text: &str) -> Result<String, SubmitError> {
    submit_entries(r, entries(text)).await
}

/// More entries for an entity already there.
pub async fn more<S: Store + 'static>(r: &Registry<S>, entity: &str, text: &str) -> Result<(), SubmitError> {
    r.submit(entity, entries(text)).await.map(|_| ())
}

/// The codes of a rejection, in precedence order; panics on any other error.
pub fn codes(e: SubmitError) -> Vec<&'static str> {
    match e {
        SubmitError::Rejected { rejection, .. } => rejection.codes().iter().map(|c| c.as_str()).collect(),
        other => panic!("not a rejection: {other:?}"),
    }
}
