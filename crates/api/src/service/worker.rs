//! The queue worker: leases due work from the database (sync-job runs, composite resyncs)
//! and does it, and the scheduler that queues due sync-job runs. One per node; several nodes
//! share the queue without running anything twice.

use std::time::Duration;

use crate::error::{ApiError, ApiResult};
use crate::service::spotify::{plays, watch};
use crate::service::{compositions, sync_jobs};
use crate::state::{now_ms, AppState};

/// How long a node holds leased work before another may take it over.
const LEASE: Duration = Duration::from_secs(120);

/// Leases due work and does it; returns how many jobs it handled.
pub async fn work_once(state: &AppState, now_ms: i64) -> ApiResult<usize> {
    let leased = state
        .store
        .lease(&state.node_id, now_ms, LEASE.as_millis() as i64, 10)
        .await?;
    for job in &leased {
        let result = match job.kind.as_str() {
            sync_jobs::KIND => {
                let trigger = if job.detail == "manual" { "manual" } else { "schedule" };
                sync_jobs::run(state, &job.subject, trigger).await.map(|_| ())
            }
            compositions::KIND => compositions::sync(state, &job.subject).await.map(|report| {
                if !report.added.is_empty() || !report.removed.is_empty() {
                    tracing::info!(playlist = %job.subject, added = report.added.len(), removed = report.removed.len(), "composite followed its sources");
                }
            }),
            watch::KIND => watch::watch(state, &job.subject).await.map(|w| {
                if !w.changed.is_empty() {
                    tracing::info!(connection = %job.subject, changed = w.changed.len(), queued = w.queued, "Spotify collections changed");
                }
            }),
            plays::KIND => plays::poll(state, &job.subject).await.map(|p| {
                if p.added > 0 {
                    tracing::info!(connection = %job.subject, added = p.added, "recorded plays from Spotify");
                }
            }),
            other => {
                tracing::warn!(kind = %other, "unknown kind of queued work; dropping it");
                Ok(())
            }
        };
        match result {
            // A run that recorded its own failure is done: its error is in the run history.
            Ok(_) | Err(ApiError::NotFound(_)) => state.store.complete(job, &state.node_id).await?,
            Err(e) => {
                let backoff = 1000 * (1_i64 << job.attempts.clamp(1, 10));
                state
                    .store
                    .retry(&job.id, &state.node_id, now_ms + backoff, &e.to_string())
                    .await?;
            }
        }
    }
    Ok(leased.len())
}

/// The scheduler and the worker, until the process stops.
pub async fn run_workers(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The interval boundaries Spotify watches and polls were last queued for.
    let mut watches_queued_for = 0;
    let mut polls_queued_for = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = sync_jobs::schedule_due(&state, now_ms()).await {
                    tracing::error!(error = %e, "scheduling due sync jobs");
                }
                if let Some(spotify) = &state.spotify {
                    let now = now_ms();
                    for (kind, interval, queued_for) in [
                        (watch::KIND, spotify.config.poll_interval, &mut watches_queued_for),
                        (plays::KIND, spotify.config.plays_interval, &mut polls_queued_for),
                    ] {
                        if now >= *queued_for {
                            let interval = interval.as_millis().max(1_000) as i64;
                            match watch::schedule(&state, kind, now, interval).await {
                                Ok(boundary) => *queued_for = boundary,
                                Err(e) => tracing::error!(error = %e, kind, "queueing Spotify work"),
                            }
                        }
                    }
                }
            }
            _ = state.wake_worker.notified() => {}
        }
        loop {
            match work_once(&state, now_ms()).await {
                Ok(0) => break,
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "running queued work");
                    break;
                }
            }
        }
    }
}
