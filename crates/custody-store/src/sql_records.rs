//! The `records` table of [`SqlStore`]: append-only `(entity, kind, key) -> body` rows in the
//! order written (`Store::put_record`, `Store::records`).

use crate::sql::{backend, SqlStore};
use crate::StoreError;
use sqlx::Row;

pub(crate) async fn put(s: &SqlStore, entity: &str, kind: &str, key: &str, body: &str) -> Result<bool, StoreError> {
    if s.read_only {
        return Err(StoreError::Backend("the database was opened read-only".into()));
    }
    let res = sqlx::query(&s.sql(
        "INSERT INTO records (entity, kind, key, n, body) \
         SELECT $1, $2, $3, COALESCE(MAX(n), 0) + 1, $4 FROM records WHERE entity = $1 AND kind = $2 \
         ON CONFLICT (entity, kind, key) DO NOTHING",
    ))
    .bind(entity)
    .bind(kind)
    .bind(key)
    .bind(body)
    .execute(&s.pool)
    .await
    .map_err(backend)?;
    Ok(res.rows_affected() == 1)
}

pub(crate) async fn list(s: &SqlStore, entity: &str, kind: &str) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query(&s.sql("SELECT key, body FROM records WHERE entity = $1 AND kind = $2 ORDER BY n, key"))
        .bind(entity)
        .bind(kind)
        .fetch_all(&s.pool)
        .await
        .map_err(backend)?;
    rows.iter().map(|r| Ok((r.try_get("key").map_err(backend)?, r.try_get("body").map_err(backend)?))).collect()
}
