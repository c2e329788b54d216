//! The worker: leases due work from the database queue (sync-job runs, composite resyncs,
//! Spotify watches and polls, imports) and does it, and the scheduler that queues due sync-job
//! runs and Spotify polls. One per node; several nodes share the queue without running
//! anything twice.
//!
//! Both stop on a cancellation token. Work under way is finished (its lease is renewed while it
//! runs, so a long import is not taken over by another node), and leased work not yet started
//! is given back to the queue at once; a node that dies instead leaves its leases to run out.

use std::time::Duration;

use medley_domain::causes::Causes;
use medley_domain::text::TextEnum;
use medley_domain::{ImportId, PlaylistId, SyncJobId};
use medley_store::QueuedJob;
use tokio_util::sync::CancellationToken;

use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::jobs::{JobKind, Trigger};
use crate::spotify::{plays, watch};
use crate::{compositions, imports, sync_jobs, App};

/// How long a node holds leased work before another may take it over, unless configured
/// otherwise (`AppConfig::lease`).
pub const LEASE: Duration = Duration::from_secs(120);
/// Jobs leased at once.
const BATCH: i64 = 10;

/// Leases due work and does it; returns how many jobs it handled. Once `stop` fires, the
/// jobs of the batch not yet started are given back.
pub async fn work_once(app: &App, now_ms: i64, stop: &CancellationToken) -> AppResult<usize> {
    let lease_ms = app.config.lease.as_millis() as i64;
    let leased = app
        .store
        .lease(&app.node_id, now_ms, lease_ms, BATCH)
        .await?;
    for (i, job) in leased.iter().enumerate() {
        if stop.is_cancelled() {
            for left in &leased[i..] {
                app.store.release(&left.id, &app.node_id).await?;
            }
            return Ok(i);
        }
        // The lease of a job further down the batch may have run out while the ones before it
        // ran; renewing it before starting makes sure no other node took it meanwhile.
        let until = crate::clock::now_ms() + lease_ms;
        if !app.store.renew(&job.id, &app.node_id, until).await? {
            tracing::info!(kind = %job.kind, subject = %job.subject, "another node took this work over before it started here");
            continue;
        }
        let result = tokio::select! {
            result = run(app, job) => result,
            lost = keep_lease(app, job) => Err(lost),
        };
        match result {
            Ok(()) => app.store.complete(job, &app.node_id).await?,
            Err(e) => {
                let backoff = 1000 * (1_i64 << job.attempts.clamp(1, 10));
                // Stored and logged with every cause, so none is lost.
                let error = Causes(&e).to_string();
                if let AppError::Internal(_) = e {
                    tracing::error!(kind = %job.kind, subject = %job.subject, error, "queued work failed; retrying")
                } else {
                    tracing::warn!(kind = %job.kind, subject = %job.subject, error, "queued work failed; retrying")
                }
                app.store
                    .retry(&job.id, &app.node_id, now_ms + backoff, &error)
                    .await?;
            }
        }
    }
    Ok(leased.len())
}

/// Does one job. A job whose subject is gone (a deleted job, composite or connection) is done.
async fn run(app: &App, job: &QueuedJob) -> AppResult<()> {
    let subject = job.subject.as_str();
    match job.kind {
        JobKind::SyncJob => {
            // A detail that names no trigger is read as a schedule.
            let trigger = Trigger::parse(&job.detail).unwrap_or(Trigger::Schedule);
            // A sync job's work is queued under the job's id.
            sync_jobs::run(app, &SyncJobId::from(subject), trigger).await?;
        }
        JobKind::Composite => {
            // A composite's work is queued under its playlist's id.
            let playlist = PlaylistId::from(subject);
            if app.store.composite_head(&playlist).await?.is_none() {
                return Ok(());
            }
            let report = compositions::sync(app, &playlist).await?;
            if !report.added.is_empty() || !report.removed.is_empty() {
                tracing::info!(playlist = %subject, added = report.added.len(), removed = report.removed.len(), "composite followed its sources");
            }
        }
        JobKind::SpotifyWatch => {
            let w = watch::watch(app, subject).await?;
            if !w.changed.is_empty() {
                tracing::info!(connection = %subject, changed = w.changed.len(), queued = w.queued, "Spotify collections changed");
            }
        }
        JobKind::SpotifyPlays => {
            let p = plays::poll(app, subject).await?;
            if p.added > 0 {
                tracing::info!(connection = %subject, added = p.added, "recorded plays from Spotify");
            }
        }
        // An import's work is queued under its id.
        JobKind::Import => imports::run(app, &ImportId::from(subject), &job.detail).await?,
        JobKind::LibraryScan => crate::library::scans::run_queued(app, subject).await?,
    }
    Ok(())
}

