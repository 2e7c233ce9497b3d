//! The batch executor: parsed entries submitted to `Registry::submit` over a MemoryStore. The
//! input is journal text cut into batches by lines `%%`; a batch that starts with an `entity`
//! entry creates (or reuses) that entity, so one input can hold several companies and the
//! transfers between them. Properties: no panic; a refused batch names an entry of the batch and
//! why; the store never reports corruption; and every entity's stored journal replays
//! (`Registry::verify`).

use custody_fuzz::{shape, Outcome};
use custody_journal::{parse, Entry, Source};
use custody_store::{MemoryStore, Registry, SubmitError};

pub struct Target {
    rt: tokio::runtime::Runtime,
}

impl Target {
    pub fn new() -> Target {
        Target { rt: tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime") }
    }

    pub fn run(&mut self, data: &[u8]) -> Outcome {
        self.rt.block_on(run(data))
    }
}

fn default_entity() -> custody_core::Entity {
    let (entries, _) =
        parse(&[Source { name: "default".into(), text: "entity fz \"Fuzz\"\n  ratios efi\n  gwp ar6\n".into() }]);
    match entries.into_iter().next().map(|s| s.entry) {
        Some(Entry::Entity(e)) => e,
        _ => unreachable!("a fixed entity parses"),
    }
}

fn check(err: &SubmitError, len: usize) -> Result<String, String> {
    match err {
        SubmitError::Rejected { index, rejection } if *index < len && !rejection.to_string().trim().is_empty() => {
            Ok(format!("rejected {}", shape(&rejection.to_string())))
        }
        SubmitError::Refused { index, message } if *index < len && !message.trim().is_empty() => {
            Ok(format!("refused {}", shape(message)))
        }
        other => Err(format!("a batch of {len} entries failed with {other:?}")),
    }
}

async fn run(data: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(data);
    let registry = Registry::new(MemoryStore::new());
    let mut entities: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    let mut sig = Vec::new();
    for segment in text.split("\n%%") {
        let (parsed, _) = parse(&[Source { name: "batch".into(), text: segment.to_string() }]);
        let mut entries: Vec<Entry> = parsed.into_iter().map(|s| s.entry).collect();
        if let Some(Entry::Entity(e)) = entries.first() {
            let e = e.clone();
            entries.remove(0);
            match registry.ensure(&e).await {
                Ok(_) => {
                    if !entities.contains(&e.id) {
                        entities.push(e.id.clone());
                    }
                    current = Some(e.id.clone());
                }
                Err(err) => sig.push(check(&err, 1)?),
            }
        }
        let entity = match &current {
            Some(id) => id.clone(),
            None => {
                let e = default_entity();
                registry.ensure(&e).await.map_err(|err| format!("the default entity: {err}"))?;
                entities.push(e.id.clone());
                current = Some(e.id.clone());
                e.id
            }
        };
        if entries.is_empty() {
            continue;
        }
        let len = entries.len();
        match registry.submit(&entity, entries).await {
            Ok(outcomes) if outcomes.len() == len => sig.push(format!("ok {len}")),
            Ok(outcomes) => return Err(format!("{len} entries submitted, {} outcomes", outcomes.len())),
            Err(err) => sig.push(check(&err, len)?),
        }
    }
    for id in &entities {
        if let Err(e) = registry.verify(id).await {
            return Err(format!("entity `{id}`: the stored journal does not verify: {e}"));
        }
    }
    sig.sort();
    sig.dedup();
    Ok(sig.join("\n"))
}
