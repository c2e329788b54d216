//! Scheduled one-way syncs (seed 001): copy the new tracks of a source into a target on a cron
//! schedule, never copying again a track that was copied once and then deleted from the target.
//! It is the simplest composite: one source, archive mode; its ledger remembers everything
//! ever copied. Runs go through the work queue, so each runs once even with several nodes.

use std::collections::{BTreeMap, HashSet};

use medley_compose::{Composite, Mode, Options, Read, Source, SyncInput};
use medley_domain::new_id;
use medley_domain::schedule::Schedule;
use medley_domain::uri::{Kind, Namespace, Uri};
use medley_domain::user::User;
use medley_events::Event;
use medley_store::{
    Connection, ItemsEdit, Store, StoreError, SyncJob, SyncRun, PAUSED_FOR_RECONNECT,
};

use crate::error::{ApiError, ApiResult};
use crate::service::compositions::{check_readable, playlist_tracks, read_source_counting};
use crate::service::playlists::{announce, editable};
use crate::service::spotify::collections::{self, Work};
use crate::state::{now_ms, AppState};
use medley_spotify::Collection;

/// Queue kind of a sync-job run.
pub const KIND: &str = "sync_job";

/// One end of a job: a Medley playlist, or a Spotify playlist or Liked Songs.
enum End {
    Medley(String),
    Spotify(Collection),
}

impl End {
    fn parse(uri: &str) -> ApiResult<End> {
        if let Some(c) = Collection::parse(uri) {
            return Ok(End::Spotify(c));
        }
        let parsed = Uri::parse_kind(uri, Kind::Playlist)?;
        if parsed.namespace != Namespace::Medley {
            return Err(ApiError::BadRequest(format!(
                "`{uri}` is neither a Medley playlist, a Spotify playlist nor Liked Songs"
            )));
        }
        Ok(End::Medley(parsed.id))
    }

    fn uri(&self) -> String {
        match self {
            End::Medley(id) => format!("medley:playlist:{id}"),
            End::Spotify(c) => c.uri(),
        }
    }
}

/// Creates a job after checking that the user may read the source and change the target.
pub async fn create(
    state: &AppState,
    user: &User,
    source: &str,
    target: &str,
    schedule: &str,
    timezone: &str,
) -> ApiResult<SyncJob> {
    let source_end = End::parse(source)?;
    let target_end = End::parse(target)?;
    if source_end.uri() == target_end.uri() {
        return Err(ApiError::BadRequest(
            "`source` and `target` are the same playlist".into(),
        ));
    }
    let parsed =
        Schedule::parse(schedule, timezone).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    check_readable(state, user, &source_end.uri()).await?;
    match &target_end {
        End::Medley(id) => {
            editable(state, id, user).await?;
        }
        End::Spotify(c) => collections::check(state, user, c, true).await?,
    }
    let now = now_ms();
    let job = SyncJob {
        id: new_id(),
        owner_id: user.id.clone(),
        source_uri: source_end.uri(),
        target_uri: target_end.uri(),
        schedule: schedule.trim().to_owned(),
        timezone: timezone.to_owned(),
        paused: false,
        paused_reason: None,
        next_run_at_ms: parsed.next_after(now),
        ledger: Default::default(),
        ledger_version: 0,
        created_at_ms: now,
    };
    state.store.create_sync_job(&job).await?;
    Ok(job)
}

/// A job of `user`'s, or 404.
pub async fn owned(state: &AppState, user: &User, id: &str) -> ApiResult<SyncJob> {
    match state.store.sync_job(id).await? {
        Some(job) if job.owner_id == user.id => Ok(job),
        _ => Err(ApiError::NotFound(format!(
            "sync job `{id}` does not exist or is not yours"
        ))),
    }
}

/// The owner pauses or resumes a job (which clears any pause Medley made).
pub async fn set_paused(state: &AppState, job: &SyncJob, paused: bool) -> ApiResult<SyncJob> {
    let next = if paused { None } else { next_run(job)? };
    state
        .store
        .set_sync_job_paused(&job.id, paused, None, next)
        .await?;
    state
        .store
        .sync_job(&job.id)
        .await?
        .ok_or_else(|| ApiError::not_found("the sync job"))
}

