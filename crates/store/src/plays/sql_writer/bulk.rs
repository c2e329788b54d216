//! Statements over many rows at once for the sqlx play writer: every statement is a round
//! trip to the server, so lookups go `… IN (…)` and inserts many rows to a statement.

use std::collections::HashMap;

use medley_domain::Id;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::error::Result;
use crate::plays::LOOKUP_CHUNK;
use crate::sql::{bulk_params, Backend};

/// Bind parameters per statement: under SQLite's limit of 32,766.
pub(super) const MAX_BINDS: usize = 30_000;

pub(super) type Tx = Transaction<'static, Any>;

/// A value bound in a multi-row insert.
pub(super) enum Value {
    Text(String),
    OptText(Option<String>),
    Int(i64),
}

/// `(key, id)` rows for `SELECT key, id FROM … WHERE key IN (…)`, in chunks.
pub(super) async fn lookup(
    tx: &mut Tx,
    backend: Backend,
    select: &str,
    keys: &[&str],
) -> Result<HashMap<String, Id>> {
    let mut found = HashMap::new();
    for row in by_keys(tx, backend, select, keys).await? {
        found.insert(row.try_get(0)?, row.try_get(1)?);
    }
    Ok(found)
}

/// Rows of `select … IN (…)` for the given keys (deduplicated), in chunks.
pub(super) async fn by_keys(
    tx: &mut Tx,
    backend: Backend,
    select: &str,
    keys: &[&str],
) -> Result<Vec<AnyRow>> {
    let mut unique = keys.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let mut rows = Vec::new();
    for chunk in unique.chunks(LOOKUP_CHUNK) {
        let sql = format!("{select} IN ({})", bulk_params(backend, 1, chunk.len()));
        let mut q = sqlx::query(&sql);
        for k in chunk {
            q = q.bind(*k);
        }
        rows.extend(q.fetch_all(&mut **tx).await?);
    }
    Ok(rows)
}

/// Inserts rows of `columns` (the first being `id`) with `ON CONFLICT DO NOTHING`, in chunks.
pub(super) async fn insert_rows(
    tx: &mut Tx,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
) -> Result<()> {
    let per_row = columns.len();
    for chunk in rows.chunks(MAX_BINDS / per_row) {
        let values = (0..chunk.len())
            .map(|r| format!("({})", bulk_params(backend, r * per_row + 1, per_row)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {values} ON CONFLICT DO NOTHING",
            columns.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    Value::Text(s) => q.bind(s.clone()),
                    Value::OptText(s) => q.bind(s.clone()),
                    Value::Int(i) => q.bind(*i),
                };
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
