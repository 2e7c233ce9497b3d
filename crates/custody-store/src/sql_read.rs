//! Posting rows read packed: one row per entry, its postings joined by the database, so that a
//! page of `verify` or of a transfer read crosses the driver once per entry rather than once per
//! posting (issue 12: sqlx's per-row conversion was most of `verify`'s time).
//!
//! Each posting is `IDX,AMOUNT,` followed by its seven text columns (account, species, item, lot,
//! site, origin, counterparty), each `~` when NULL or `LEN:TEXT` (LEN in characters; ids and
//! account names are ASCII, and anything else fails to parse). Length prefixes make the packing
//! one-to-one: a stored value holding separators cannot pass for another row.

use crate::sql::{backend, SqlStore};
use crate::*;
use custody_core::model::{Dims, Origin, Posting};
use custody_core::units::Species;
use sqlx::Row;

const TEXT_COLUMNS: [&str; 7] = ["account", "species", "item", "lot", "site", "origin", "counterparty"];

impl SqlStore {
    /// The SQL that packs each entry's postings (see the module documentation).
    fn packed_sql(&self) -> String {
        let fields: Vec<String> =
            TEXT_COLUMNS.iter().map(|c| format!("COALESCE(CAST(LENGTH({c}) AS TEXT) || ':' || {c}, '~')")).collect();
        let posting = format!("CAST(idx AS TEXT) || ',' || CAST(amount AS TEXT) || ',' || {}", fields.join(" || "));
        let agg = if self.sqlite { "group_concat" } else { "string_agg" };
        self.sql(&format!(
            "SELECT seq, {agg}({posting}, '' ORDER BY idx) AS packed FROM postings \
             WHERE entity = $1 AND seq >= $2 AND seq <= $3 GROUP BY seq ORDER BY seq"
        ))
    }

    /// Posting rows one by one (the packed read's reference in tests).
    pub async fn postings_by_row(&self, entity: &str, first: i64, last: i64) -> Result<Vec<PostingRow>, StoreError> {
        let rows = sqlx::query(&self.sql(
            "SELECT seq, idx, account, species, amount, item, lot, site, origin, counterparty FROM postings \
             WHERE entity = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq, idx",
        ))
        .bind(entity)
        .bind(first)
        .bind(last)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(crate::sql::posting_row).collect()
    }

    /// Posting rows of entries `first..=last`, in order, read packed.
    pub(crate) async fn postings_packed(
        &self,
        entity: &str,
        first: i64,
        last: i64,
    ) -> Result<Vec<PostingRow>, StoreError> {
        let rows = sqlx::query(&self.packed_sql())
            .bind(entity)
            .bind(first)
            .bind(last)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let mut out = Vec::new();
        for r in &rows {
            let seq: i64 = r.try_get("seq").map_err(backend)?;
            let packed: String = r.try_get("packed").map_err(backend)?;
            unpack(seq, &packed, &mut out)
                .map_err(|e| StoreError::Backend(format!("posting rows of entry {seq}: {e}")))?;
        }
        Ok(out)
    }
}

impl SqlStore {
    /// `Store::definitions`: the entries without an operation id, in order.
    pub(crate) async fn definition_rows(&self, entity: &str) -> Result<Vec<EntryRow>, StoreError> {
        self.head(entity).await?;
        let rows = sqlx::query(&self.sql(
            "SELECT seq, op_id, body, tx_body, prev_hash, hash FROM entries \
             WHERE entity = $1 AND op_id IS NULL ORDER BY seq",
        ))
        .bind(entity)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(|r| crate::sql::entry_row(r).map_err(backend)).collect()
    }

    /// `Store::transaction_texts`: `(seq, tx_body)` of the entries after `after` that posted a
    /// transaction, at most `limit`, in order.
    pub(crate) async fn transaction_rows(
        &self,
        entity: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        self.head(entity).await?;
        let rows = sqlx::query(&self.sql(
            "SELECT seq, tx_body FROM entries \
             WHERE entity = $1 AND seq > $2 AND tx_body IS NOT NULL ORDER BY seq LIMIT $3",
        ))
        .bind(entity)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(|r| Ok((r.try_get("seq").map_err(backend)?, r.try_get("tx_body").map_err(backend)?))).collect()
    }
}

/// Reads one entry's packed postings into `out`.
fn unpack(seq: i64, mut s: &str, out: &mut Vec<PostingRow>) -> Result<(), String> {
    fn int(s: &mut &str) -> Result<i64, String> {
        let (n, rest) = s.split_once(',').ok_or("a number without its comma")?;
        *s = rest;
        n.parse().map_err(|_| format!("`{n}` is not a whole number"))
    }
    fn text<'a>(s: &mut &'a str) -> Result<Option<&'a str>, String> {
        if let Some(rest) = s.strip_prefix('~') {
            *s = rest;
            return Ok(None);
        }
        let (len, rest) = s.split_once(':').ok_or("a text without its length")?;
        let len: usize = len.parse().map_err(|_| format!("`{len}` is not a length"))?;
        let value = rest.get(..len).ok_or("a text shorter than its length (or not ASCII)")?;
        if value.chars().count() != len {
            return Err("a text that is not ASCII".into());
        }
        *s = &rest[len..];
        Ok(Some(value))
    }
    while !s.is_empty() {
        let idx = int(&mut s)?;
        let amount = int(&mut s)?;
        let mut t = [None; 7];
        for slot in &mut t {
            *slot = text(&mut s)?;
        }
        let [account, species, item, lot, site, origin, counterparty] = t;
        let account = account.ok_or("a posting without its account")?;
        let species = species.ok_or("a posting without its species")?;
        out.push(PostingRow {
            seq,
            idx,
            posting: Posting {
                account: account.into(),
                species: species.parse::<Species>().map_err(|_| format!("bad species `{species}`"))?,
                amount,
                dims: Dims {
                    item: item.map(Into::into),
                    lot: lot.map(Into::into),
                    site: site.map(Into::into),
                    origin: match origin {
                        Some(o) => Some(Origin::parse(o).ok_or_else(|| format!("bad origin `{o}`"))?),
                        None => None,
                    },
                    counterparty: counterparty.map(Into::into),
                }
                .into(),
                gas: None,
            },
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpacks_what_the_sql_packs_and_refuses_the_rest() {
        let mut out = Vec::new();
        unpack(7, "0,-5,11:raw.content1:C5:ore-1~~~~1,5,10:in.content1:C~~2:s1~3:acm", &mut out).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].seq, out[0].idx, out[0].posting.amount), (7, 0, -5));
        assert_eq!(out[0].posting.account, "raw.content");
        assert_eq!(out[0].posting.dims.item.map(|n| n.to_string()), Some("ore-1".into()));
        assert_eq!(out[1].posting.dims.site.map(|n| n.to_string()), Some("s1".into()));
        assert_eq!(out[1].posting.dims.counterparty.map(|n| n.to_string()), Some("acm".into()));
        for bad in [
            "0,5",
            "x,5,",
            "0,5,3:ab",
            "0,5,~1:C~~~~~",
            "0,5,2:ab1:X~~~~~",
            "0,5,2:ab1:C~~~~",
            "0,5,11:raw.content1:C~~~~4:no",
            "0,5,11:raw.content1:C~~~~2:né",
        ] {
            assert!(unpack(1, bad, &mut Vec::new()).is_err(), "{bad:?} must not unpack");
        }
    }
}
