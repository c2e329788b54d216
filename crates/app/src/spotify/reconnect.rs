//! Spotify accounts that must be connected again: while one is, the sync jobs that reach
//! Spotify through it are paused (their runs could only fail), and linking it again resumes
//! exactly those.

use medley_domain::schedule::Schedule;
use medley_domain::UserId;
use medley_spotify::Collection;
use medley_store::{Connection, ConnectionStatus, PauseReason, Store, SyncJob};

use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::spotify::collections;

/// When a resumed job runs next.
pub fn next_run(job: &SyncJob, now_ms: i64) -> AppResult<Option<i64>> {
    Ok(Schedule::parse(&job.schedule, &job.timezone)
        .map_err(|e| AppError::Invalid(e.to_string()))?
        .next_after(now_ms))
}

/// Pauses `owner_id`'s running jobs that reach Spotify through an account that must be
/// connected again, saying why ([`PauseReason::SpotifyReconnect`]): until the user links it again
/// their runs could only fail. Returns how many were paused.
pub async fn pause_for_reconnect(store: &dyn Store, owner_id: &UserId) -> AppResult<usize> {
    let connections = store.connections(owner_id).await?;
    let mut paused = 0;
    for job in store.user_sync_jobs(owner_id).await? {
        if !job.paused && blocked(&job, &connections) {
            store
                .set_sync_job_paused(&job.id, true, Some(PauseReason::SpotifyReconnect), None)
                .await?;
            paused += 1;
        }
    }
    if paused > 0 {
        tracing::info!(owner = %owner_id, paused, "sync jobs paused until the Spotify account is connected again");
    }
    Ok(paused)
}

/// Resumes the jobs Medley paused for a reconnection, once each reaches Spotify again (jobs
/// their owner paused stay paused). Returns how many were resumed.
pub async fn resume_after_reconnect(store: &dyn Store, owner_id: &UserId) -> AppResult<usize> {
    let connections = store.connections(owner_id).await?;
    let mut resumed = 0;
    for job in store.user_sync_jobs(owner_id).await? {
        let waiting = job.paused && job.paused_reason == Some(PauseReason::SpotifyReconnect);
        if waiting && !blocked(&job, &connections) {
            store
                .set_sync_job_paused(&job.id, false, None, next_run(&job, now_ms())?)
                .await?;
            resumed += 1;
        }
    }
    Ok(resumed)
}

/// Whether one of the job's Spotify ends goes through a connection that must be linked again.
fn blocked(job: &SyncJob, connections: &[Connection]) -> bool {
    spotify_ends(job).any(|c| {
        collections::pick(connections, &c).is_some_and(|c| c.status == ConnectionStatus::Reconnect)
    })
}

/// The job's ends that are Spotify collections.
pub fn spotify_ends(job: &SyncJob) -> impl Iterator<Item = Collection> + '_ {
    [&job.source_uri, &job.target_uri]
        .into_iter()
        .filter_map(|uri| Collection::parse(uri))
}