/// When a resumed job runs next.
fn next_run(job: &SyncJob) -> ApiResult<Option<i64>> {
    Ok(Schedule::parse(&job.schedule, &job.timezone)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?
        .next_after(now_ms()))
}

/// Pauses `owner_id`'s running jobs that reach Spotify through an account that must be
/// connected again, saying why ([`PAUSED_FOR_RECONNECT`]): until the user links it again
/// their runs could only fail. Returns how many were paused.
pub async fn pause_for_reconnect(store: &dyn Store, owner_id: &str) -> ApiResult<usize> {
    let connections = store.connections(owner_id).await?;
    let mut paused = 0;
    for job in store.user_sync_jobs(owner_id).await? {
        if !job.paused && blocked(&job, &connections) {
            store
                .set_sync_job_paused(&job.id, true, Some(PAUSED_FOR_RECONNECT), None)
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
pub async fn resume_after_reconnect(store: &dyn Store, owner_id: &str) -> ApiResult<usize> {
    let connections = store.connections(owner_id).await?;
    let mut resumed = 0;
    for job in store.user_sync_jobs(owner_id).await? {
        let waiting = job.paused && job.paused_reason.as_deref() == Some(PAUSED_FOR_RECONNECT);
        if waiting && !blocked(&job, &connections) {
            store
                .set_sync_job_paused(&job.id, false, None, next_run(&job)?)
                .await?;
            resumed += 1;
        }
    }
    Ok(resumed)
}

/// Whether one of the job's Spotify ends goes through a connection that must be linked again.
fn blocked(job: &SyncJob, connections: &[Connection]) -> bool {
    spotify_ends(job)
        .any(|c| collections::pick(connections, &c).is_some_and(|c| c.status == "reconnect"))
}

/// The job's ends that are Spotify collections.
fn spotify_ends(job: &SyncJob) -> impl Iterator<Item = Collection> + '_ {
    [&job.source_uri, &job.target_uri]
        .into_iter()
        .filter_map(|uri| Collection::parse(uri))
}

/// Queues a run now and wakes the worker.
pub async fn run_soon(state: &AppState, job: &SyncJob) -> ApiResult<()> {
    let now = now_ms();
    state
        .store
        .enqueue(KIND, &job.id, "manual", now, now)
        .await?;
    state.wake_worker.notify_one();
    Ok(())
}

/// Runs a job once and records the run: how many tracks were copied and how many skipped.
pub async fn run(state: &AppState, job_id: &str, trigger: &str) -> ApiResult<SyncRun> {
    let job = state
        .store
        .sync_job(job_id)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("sync job `{job_id}`")))?;
    let mut run = state.store.start_run(job_id, trigger, now_ms()).await?;
    let mut work = Work::default();
    match copy(state, &job, &mut work).await {
        Ok((added, skipped)) => {
            run.added = added;
            run.skipped = skipped;
        }
        Err(e) => {
            run.error = Some(e.to_string());
            // A job its owner resumed before linking the account again waits once more.
            if spotify_ends(&job).next().is_some() {
                if let Err(e) = pause_for_reconnect(state.store.as_ref(), &job.owner_id).await {
                    tracing::warn!(job = %job.id, error = %e, "could not pause the owner's Spotify jobs");
                }
            }
        }
    }
    run.requests = work.requests as i64;
    run.finished_at_ms = Some(now_ms());
    state.store.finish_run(&run).await?;
    state.bus.publish(Event::SyncRunFinished {
        job_id: job.id.clone(),
        run_id: run.id.clone(),
    });
    Ok(run)
}

