//! The SQL store's write path: an append (entries, postings, balances, exclusive keys) in one
//! database transaction, written in multi-row statements (issue 12 item 3).

use crate::sql::{backend, SqlStore};
use crate::*;
impl SqlStore {
    /// The append, on one connection: every entry, posting and balance in one transaction that
    /// is committed before this returns `Ok`.
    pub(crate) async fn append_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        entity: &str,
        expected: &Head,
        entries: &[NewEntry],
    ) -> Result<Head, StoreError> {
        let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(backend)?;

        let new_seq = expected.seq + entries.len() as i64;
        let new_hash = entries.last().map(|e| e.hash.clone()).unwrap_or_else(|| expected.hash.clone());
        // Taking the entity row first serializes writers of one journal (a row lock in PostgreSQL,
        // the write lock in SQLite); a writer that read an older head changes no row.
        let moved = sqlx::query(&self.sql(
            "UPDATE entities SET head_seq = $1, head_hash = $2 WHERE id = $3 AND head_seq = $4 AND head_hash = $5",
        ))
        .bind(new_seq)
        .bind(&new_hash)
        .bind(entity)
        .bind(expected.seq)
        .bind(&expected.hash)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if moved.rows_affected() != 1 {
            // The caller tells a moved head from a missing entity, on another connection.
            tx.rollback().await.map_err(backend)?;
            return Err(StoreError::Conflict);
        }
        // Rows are written in multi-row statements (issue 12 item 3: import at the store's speed),
        // and the balances take one upsert per position the batch moved, not one per posting.
        let per_statement = if self.sqlite { SQLITE_PARAMS_PER_STATEMENT } else { POSTGRES_PARAMS_PER_STATEMENT };
        let mut prev = expected.hash.clone();
        let mut entry_rows = Vec::with_capacity(entries.len());
        let mut posting_rows = Vec::new();
        // Summed by interned dimensions first: the text key is made once per position moved, not
        // once per posting.
        let mut moved: std::collections::HashMap<(&str, &'static str, custody_core::model::DimsRef), i64> =
            Default::default();
        for (i, e) in entries.iter().enumerate() {
            let seq = expected.seq + i as i64 + 1;
            entry_rows.push((seq, e, std::mem::replace(&mut prev, e.hash.clone())));
            for (idx, p) in e.postings.iter().enumerate() {
                posting_rows.push((seq, idx as i64, p));
                *moved.entry((p.account.as_str(), p.species.as_str(), p.dims)).or_insert(0) += p.amount;
            }
        }
        for chunk in entry_rows.chunks(per_statement / 7) {
            let text = multi_row(
                "INSERT INTO entries (entity, seq, op_id, body, tx_body, prev_hash, hash) VALUES ",
                7,
                chunk.len(),
                self.sqlite,
            );
            let mut q = sqlx::query(&text);
            for (seq, e, prev) in chunk {
                q = q.bind(entity).bind(*seq).bind(&e.op_id).bind(&e.text).bind(&e.tx_text).bind(prev).bind(&e.hash);
            }
            match q.execute(&mut *tx).await {
                Ok(_) => {}
                Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                    tx.rollback().await.map_err(backend)?;
                    let ids = chunk.iter().filter_map(|(_, e, _)| e.op_id.as_deref());
                    let id = self.first_stored_op(&mut *conn, entity, ids).await?;
                    return Err(StoreError::DuplicateOperation(id));
                }
                Err(other) => return Err(backend(other)),
            }
        }
        for (seq, e, _) in &entry_rows {
            let Some(key) = &e.exclusive else { continue };
            let res = sqlx::query(&self.sql("INSERT INTO exclusive_keys (key, entity, seq) VALUES ($1, $2, $3)"))
                .bind(key)
                .bind(entity)
                .bind(*seq)
                .execute(&mut *tx)
                .await;
            match res {
                Ok(_) => {}
                Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                    tx.rollback().await.map_err(backend)?;
                    return Err(StoreError::ExclusiveTaken(key.clone()));
                }
                Err(other) => return Err(backend(other)),
            }
        }
        for chunk in posting_rows.chunks(per_statement / 11) {
            let text = multi_row(
                "INSERT INTO postings (entity, seq, idx, account, species, amount, item, lot, site, origin, counterparty) VALUES ",
                11,
                chunk.len(),
                self.sqlite,
            );
            let mut q = sqlx::query(&text);
            for (seq, idx, p) in chunk {
                q = q
                    .bind(entity)
                    .bind(*seq)
                    .bind(*idx)
                    .bind(p.account.as_str())
                    .bind(p.species.as_str())
                    .bind(p.amount)
                    .bind(p.dims.item.map(|n| n.as_str()))
                    .bind(p.dims.lot.map(|n| n.as_str()))
                    .bind(p.dims.site.map(|n| n.as_str()))
                    .bind(p.dims.origin.map(|o| o.as_str()))
                    .bind(p.dims.counterparty.map(|n| n.as_str()));
            }
            q.execute(&mut *tx).await.map_err(backend)?;
        }
        let mut deltas: std::collections::BTreeMap<(&str, &'static str, String), i64> = Default::default();
        for ((account, species, dims), amount) in moved {
            *deltas.entry((account, species, dims_key(&dims))).or_insert(0) += amount;
        }
        let deltas: Vec<_> = deltas.into_iter().filter(|(_, d)| *d != 0).collect();
        for chunk in deltas.chunks(per_statement / 5) {
            let text = format!(
                "{} ON CONFLICT (entity, account, species, dims) DO UPDATE SET amount = balances.amount + excluded.amount",
                multi_row("INSERT INTO balances (entity, account, species, dims, amount) VALUES ", 5, chunk.len(), self.sqlite)
            );
            let mut q = sqlx::query(&text);
            for ((account, species, dims), amount) in chunk {
                q = q.bind(entity).bind(*account).bind(*species).bind(dims.as_str()).bind(*amount);
            }
            q.execute(&mut *tx).await.map_err(backend)?;
        }
        // Only a position this batch moved can have reached zero: its rows are found through the
        // key (an index search each), not by scanning every position the entity holds.
        for chunk in deltas.chunks(ZERO_KEYS_PER_STATEMENT) {
            let text = zero_balances(chunk.len(), self.sqlite);
            let mut q = sqlx::query(&text);
            for ((account, species, dims), _) in chunk {
                q = q.bind(entity).bind(*account).bind(*species).bind(dims.as_str());
            }
            q.execute(&mut *tx).await.map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(Head { seq: new_seq, hash: new_hash })
    }
}

