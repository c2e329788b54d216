//! Scheduled one-way syncs (seed 001): copy the new tracks of a source into a target on a cron
//! schedule, never copying again a track that was copied once and then deleted from the target.
//! It is the simplest composite: one source, archive mode; its ledger remembers everything
//! ever copied. Runs go through the work queue, so each runs once even with several nodes.
//! Its ends are found through `App::ends` (see [`crate::sources`]), as a composite's are.

use std::collections::{BTreeMap, HashSet};

use medley_compose::{Composite, Mode, Options, Read, SyncInput};
use medley_domain::causes::Causes;
use medley_domain::paging::Page;
use medley_domain::schedule::Schedule;
use medley_domain::text::TextEnum;
use medley_domain::user::User;
use medley_domain::{SyncJobId, TrackId};
use medley_events::Event;
use medley_store::{StoreError, SyncJob, SyncRun};

use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::jobs::{self, JobKind, Trigger};
use crate::spotify::collections::Work;
use crate::spotify::reconnect::{next_run, pause_for_reconnect, spotify_ends};
use crate::App;

/// Creates a job after checking that the user may read the source and change the target.
pub async fn create(
    app: &App,
    user: &User,
    source: &str,
    target: &str,
    schedule: &str,
    timezone: &str,
) -> AppResult<SyncJob> {
    let source_end = app.ends.source(source)?;
    let target_end = app.ends.target(target)?;
    if source_end.uri() == target_end.uri() {
        return Err(AppError::Invalid(
            "`source` and `target` are the same playlist".into(),
        ));
    }
    let parsed =
        Schedule::parse(schedule, timezone).map_err(|e| AppError::Invalid(e.to_string()))?;
    source_end.check_readable(app, user).await?;
    target_end.check_writable(app, user).await?;
    let now = now_ms();
    let job = SyncJob {
        id: SyncJobId::new(),
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
    app.store.create_sync_job(&job).await?;
    Ok(job)
}

/// Most runs [`next_runs`] lists.
pub const MAX_NEXT_RUNS: usize = 20;

/// The next `count` runs (Unix ms) of a schedule read in `timezone`, after `after_ms`: what a
/// job with that schedule would do, before it is made.
pub fn next_runs(
    schedule: &str,
    timezone: &str,
    after_ms: i64,
    count: usize,
) -> AppResult<Vec<i64>> {
    if !(1..=MAX_NEXT_RUNS).contains(&count) {
        return Err(AppError::Invalid(format!(
            "`count` must be between 1 and {MAX_NEXT_RUNS}, not {count}"
        )));
    }
    let parsed =
        Schedule::parse(schedule, timezone).map_err(|e| AppError::Invalid(e.to_string()))?;
    let mut runs = Vec::with_capacity(count);
    let mut at = after_ms;
    while runs.len() < count {
        match parsed.next_after(at) {
            Some(next) => {
                runs.push(next);
                at = next;
            }
            None => break,
        }
    }
    Ok(runs)
}

/// A job of `user`'s, or not found.
pub async fn owned(app: &App, user: &User, id: &SyncJobId) -> AppResult<SyncJob> {
    match app.store.sync_job(id).await? {
        Some(job) if job.owner_id == user.id => Ok(job),
        _ => Err(AppError::NotFound(format!(
            "sync job `{id}` does not exist or is not yours"
        ))),
    }
}

/// The sync jobs `user` owns.
pub async fn list(app: &App, user: &User) -> AppResult<Vec<SyncJob>> {
    Ok(app.store.user_sync_jobs(&user.id).await?)
}

/// A job by id, whoever owns it (the operator's command line), or not found.
pub async fn find(app: &App, id: &SyncJobId) -> AppResult<SyncJob> {
    app.store
        .sync_job(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no sync job `{id}`")))
}

/// Deletes a job (its owner's, or the operator's) and its history; false when it was gone
/// already.
pub async fn delete(app: &App, job: &SyncJob) -> AppResult<bool> {
    Ok(app.store.delete_sync_job(&job.id).await?)
}

/// A page of a job's runs, newest first, and their count.
pub async fn runs(app: &App, job: &SyncJob, page: Page) -> AppResult<(Vec<SyncRun>, i64)> {
    Ok(app
        .store
        .sync_runs(&job.id, page.limit, page.offset)
        .await?)
}

/// The owner pauses or resumes a job (which clears any pause Medley made).
pub async fn set_paused(app: &App, job: &SyncJob, paused: bool) -> AppResult<SyncJob> {
    let next = if paused {
        None
    } else {
        next_run(job, now_ms())?
    };
    app.store
        .set_sync_job_paused(&job.id, paused, None, next)
        .await?;
    app.store
        .sync_job(&job.id)
        .await?
        .ok_or_else(|| AppError::not_found("the sync job"))
}

/// Queues a run now and wakes the worker.
pub async fn run_soon(app: &App, job: &SyncJob) -> AppResult<()> {
    jobs::enqueue(
        app,
        JobKind::SyncJob,
        &job.id,
        Trigger::Manual.as_str(),
        now_ms(),
    )
    .await
}

/// Runs a job once and records the run: how many tracks were copied and how many skipped.
/// `None` when the job no longer exists (deleted after the run was queued).
pub async fn run(app: &App, job_id: &SyncJobId, trigger: Trigger) -> AppResult<Option<SyncRun>> {
    let Some(job) = app.store.sync_job(job_id).await? else {
        return Ok(None);
    };
    let mut run = app.store.start_run(job_id, trigger, now_ms()).await?;
    let mut work = Work::default();
    match copy(app, &job, &mut work).await {
        Ok((added, skipped)) => {
            run.added = added;
            run.skipped = skipped;
        }
        Err(e) => {
            // Every cause, so the run says why it failed all the way down.
            run.error = Some(Causes(&e).to_string());
            // A job its owner resumed before linking the account again waits once more.
            if spotify_ends(&job).next().is_some() {
                if let Err(e) = pause_for_reconnect(app.store.as_ref(), &job.owner_id).await {
                    tracing::warn!(job = %job.id, error = %Causes(&e), "could not pause the owner's Spotify jobs");
                }
            }
        }
    }
    run.requests = work.requests as i64;
    run.finished_at_ms = Some(now_ms());
    app.store.finish_run(&run).await?;
    app.bus.publish(Event::SyncRunFinished {
        job_id: job.id.clone(),
        run_id: run.id.clone(),
    });
    Ok(Some(run))
}

/// The copy itself: returns (added, skipped).
async fn copy(app: &App, job: &SyncJob, work: &mut Work) -> AppResult<(i64, i64)> {
    let owner = app
        .store
        .user(&job.owner_id)
        .await?
        .ok_or_else(|| AppError::not_found("the job's owner"))?;
    let target = app.ends.target(&job.target_uri)?;
    target.check_still_writable(app, &owner).await?;
    let mut read = app
        .ends
        .source(&job.source_uri)?
        .read(app, &owner, work)
        .await?;
    let mut unplayable = 0;
    if let (true, Read::Complete(items)) = (target.spotify_only(), &mut read) {
        // Only tracks Spotify knows can be copied there.
        let ids: Vec<TrackId> = items.iter().map(|i| i.track.id.clone()).collect();
        let on_spotify: HashSet<TrackId> = app
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
            return Err(AppError::Unavailable(format!(
                "the source could not be read: {e}"
            )))
        }
    };
    let composite = Composite {
        sources: vec![medley_compose::Source {
            uri: job.source_uri.clone(),
            mode: Mode::Include,
        }],
        options: Options {
            archive: true,
            cap: app.config.max_playlist_items as usize,
            ..Options::default()
        },
    };
    let reads = BTreeMap::from([(job.source_uri.clone(), read)]);
    let current: Vec<_> = match target.read(app, &owner, work).await? {
        Read::Complete(items) => items.into_iter().map(|i| i.track).collect(),
        Read::Failed(e) => {
            return Err(AppError::Unavailable(format!(
                "the target could not be read: {e}"
            )))
        }
    };
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
    let added: Vec<TrackId> = outcome
        .plan
        .insert
        .iter()
        .map(|(_, id)| id.clone())
        .collect();
    if !added.is_empty() {
        target.append(app, &owner, &added, work).await?;
    }
    match app
        .store
        .save_sync_ledger(&job.id, job.ledger_version, &outcome.ledger)
        .await
    {
        Ok(()) => {}
        Err(StoreError::StaleSnapshot { .. }) => {
            return Err(AppError::Stale(
                "another run of this job finished first; nothing was lost".into(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    let added = added.len() as i64;
    Ok((added, source_len - added + unplayable))
}

/// Queues the runs that are due at `now_ms` and moves each job to its next time. Only
/// enqueues: the worker runs them.
pub async fn schedule_due(app: &App, now_ms: i64) -> AppResult<usize> {
    let mut queued = 0;
    for job in app.store.due_sync_jobs(now_ms).await? {
        let next = Schedule::parse(&job.schedule, &job.timezone)
            .ok()
            .and_then(|s| s.next_after(now_ms));
        if app
            .store
            .advance_sync_job(&job.id, job.next_run_at_ms, next)
            .await?
        {
            app.store
                .enqueue(
                    JobKind::SyncJob,
                    &job.id,
                    Trigger::Schedule.as_str(),
                    now_ms,
                    now_ms,
                )
                .await?;
            queued += 1;
        }
    }
    if queued > 0 {
        app.wake_worker.notify_one();
    }
    Ok(queued)
}

#[cfg(test)]
mod tests;