/// The copy itself: returns (added, skipped).
async fn copy(state: &AppState, job: &SyncJob, work: &mut Work) -> ApiResult<(i64, i64)> {
    let owner = state
        .store
        .user(&job.owner_id)
        .await?
        .ok_or_else(|| ApiError::not_found("the job's owner"))?;
    let target = End::parse(&job.target_uri)?;
    if let End::Medley(id) = &target {
        editable(state, id, &owner).await?;
    }
    let mut read = read_source_counting(state, &owner, &job.source_uri, work).await?;
    let mut unplayable = 0;
    if let (End::Spotify(_), Read::Complete(items)) = (&target, &mut read) {
        // Only tracks Spotify knows can be copied there.
        let ids: Vec<String> = items.iter().map(|i| i.track.id.clone()).collect();
        let on_spotify: HashSet<String> = state
            .store
            .tracks(&ids)
            .await?
            .into_iter()
            .filter(|t| t.spotify_id.is_some())
            .map(|t| t.id)
            .collect();
        let before = items.len();
        items.retain(|i| on_spotify.contains(&i.track.id));
        unplayable = (before - items.len()) as i64;
    }
    let source_len = match &read {
        Read::Complete(items) => items.len() as i64,
        Read::Failed(e) => {
            return Err(ApiError::Unavailable(format!(
                "the source could not be read: {e}"
            )))
        }
    };
    let composite = Composite {
        sources: vec![Source {
            uri: job.source_uri.clone(),
            mode: Mode::Include,
        }],
        options: Options {
            archive: true,
            cap: state.config.max_playlist_items as usize,
            ..Options::default()
        },
    };
    let reads = BTreeMap::from([(job.source_uri.clone(), read)]);
    let current: Vec<_> = match &target {
        End::Medley(id) => playlist_tracks(state, id).await?,
        End::Spotify(c) => collections::read(state, &owner, c, work)
            .await?
            .map_err(|e| ApiError::Unavailable(format!("the target could not be read: {e}")))?,
    }
    .into_iter()
    .map(|i| i.track)
    .collect();
    let outcome = medley_compose::sync(
        &job.ledger,
        &SyncInput {
            composite: &composite,
            reads: &reads,
            target: &current,
            now_ms: now_ms(),
        },
    );
    // A one-way copy only adds: the target is the owner's, duplicates and all.
    let added: Vec<String> = outcome
        .plan
        .insert
        .iter()
        .map(|(_, id)| id.clone())
        .collect();
    if !added.is_empty() {
        match &target {
            End::Medley(id) => add_to_medley(state, &owner, id, &added).await?,
            End::Spotify(c) => {
                collections::add(state, &owner, c, &added, work).await?;
            }
        }
    }
    match state
        .store
        .save_sync_ledger(&job.id, job.ledger_version, &outcome.ledger)
        .await
    {
        Ok(()) => {}
        Err(StoreError::StaleSnapshot { .. }) => {
            return Err(ApiError::Conflict(
                "another run of this job finished first; nothing was lost".into(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    let added = added.len() as i64;
    Ok((added, source_len - added + unplayable))
}

async fn add_to_medley(
    state: &AppState,
    owner: &User,
    target_id: &str,
    added: &[String],
) -> ApiResult<()> {
    let edit = ItemsEdit::Add {
        track_ids: added.to_vec(),
        position: None,
    };
    let result = state
        .store
        .edit_items(
            target_id,
            &owner.id,
            None,
            edit,
            state.config.max_playlist_items,
            now_ms(),
        )
        .await;
    state.caches.forget_playlist(target_id);
    announce(state, &result?, &owner.id, true);
    Ok(())
}

/// Queues the runs that are due at `now_ms` and moves each job to its next time. Only
/// enqueues: the worker runs them.
pub async fn schedule_due(state: &AppState, now_ms: i64) -> ApiResult<usize> {
    let mut queued = 0;
    for job in state.store.due_sync_jobs(now_ms).await? {
        let next = Schedule::parse(&job.schedule, &job.timezone)
            .ok()
            .and_then(|s| s.next_after(now_ms));
        if state
            .store
            .advance_sync_job(&job.id, job.next_run_at_ms, next)
            .await?
        {
            state
                .store
                .enqueue(KIND, &job.id, "schedule", now_ms, now_ms)
                .await?;
            queued += 1;
        }
    }
    if queued > 0 {
        state.wake_worker.notify_one();
    }
    Ok(queued)
}
