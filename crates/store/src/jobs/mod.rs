//! Scheduled syncs and the work queue.
//!
//! The queue holds at most one pending job per `(kind, subject)`. A node leases due jobs for a
//! while; a lease that runs out (the node died) makes the job due again for any node. On
//! PostgreSQL leasing uses `FOR UPDATE SKIP LOCKED`, so nodes never lease the same job; on
//! SQLite the single writer connection serialises leasing.

use async_trait::async_trait;
use medley_compose::Ledger;
use medley_domain::text::TextEnum;
use medley_domain::{new_id, Id, SyncJobId, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::error::{stored_enum, Result, StoreError};
use crate::sql::{flag, Backend, SqlStore};

mod kinds;
#[cfg(test)]
mod tests;

pub use kinds::{JobKind, PauseReason, Trigger};

/// Queues one job, or asks again for a pending one: its run time moves earlier if needed, and
/// its generation is bumped so a run already under way does not count as doing it.
const ENQUEUE: &str = "INSERT INTO work_queue (id, kind, subject, detail, run_at, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (kind, subject) DO UPDATE SET run_at = CASE WHEN excluded.run_at < work_queue.run_at \
     THEN excluded.run_at ELSE work_queue.run_at END, generation = work_queue.generation + 1";

/// Queues, inside the transaction that changes playlist `id`, a resync of every composite that
/// reads it, and of `id` itself when `itself` (a person edited a composite: its sync learns the
/// edit). The change and the work that follows it commit together, so neither a lagging
/// listener nor a crash between the commit and a notice can lose it. Returns how many.
pub(crate) async fn queue_dependents(
    tx: &mut Transaction<'_, Any>,
    id: &str,
    itself: bool,
    now_ms: i64,
) -> Result<usize> {
    let mut composites: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT playlist_id FROM composite_sources WHERE uri = $1")
            .bind(format!("medley:playlist:{id}"))
            .fetch_all(&mut **tx)
            .await?;
    if itself {
        composites.extend(
            sqlx::query_scalar::<_, String>(
                "SELECT playlist_id FROM composites WHERE playlist_id = $1",
            )
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?,
        );
    }
    for composite in &composites {
        sqlx::query(ENQUEUE)
            .bind(new_id())
            .bind(JobKind::Composite.as_str())
            .bind(composite)
            .bind("")
            .bind(now_ms)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
    }
    Ok(composites.len())
}

#[derive(Clone, Debug, PartialEq)]
pub struct SyncJob {
    pub id: SyncJobId,
    pub owner_id: UserId,
    pub source_uri: String,
    pub target_uri: String,
    pub schedule: String,
    pub timezone: String,
    pub paused: bool,
    /// Why Medley paused the job; `None` when its owner did.
    pub paused_reason: Option<PauseReason>,
    pub next_run_at_ms: Option<i64>,
    pub ledger: Ledger,
    pub ledger_version: i64,
    pub created_at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncRun {
    pub id: Id,
    pub job_id: SyncJobId,
    pub trigger: Trigger,
    pub started_at_ms: i64,
    pub finished_at_ms: Option<i64>,
    pub added: i64,
    pub skipped: i64,
    pub error: Option<String>,
    /// Requests to Spotify the run cost (0 between Medley playlists).
    pub requests: i64,
}

/// A leased unit of work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedJob {
    pub id: Id,
    pub kind: JobKind,
    pub subject: String,
    pub detail: String,
    pub attempts: i64,
    /// Which request of this work the lease covers; see [`JobStore::complete`].
    pub generation: i64,
}

#[async_trait]
pub trait JobStore: Send + Sync {
    async fn create_sync_job(&self, job: &SyncJob) -> Result<()>;
    async fn sync_job(&self, id: &SyncJobId) -> Result<Option<SyncJob>>;
    async fn user_sync_jobs(&self, owner_id: &UserId) -> Result<Vec<SyncJob>>;
    /// Pauses (saying why, if Medley did it) or resumes a job, setting its next run.
    async fn set_sync_job_paused(
        &self,
        id: &SyncJobId,
        paused: bool,
        reason: Option<PauseReason>,
        next_run_at_ms: Option<i64>,
    ) -> Result<()>;
    async fn delete_sync_job(&self, id: &SyncJobId) -> Result<bool>;
    /// Unpaused jobs whose next run is due at `now_ms`.
    async fn due_sync_jobs(&self, now_ms: i64) -> Result<Vec<SyncJob>>;
    /// Moves a job's next run, if it is still `expected` (so two schedulers advance it once).
    async fn advance_sync_job(
        &self,
        id: &SyncJobId,
        expected: Option<i64>,
        next_run_at_ms: Option<i64>,
    ) -> Result<bool>;
    /// Stores a job's ledger if its version is still `version`; `StaleSnapshot` otherwise.
    async fn save_sync_ledger(&self, id: &SyncJobId, version: i64, ledger: &Ledger) -> Result<()>;

    async fn start_run(&self, job_id: &SyncJobId, trigger: Trigger, now_ms: i64)
        -> Result<SyncRun>;
    async fn finish_run(&self, run: &SyncRun) -> Result<()>;
    /// Runs of a job, newest first, and their total.
    async fn sync_runs(
        &self,
        job_id: &SyncJobId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<SyncRun>, i64)>;

    /// Queues work; an identical pending job is kept (its run time moves earlier if needed).
    async fn enqueue(
        &self,
        kind: JobKind,
        subject: &str,
        detail: &str,
        run_at_ms: i64,
        now_ms: i64,
    ) -> Result<()>;
    /// Leases up to `limit` due jobs for `node` until `now_ms + lease_ms`. Only kinds this
    /// release knows are leased: work a newer release queued waits for a node that knows it.
    async fn lease(
        &self,
        node: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<QueuedJob>>;
    /// Removes a finished job, if `node` still holds its lease. If the same work was asked for
    /// again while it ran (a newer generation), the job stays queued and due instead.
    async fn complete(&self, job: &QueuedJob, node: &str) -> Result<()>;
    /// Gives a failed job back to the queue, due again at `run_at_ms`.
    async fn retry(&self, id: &str, node: &str, run_at_ms: i64, error: &str) -> Result<()>;
    /// Extends `node`'s lease on a job it is still working on; `false` if it lost the lease.
    async fn renew(&self, id: &str, node: &str, leased_until_ms: i64) -> Result<bool>;
    /// Gives back a job `node` leased and did not start (it is stopping): due again at once,
    /// the attempt not counted.
    async fn release(&self, id: &str, node: &str) -> Result<()>;
    /// Gives back every lease `node` holds: a node starting again under the same name knows
    /// that its earlier process (killed, or crashed) is not working on them any more.
    async fn release_all(&self, node: &str) -> Result<u64>;
    async fn queue_len(&self) -> Result<i64>;
}

const JOB_COLUMNS: &str =
    "id, owner_id, source_uri, target_uri, schedule, timezone, paused, next_run_at, ledger, \
     ledger_version, created_at, paused_reason";

fn job_row(r: &AnyRow) -> Result<SyncJob> {
    let ledger: String = r.try_get("ledger")?;
    Ok(SyncJob {
        id: r.try_get::<String, _>("id")?.into(),
        owner_id: r.try_get::<String, _>("owner_id")?.into(),
        source_uri: r.try_get("source_uri")?,
        target_uri: r.try_get("target_uri")?,
        schedule: r.try_get("schedule")?,
        timezone: r.try_get("timezone")?,
        paused: r.try_get::<i64, _>("paused")? != 0,
        paused_reason: r
            .try_get::<Option<String>, _>("paused_reason")?
            .map(|text| stored_enum(&text, "sync job pause reason"))
            .transpose()?,
        next_run_at_ms: r.try_get("next_run_at")?,
        ledger: serde_json::from_str(&ledger)
            .map_err(|e| StoreError::Corrupt(format!("sync job ledger: {e}")))?,
        ledger_version: r.try_get("ledger_version")?,
        created_at_ms: r.try_get("created_at")?,
    })
}

fn run_row(r: &AnyRow) -> Result<SyncRun> {
    let trigger: String = r.try_get("trigger")?;
    Ok(SyncRun {
        id: r.try_get("id")?,
        job_id: r.try_get::<String, _>("job_id")?.into(),
        trigger: Trigger::parse(&trigger)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown sync run trigger `{trigger}`")))?,
        started_at_ms: r.try_get("started_at")?,
        finished_at_ms: r.try_get("finished_at")?,
        added: r.try_get("added")?,
        skipped: r.try_get("skipped")?,
        error: r.try_get("error")?,
        requests: r.try_get("requests")?,
    })
}

#[async_trait]
impl JobStore for SqlStore {
    async fn create_sync_job(&self, j: &SyncJob) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO sync_jobs ({JOB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(j.id.as_str())
        .bind(j.owner_id.as_str())
        .bind(&j.source_uri)
        .bind(&j.target_uri)
        .bind(&j.schedule)
        .bind(&j.timezone)
        .bind(flag(j.paused))
        .bind(j.next_run_at_ms)
        .bind(serde_json::to_string(&j.ledger).expect("ledger serialises"))
        .bind(j.ledger_version)
        .bind(j.created_at_ms)
        .bind(j.paused_reason.map(PauseReason::as_str))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn sync_job(&self, id: &SyncJobId) -> Result<Option<SyncJob>> {
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM sync_jobs WHERE id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(job_row).transpose()
    }

    async fn user_sync_jobs(&self, owner_id: &UserId) -> Result<Vec<SyncJob>> {
        let rows = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM sync_jobs WHERE owner_id = $1 ORDER BY created_at, id"
        ))
        .bind(owner_id.as_str())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(job_row).collect()
    }

    async fn set_sync_job_paused(
        &self,
        id: &SyncJobId,
        paused: bool,
        reason: Option<PauseReason>,
        next_run_at_ms: Option<i64>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE sync_jobs SET paused = $1, paused_reason = $2, next_run_at = $3 WHERE id = $4",
        )
        .bind(flag(paused))
        .bind(reason.filter(|_| paused).map(PauseReason::as_str))
        .bind(next_run_at_ms)
        .bind(id.as_str())
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn delete_sync_job(&self, id: &SyncJobId) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM work_queue WHERE kind = $2 AND subject = $1")
            .bind(id.as_str())
            .bind(JobKind::SyncJob.as_str())
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM sync_jobs WHERE id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn due_sync_jobs(&self, now_ms: i64) -> Result<Vec<SyncJob>> {
        let rows = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM sync_jobs WHERE paused = 0 AND next_run_at IS NOT NULL AND next_run_at <= $1 \
             ORDER BY next_run_at LIMIT 500"
        ))
        .bind(now_ms)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(job_row).collect()
    }

    async fn advance_sync_job(
        &self,
        id: &SyncJobId,
        expected: Option<i64>,
        next_run_at_ms: Option<i64>,
    ) -> Result<bool> {
        let done =
            sqlx::query("UPDATE sync_jobs SET next_run_at = $1 WHERE id = $2 AND next_run_at = $3")
                .bind(next_run_at_ms)
                .bind(id.as_str())
                .bind(expected)
                .execute(&self.write)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn save_sync_ledger(&self, id: &SyncJobId, version: i64, ledger: &Ledger) -> Result<()> {
        let done = sqlx::query(
            "UPDATE sync_jobs SET ledger = $1, ledger_version = ledger_version + 1 WHERE id = $2 AND ledger_version = $3",
        )
        .bind(serde_json::to_string(ledger).expect("ledger serialises"))
        .bind(id.as_str())
        .bind(version)
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::StaleSnapshot {
                given: version.to_string(),
                current: "newer".into(),
            });
        }
        Ok(())
    }

    async fn start_run(
        &self,
        job_id: &SyncJobId,
        trigger: Trigger,
        now_ms: i64,
    ) -> Result<SyncRun> {
        let run = SyncRun {
            id: new_id(),
            job_id: job_id.clone(),
            trigger,
            started_at_ms: now_ms,
            finished_at_ms: None,
            added: 0,
            skipped: 0,
            error: None,
            requests: 0,
        };
        sqlx::query(
            "INSERT INTO sync_runs (id, job_id, seq, trigger, started_at) \
             VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_runs WHERE job_id = $2), $3, $4)",
        )
        .bind(&run.id)
        .bind(job_id.as_str())
        .bind(trigger.as_str())
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(run)
    }

    async fn finish_run(&self, run: &SyncRun) -> Result<()> {
        sqlx::query("UPDATE sync_runs SET finished_at = $1, added = $2, skipped = $3, error = $4, requests = $6 WHERE id = $5")
            .bind(run.finished_at_ms)
            .bind(run.added)
            .bind(run.skipped)
            .bind(&run.error)
            .bind(&run.id)
            .bind(run.requests)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn sync_runs(
        &self,
        job_id: &SyncJobId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<SyncRun>, i64)> {
        let rows = sqlx::query(
            "SELECT id, job_id, trigger, started_at, finished_at, added, skipped, error, requests FROM sync_runs \
             WHERE job_id = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3",
        )
        .bind(job_id.as_str())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_runs WHERE job_id = $1")
            .bind(job_id.as_str())
            .fetch_one(&self.read)
            .await?;
        Ok((rows.iter().map(run_row).collect::<Result<_>>()?, total))
    }

    async fn enqueue(
        &self,
        kind: JobKind,
        subject: &str,
        detail: &str,
        run_at_ms: i64,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(ENQUEUE)
            .bind(new_id())
            .bind(kind.as_str())
            .bind(subject)
            .bind(detail)
            .bind(run_at_ms)
            .bind(now_ms)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn lease(
        &self,
        node: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<QueuedJob>> {
        let lock = match self.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // The kinds are this release's fixed spellings, safe to write into the statement.
        let known = JobKind::ALL
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "UPDATE work_queue SET leased_by = $1, leased_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM work_queue WHERE run_at <= $3 \
                          AND (leased_until IS NULL OR leased_until < $3) AND kind IN ({known}) \
                          ORDER BY run_at LIMIT $4 {lock}) \
             RETURNING id, kind, subject, detail, attempts, generation"
        ))
        .bind(node)
        .bind(now_ms + lease_ms)
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&self.write)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(QueuedJob {
                    id: r.try_get(0)?,
                    kind: stored_enum(&r.try_get::<String, _>(1)?, "kind of queued work")?,
                    subject: r.try_get(2)?,
                    detail: r.try_get(3)?,
                    attempts: r.try_get(4)?,
                    generation: r.try_get(5)?,
                })
            })
            .collect()
    }

    async fn complete(&self, job: &QueuedJob, node: &str) -> Result<()> {
        let done = sqlx::query(
            "DELETE FROM work_queue WHERE id = $1 AND leased_by = $2 AND generation = $3",
        )
        .bind(&job.id)
        .bind(node)
        .bind(job.generation)
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            sqlx::query("UPDATE work_queue SET leased_by = NULL, leased_until = NULL, attempts = 0 WHERE id = $1 AND leased_by = $2")
                .bind(&job.id)
                .bind(node)
                .execute(&self.write)
                .await?;
        }
        Ok(())
    }

    async fn retry(&self, id: &str, node: &str, run_at_ms: i64, error: &str) -> Result<()> {
        sqlx::query(
            "UPDATE work_queue SET run_at = $1, leased_by = NULL, leased_until = NULL, last_error = $2 \
             WHERE id = $3 AND leased_by = $4",
        )
        .bind(run_at_ms)
        .bind(error)
        .bind(id)
        .bind(node)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn renew(&self, id: &str, node: &str, leased_until_ms: i64) -> Result<bool> {
        let done =
            sqlx::query("UPDATE work_queue SET leased_until = $1 WHERE id = $2 AND leased_by = $3")
                .bind(leased_until_ms)
                .bind(id)
                .bind(node)
                .execute(&self.write)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn release(&self, id: &str, node: &str) -> Result<()> {
        sqlx::query(
            "UPDATE work_queue SET leased_by = NULL, leased_until = NULL, attempts = attempts - 1 \
             WHERE id = $1 AND leased_by = $2",
        )
        .bind(id)
        .bind(node)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn release_all(&self, node: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE work_queue SET leased_by = NULL, leased_until = NULL WHERE leased_by = $1",
        )
        .bind(node)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }

    async fn queue_len(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM work_queue")
            .fetch_one(&self.read)
            .await?)
    }
}
