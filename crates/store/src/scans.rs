//! Library scans: which folders, how far a scan got, and its report.

use async_trait::async_trait;
use medley_domain::text::TextEnum;
use medley_domain::Id;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::error::{stored_enum, Result, StoreError};
use crate::sql::{flag, SqlStore};

medley_domain::text_enum! {
    /// Where a scan is (stored as this text).
    pub enum ScanStatus {
        /// Recorded, waiting for a worker.
        Queued = "queued",
        /// A node is scanning (or was, and stopped: the scan is taken up again).
        Running = "running",
        /// Finished without error.
        Done = "done",
        /// Stopped on an error (`StoredScan::error` says which).
        Failed = "failed",
    }
}

impl ScanStatus {
    /// Whether the scan has ended, well or not: running it again does nothing.
    pub fn is_finished(self) -> bool {
        matches!(self, ScanStatus::Done | ScanStatus::Failed)
    }
}

/// A scan as stored. `report` is the JSON report the scanner wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredScan {
    pub id: Id,
    /// Who asked (`None`: the command line).
    pub requested_by: Option<Id>,
    pub paths: Vec<String>,
    /// Whether the scan copies files into the object store.
    pub copy_files: bool,
    pub status: ScanStatus,
    pub files_total: i64,
    pub files_done: i64,
    pub report: Option<String>,
    pub error: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
}

#[async_trait]
pub trait ScanStore: Send + Sync {
    /// Records a scan, `queued`.
    async fn create_scan(
        &self,
        id: &str,
        requested_by: Option<&str>,
        paths: &[String],
        copy_files: bool,
        now_ms: i64,
    ) -> Result<()>;
    /// Marks a scan `running` (again, when it is taken up after its node stopped).
    async fn start_scan(&self, id: &str, now_ms: i64) -> Result<()>;
    /// Records how far a running scan got, and its report so far.
    async fn scan_progress(
        &self,
        id: &str,
        files_total: i64,
        files_done: i64,
        report: &str,
        now_ms: i64,
    ) -> Result<()>;
    /// Marks a scan `done` (no error) or `failed`, with its final report.
    async fn finish_scan(
        &self,
        id: &str,
        report: &str,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<()>;
    async fn scan(&self, id: &str) -> Result<Option<StoredScan>>;
    /// Scans, newest first.
    async fn scans(&self, limit: i64, offset: i64) -> Result<Vec<StoredScan>>;
}

const SELECT: &str = "SELECT id, requested_by, paths, copy_files, status, files_total, \
     files_done, report, error, created_at, updated_at, started_at, finished_at \
     FROM library_scans";

fn scan_row(r: &AnyRow) -> Result<StoredScan> {
    let paths: String = r.try_get("paths")?;
    Ok(StoredScan {
        id: r.try_get("id")?,
        requested_by: r.try_get("requested_by")?,
        paths: serde_json::from_str(&paths)
            .map_err(|e| StoreError::Corrupt(format!("a scan's paths: {e}")))?,
        copy_files: r.try_get::<i64, _>("copy_files")? != 0,
        status: stored_enum(&r.try_get::<String, _>("status")?, "scan status")?,
        files_total: r.try_get("files_total")?,
        files_done: r.try_get("files_done")?,
        report: r.try_get("report")?,
        error: r.try_get("error")?,
        created_at_ms: r.try_get("created_at")?,
        updated_at_ms: r.try_get("updated_at")?,
        started_at_ms: r.try_get("started_at")?,
        finished_at_ms: r.try_get("finished_at")?,
    })
}

#[async_trait]
impl ScanStore for SqlStore {
    async fn create_scan(
        &self,
        id: &str,
        requested_by: Option<&str>,
        paths: &[String],
        copy_files: bool,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO library_scans (id, requested_by, paths, copy_files, status, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $6, $5, $5)",
        )
        .bind(id)
        .bind(requested_by)
        .bind(serde_json::to_string(paths).expect("strings serialise"))
        .bind(flag(copy_files))
        .bind(now_ms)
        .bind(ScanStatus::Queued.as_str())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn start_scan(&self, id: &str, now_ms: i64) -> Result<()> {
        sqlx::query(
            "UPDATE library_scans SET status = $3, started_at = $2, updated_at = $2 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(now_ms)
        .bind(ScanStatus::Running.as_str())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn scan_progress(
        &self,
        id: &str,
        files_total: i64,
        files_done: i64,
        report: &str,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE library_scans SET files_total = $2, files_done = $3, report = $4, \
             updated_at = $5 WHERE id = $1 AND status = $6",
        )
        .bind(id)
        .bind(files_total)
        .bind(files_done)
        .bind(report)
        .bind(now_ms)
        .bind(ScanStatus::Running.as_str())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn finish_scan(
        &self,
        id: &str,
        report: &str,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE library_scans SET status = $2, report = $3, error = $4, updated_at = $5, \
             finished_at = $5, started_at = COALESCE(started_at, $5), \
             files_done = CASE WHEN $4 IS NULL THEN files_total ELSE files_done END \
             WHERE id = $1",
        )
        .bind(id)
        .bind(
            if error.is_none() {
                ScanStatus::Done
            } else {
                ScanStatus::Failed
            }
            .as_str(),
        )
        .bind(report)
        .bind(error)
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn scan(&self, id: &str) -> Result<Option<StoredScan>> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(scan_row).transpose()
    }

    async fn scans(&self, limit: i64, offset: i64) -> Result<Vec<StoredScan>> {
        let rows = sqlx::query(&format!(
            "{SELECT} ORDER BY created_at DESC, id LIMIT $1 OFFSET $2"
        ))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(scan_row).collect()
    }
}