/// Renews the lease on `job` while it runs; returns only if the lease was lost (another node
/// took the work over, or the database cannot be reached), which abandons the run.
async fn keep_lease(app: &App, job: &QueuedJob) -> AppError {
    let lease = app.config.lease;
    let mut tick = tokio::time::interval(lease / 4);
    tick.tick().await;
    loop {
        tick.tick().await;
        let until = now_ms() + lease.as_millis() as i64;
        match app.store.renew(&job.id, &app.node_id, until).await {
            Ok(true) => {}
            Ok(false) => {
                return AppError::Stale("the lease on this work was lost to another node".into())
            }
            Err(e) => return e.into(),
        }
    }
}

/// The scheduler and the worker, until `stop` fires; then work under way is finished and
/// leased work not started is given back.
pub async fn run_workers(app: App, stop: CancellationToken) {
    match app.store.release_all(&app.node_id).await {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!(node = %app.node_id, jobs = n, "took back the work this node held when it last stopped")
        }
        Err(e) => tracing::error!(error = %Causes(&e), "giving back this node's earlier leases"),
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The interval boundaries Spotify watches and polls were last queued for.
    let mut watches_queued_for = 0;
    let mut polls_queued_for = 0;
    let mut stale_checked_at = now_ms();
    while !stop.is_cancelled() {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tick.tick() => schedule(&app, &mut watches_queued_for, &mut polls_queued_for).await,
            _ = app.wake_worker.notified() => {}
        }
        if now_ms() - stale_checked_at >= imports::STALE_CHECK_EVERY.as_millis() as i64 {
            stale_checked_at = now_ms();
            match imports::fail_interrupted(&app).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(
                    imports = n,
                    "imports no process works on any more were marked failed"
                ),
                Err(e) => tracing::error!(error = %Causes(&e), "looking for interrupted imports"),
            }
        }
        loop {
            match work_once(&app, now_ms(), &stop).await {
                Ok(0) => break,
                Ok(_) if stop.is_cancelled() => break,
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!(error = %Causes(&e), "running queued work");
                    break;
                }
            }
        }
    }
    tracing::debug!(node = %app.node_id, "worker stopped");
}

/// Queues due sync-job runs and, at their intervals, Spotify watches and polls.
async fn schedule(app: &App, watches_queued_for: &mut i64, polls_queued_for: &mut i64) {
    if let Err(e) = sync_jobs::schedule_due(app, now_ms()).await {
        tracing::error!(error = %Causes(&e), "scheduling due sync jobs");
    }
    let Some(spotify) = &app.spotify else {
        return;
    };
    let now = now_ms();
    for (kind, interval, queued_for) in [
        (
            JobKind::SpotifyWatch,
            spotify.config.poll_interval,
            watches_queued_for,
        ),
        (
            JobKind::SpotifyPlays,
            spotify.config.plays_interval,
            polls_queued_for,
        ),
    ] {
        if now >= *queued_for {
            let interval = interval.as_millis().max(1_000) as i64;
            match watch::schedule(app, kind, now, interval).await {
                Ok(boundary) => *queued_for = boundary,
                Err(e) => {
                    tracing::error!(error = %Causes(&e), kind = %kind, "queueing Spotify work")
                }
            }
        }
    }
}
