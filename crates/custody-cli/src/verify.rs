//! `custody verify` (every stored entry replayed and compared, the snapshot included) and
//! `custody snapshot` (replay each journal whole and keep a snapshot of it at its head, so loads
//! replay only what follows; docs/import.md "Snapshots").

use crate::db::Db;
use crate::progress;
use custody_store::Store;
use std::process::ExitCode;

/// The entities named, or every entity of the database.
async fn entities<S: Store>(
    registry: &custody_store::Registry<S>,
    entity: Option<String>,
) -> anyhow::Result<Vec<String>> {
    Ok(match entity {
        Some(e) => vec![e],
        None => registry.store().entity_ids().await?,
    })
}

pub async fn verify(entity: Option<String>, db: &Db) -> anyhow::Result<ExitCode> {
    let registry = db.reader().await?;
    let ids = entities(&registry, entity).await?;
    if ids.is_empty() {
        eprintln!("error: no entity in the database {}: nothing to verify", db.url());
        return Ok(ExitCode::from(1));
    }
    let mut failed = false;
    for id in ids {
        let spinner = progress::Spinner::start(&format!("verifying {id}"));
        let result = registry.verify(&id).await;
        drop(spinner);
        match result {
            Ok(r) => println!(
                "{id}: ok, {} entries, {} transactions, {} balances, head {}{}{}",
                r.entries,
                r.transactions,
                r.balances,
                &r.head_hash[..16],
                r.snapshot_seq.map(|s| format!(", snapshot at entry {s} matches the replay")).unwrap_or_default(),
                r.snapshot_other_build
                    .map(|(s, by)| format!(
                        ", the snapshot at entry {s} was written by another build ({by}): not read by this one, which replays the journal; `custody snapshot` rewrites it"
                    ))
                    .unwrap_or_default()
            ),
            Err(e) => {
                failed = true;
                println!("{id}: DIFFERS at {e}");
            }
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

pub async fn snapshot(entity: Option<String>, db: &Db) -> anyhow::Result<ExitCode> {
    let registry = db.writer().await?;
    let ids = entities(&registry, entity).await?;
    if ids.is_empty() {
        eprintln!("error: no entity in the database {}: nothing to snapshot", db.url());
        return Ok(ExitCode::from(1));
    }
    for id in ids {
        let spinner = progress::Spinner::start(&format!("snapshotting {id}"));
        let seq = registry.snapshot_rebuilt(&id).await;
        drop(spinner);
        match seq? {
            0 => println!("{id}: empty journal, no snapshot"),
            s => println!("{id}: snapshot at entry {s}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
