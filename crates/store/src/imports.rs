//! Imports of listening-history exports: their progress while they run and their report.

use async_trait::async_trait;
use medley_domain::text::TextEnum;
use medley_domain::{ImportId, UserId};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::sql::SqlStore;

medley_domain::text_enum! {
    /// Where an import is (stored as this text).
    pub enum ImportStatus {
        /// Queued or reading its files.
        Running = "running",
        /// Every file was read; the report says what happened to each row.
        Done = "done",
        /// Stopped by an error (see `error`); files finished before it are kept.
        Failed = "failed",
    }
}

/// An import as stored. `report` is the JSON report the importer wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredImport {
    pub id: ImportId,
    pub user_id: UserId,
    /// What was imported: the uploaded file's or the command line's names.
    pub name: String,
    pub status: ImportStatus,
    pub bytes_total: i64,
    pub bytes_done: i64,
    pub rows_done: i64,
    pub report: Option<String>,
    pub error: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub finished_at_ms: Option<i64>,
}

#[async_trait]
pub trait ImportStore: Send + Sync {
    async fn create_import(
        &self,
        id: &ImportId,
        user_id: &UserId,
        name: &str,
        bytes_total: i64,
        now_ms: i64,
    ) -> Result<()>;
    /// Records progress (and the report so far) of a running import.
    async fn import_progress(
        &self,
        id: &ImportId,
        bytes_done: i64,
        rows_done: i64,
        report: &str,
        now_ms: i64,
    ) -> Result<()>;
    /// Marks the import `done` (no error) or `failed`, with its final report.
    async fn finish_import(
        &self,
        id: &ImportId,
        rows_done: i64,
        report: &str,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<()>;
    /// The user's import, if it exists and is theirs.
    async fn import(&self, user_id: &UserId, id: &ImportId) -> Result<Option<StoredImport>>;
    /// The user's imports, newest first.
    async fn imports(&self, user_id: &UserId, limit: i64, offset: i64)
        -> Result<Vec<StoredImport>>;
    /// Marks imports still `running` without progress since `stale_before_ms`, and not queued
    /// to run again, as failed (their node stopped); returns how many.
    async fn fail_stale_imports(&self, stale_before_ms: i64, now_ms: i64) -> Result<u64>;
    /// Of `ids`, those of imports still `running` (whoever they belong to).
    async fn running_imports(&self, ids: &[ImportId]) -> Result<Vec<ImportId>>;
}

const SELECT: &str = "SELECT id, user_id, name, status, bytes_total, bytes_done, rows_done, \
     report, error, created_at, updated_at, finished_at FROM imports";

fn import_row(r: &AnyRow) -> Result<StoredImport> {
    Ok(StoredImport {
        id: r.try_get::<String, _>("id")?.into(),
        user_id: r.try_get::<String, _>("user_id")?.into(),
        name: r.try_get("name")?,
        status: stored_status(r.try_get("status")?)?,
        bytes_total: r.try_get("bytes_total")?,
        bytes_done: r.try_get("bytes_done")?,
        rows_done: r.try_get("rows_done")?,
        report: r.try_get("report")?,
        error: r.try_get("error")?,
        created_at_ms: r.try_get("created_at")?,
        updated_at_ms: r.try_get("updated_at")?,
        finished_at_ms: r.try_get("finished_at")?,
    })
}

fn stored_status(text: String) -> Result<ImportStatus> {
    ImportStatus::parse(&text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown import status `{text}`")))
}

#[async_trait]
impl ImportStore for SqlStore {
    async fn create_import(
        &self,
        id: &ImportId,
        user_id: &UserId,
        name: &str,
        bytes_total: i64,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO imports (id, user_id, name, status, bytes_total, created_at, updated_at) \
             VALUES ($1, $2, $3, $6, $4, $5, $5)",
        )
        .bind(id.as_str())
        .bind(user_id.as_str())
        .bind(name)
        .bind(bytes_total)
        .bind(now_ms)
        .bind(ImportStatus::Running.as_str())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn import_progress(
        &self,
        id: &ImportId,
        bytes_done: i64,
        rows_done: i64,
        report: &str,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE imports SET bytes_done = $2, rows_done = $3, report = $4, updated_at = $5 \
             WHERE id = $1 AND status = $6",
        )
        .bind(id.as_str())
        .bind(bytes_done)
        .bind(rows_done)
        .bind(report)
        .bind(now_ms)
        .bind(ImportStatus::Running.as_str())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn finish_import(
        &self,
        id: &ImportId,
        rows_done: i64,
        report: &str,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE imports SET status = $2, report = $3, error = $4, updated_at = $5, \
             finished_at = $5, rows_done = $6, \
             bytes_done = CASE WHEN $4 IS NULL THEN bytes_total ELSE bytes_done END WHERE id = $1",
        )
        .bind(id.as_str())
        .bind(match error {
            None => ImportStatus::Done.as_str(),
            Some(_) => ImportStatus::Failed.as_str(),
        })
        .bind(report)
        .bind(error)
        .bind(now_ms)
        .bind(rows_done)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn import(&self, user_id: &UserId, id: &ImportId) -> Result<Option<StoredImport>> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1 AND user_id = $2"))
            .bind(id.as_str())
            .bind(user_id.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(import_row).transpose()
    }

    async fn imports(
        &self,
        user_id: &UserId,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<StoredImport>> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3"
        ))
        .bind(user_id.as_str())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(import_row).collect()
    }

    async fn fail_stale_imports(&self, stale_before_ms: i64, now_ms: i64) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE imports SET status = $4, finished_at = $2, updated_at = $2, \
             error = 'the server stopped during this import; files finished before it are \
             kept, upload the export again to import the rest (nothing is counted twice)' \
             WHERE status = $3 AND updated_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM work_queue WHERE kind = 'import' AND subject = imports.id)",
        )
        .bind(stale_before_ms)
        .bind(now_ms)
        .bind(ImportStatus::Running.as_str())
        .bind(ImportStatus::Failed.as_str())
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }

    async fn running_imports(&self, ids: &[ImportId]) -> Result<Vec<ImportId>> {
        let mut running = Vec::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT id FROM imports WHERE status = $1 AND id IN ({})",
                crate::sql::params(2, chunk.len())
            );
            let mut query = sqlx::query_scalar(&sql).bind(ImportStatus::Running.as_str());
            for id in chunk {
                query = query.bind(id.as_str());
            }
            let found: Vec<String> = query.fetch_all(&self.read).await?;
            running.extend(found.into_iter().map(ImportId::from));
        }
        Ok(running)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_stay_as_they_were() {
        let names: Vec<&str> = ImportStatus::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            names,
            ["running", "done", "failed"],
            "rows already stored use these names"
        );
    }
}