impl SqlStore {
    /// The first of `ids` already in the entity's journal (the one a refused multi-row insert
    /// collided with), or the first of them.
    async fn first_stored_op<'a>(
        &self,
        conn: &mut sqlx::AnyConnection,
        entity: &str,
        ids: impl Iterator<Item = &'a str>,
    ) -> Result<String, StoreError> {
        let mut first = None;
        for id in ids {
            first.get_or_insert(id);
            let found = sqlx::query(&self.sql("SELECT 1 FROM entries WHERE entity = $1 AND op_id = $2"))
                .bind(entity)
                .bind(id)
                .fetch_all(&mut *conn)
                .await
                .map_err(backend)?
                .into_iter()
                .next();
            if found.is_some() {
                return Ok(id.to_string());
            }
        }
        Ok(first.unwrap_or_default().to_string())
    }
}

/// Bound parameters per multi-row INSERT on SQLite: its limit (`SQLITE_MAX_VARIABLE_NUMBER`,
/// 32,766 in the bundled 3.46), less a margin. Binding is linear because [`multi_row`] writes
/// anonymous `?` placeholders: sqlx's SQLite driver looks every parameter's name up among all of
/// the statement's names (`sqlite3_bind_parameter_name` walks a list), so numbered `?N`
/// placeholders made binding grow with the square of a statement's parameters (90% of a 10k
/// import at 11,000 parameters; the cap was 256 then, and an HTTP write of one mill day took 75
/// statements).
const SQLITE_PARAMS_PER_STATEMENT: usize = 32_000;

/// The same on PostgreSQL (limit 65,535), which binds in linear time.
const POSTGRES_PARAMS_PER_STATEMENT: usize = 8192;

/// Keys per [`zero_balances`] statement: under SQLite's expression depth limit (1,000), which an
/// `OR` chain counts one level per term.
const ZERO_KEYS_PER_STATEMENT: usize = 250;

/// `DELETE` of the zero balances among `keys` positions, each `(entity, account, species, dims)`
/// bound in that order: a chain of `OR`ed key equalities, which SQLite and PostgreSQL answer
/// with one primary-key search per key (a row-value `IN (VALUES ...)` scans the entity's rows).
fn zero_balances(keys: usize, sqlite: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("DELETE FROM balances WHERE amount = 0 AND (");
    for k in 0..keys {
        let p = |c: usize| if sqlite { "?".to_string() } else { format!("${}", k * 4 + c + 1) };
        let _ = write!(
            out,
            "{}(entity = {} AND account = {} AND species = {} AND dims = {})",
            if k == 0 { "" } else { " OR " },
            p(0),
            p(1),
            p(2),
            p(3)
        );
    }
    out.push(')');
    out
}

/// `head` followed by `rows` tuples of `columns` placeholders in order: anonymous `(?, ?), (?, ?)`
/// on SQLite (see [`SQLITE_PARAMS_PER_STATEMENT`]), numbered `($1, $2), ($3, $4)` on PostgreSQL.
fn multi_row(head: &str, columns: usize, rows: usize, sqlite: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(head.len() + rows * columns * 8);
    out.push_str(head);
    if sqlite {
        // Anonymous placeholders: one row's text, repeated (a batch's statement is 17,600
        // placeholders; formatting each was 3% of a journal write's time).
        let row = format!("({})", vec!["?"; columns].join(", "));
        for r in 0..rows {
            if r > 0 {
                out.push_str(", ");
            }
            out.push_str(&row);
        }
        return out;
    }
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            let sep = if c == 0 { "" } else { ", " };
            let _ = write!(out, "{sep}${}", r * columns + c + 1);
        }
        out.push(')');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::multi_row;

    #[test]
    fn multi_row_writes_every_placeholder_once_on_both_stores() {
        assert_eq!(multi_row("V ", 2, 2, false), "V ($1, $2), ($3, $4)");
        assert_eq!(multi_row("V ", 2, 2, true), "V (?, ?), (?, ?)");
        assert_eq!(multi_row("V ", 3, 1, true), "V (?, ?, ?)");
        let text = multi_row("", 11, 1600, true);
        assert_eq!(text.matches('?').count(), 11 * 1600);
        assert_eq!(text.matches("), (").count(), 1599);
        let pg = multi_row("", 11, 700, false);
        assert!(pg.ends_with("$7700)") && pg.matches('$').count() == 7700);
    }
}
