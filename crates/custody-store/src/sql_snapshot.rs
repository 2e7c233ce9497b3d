//! Snapshots in SQL: one row per entity (`snapshots`), replaced in one statement that also
//! checks the entry it names (`Store::put_snapshot`).

use crate::sql::{backend, SqlStore};
use crate::*;
use sqlx::Row;

impl SqlStore {
    pub(crate) async fn write_snapshot(&self, entity: &str, s: &SnapshotRow) -> Result<(), StoreError> {
        self.writable()?;
        // Written only when the named entry is in the journal with that hash: the insert selects
        // from `entries`, so a snapshot can never name an entry that is not there.
        let res = sqlx::query(&self.sql(
            "INSERT INTO snapshots (entity, seq, entry_hash, digest, body) \
             SELECT entity, seq, hash, $4, $5 FROM entries WHERE entity = $1 AND seq = $2 AND hash = $3 \
             ON CONFLICT (entity) DO UPDATE SET seq = excluded.seq, entry_hash = excluded.entry_hash, \
             digest = excluded.digest, body = excluded.body",
        ))
        .bind(entity)
        .bind(s.seq)
        .bind(&s.entry_hash)
        .bind(&s.digest)
        .bind(&s.body)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        if res.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        Ok(())
    }

    pub(crate) async fn read_snapshot(&self, entity: &str) -> Result<Option<SnapshotRow>, StoreError> {
        let row = match sqlx::query(&self.sql("SELECT seq, entry_hash, digest, body FROM snapshots WHERE entity = $1"))
            .bind(entity)
            .fetch_all(&self.pool)
            .await
        {
            Ok(rows) => rows.into_iter().next(),
            // A database of schema 5, read without upgrading it (`open`): it has no snapshots.
            Err(e) if self.read_only && crate::open::missing_table(&e.to_string()) => return Ok(None),
            Err(e) => return Err(backend(e)),
        };
        let Some(r) = row else { return Ok(None) };
        Ok(Some(SnapshotRow {
            seq: r.try_get("seq").map_err(backend)?,
            entry_hash: r.try_get("entry_hash").map_err(backend)?,
            digest: r.try_get("digest").map_err(backend)?,
            body: r.try_get("body").map_err(backend)?,
        }))
    }
}
