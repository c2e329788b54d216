//! Composite playlists: configuring them, reading their sources, and syncing them through the
//! engine (`medley-compose`), with the edits and ledger written in one transaction.

use std::collections::{BTreeMap, HashSet};

use medley_compose::graph::find_cycle;
use medley_compose::{Composite, Ledger, Mode, Outcome, Read, Report, SourceItem, SyncInput};
use medley_domain::catalog::Track;
use medley_domain::playlist::Playlist;
use medley_domain::uri::{Kind, Namespace, Uri};
use medley_domain::user::User;
use medley_events::Event;
use medley_store::{StoreError, StoredComposite, SyncWrite};

use crate::cache::KeptLedger;
use crate::error::{ApiError, ApiResult};
use crate::service::playlists::{announce, owned, visible};
use crate::service::spotify::collections::{self, Work};
use crate::state::{now_ms, AppState};
use medley_spotify::Collection;

/// Most sources one composite may have.
pub const MAX_SOURCES: usize = 50;
/// Attempts before a sync gives up on a playlist that keeps changing under it.
const ATTEMPTS: usize = 5;

pub fn engine_track(t: &Track) -> medley_compose::Track {
    medley_compose::Track {
        id: t.id.clone(),
        isrc: t.isrc.clone(),
        name: t.name.clone(),
        artists: t.artists.iter().map(|a| a.name.clone()).collect(),
        duration_ms: t.duration_ms,
        explicit: t.explicit,
    }
}

/// All items of a playlist with their tracks, in order, and when each was added.
pub async fn playlist_tracks(state: &AppState, id: &str) -> ApiResult<Vec<SourceItem>> {
    let items = state.store.playlist_items(id, i64::MAX, 0).await?;
    let ids: Vec<String> = items.iter().map(|i| i.track_id.clone()).collect();
    let tracks = state.store.tracks(&ids).await?;
    let by_id: BTreeMap<&str, &Track> = tracks.iter().map(|t| (t.id.as_str(), t)).collect();
    Ok(items
        .iter()
        .filter_map(|i| {
            by_id.get(i.track_id.as_str()).map(|t| SourceItem {
                track: engine_track(t),
                added_at_ms: Some(i.added_at_ms),
            })
        })
        .collect())
}

/// Reads one source as the composite's owner sees it: all of it, or a failure saying why.
pub async fn read_source(state: &AppState, owner: &User, uri: &str) -> ApiResult<Read> {
    read_source_counting(state, owner, uri, &mut Work::default()).await
}

/// [`read_source`], adding the Spotify requests it cost to `work`.
pub async fn read_source_counting(
    state: &AppState,
    owner: &User,
    uri: &str,
    work: &mut Work,
) -> ApiResult<Read> {
    if let Some(collection) = Collection::parse(uri) {
        if state.spotify.is_none() {
            return Ok(Read::Failed(
                "Spotify is not configured on this server any more".into(),
            ));
        }
        return Ok(
            match collections::read(state, owner, &collection, work).await? {
                Ok(items) => Read::Complete(items),
                Err(reason) => Read::Failed(reason),
            },
        );
    }
    let parsed = match Uri::parse_kind(uri, Kind::Playlist) {
        Ok(u) => u,
        Err(e) => return Ok(Read::Failed(e.to_string())),
    };
    match visible(state, &parsed.id, Some(owner)).await {
        Ok(_) => {}
        Err(ApiError::NotFound(_)) => {
            return Ok(Read::Failed(
                "the playlist no longer exists or is no longer visible to the composite's owner"
                    .into(),
            ))
        }
        Err(e) => return Err(e),
    }
    Ok(Read::Complete(playlist_tracks(state, &parsed.id).await?))
}

/// Checks that `user` can read `uri` as a source: a Medley playlist visible to them, or a
/// Spotify collection one of their connected accounts can read.
pub async fn check_readable(state: &AppState, user: &User, uri: &str) -> ApiResult<String> {
    if let Some(collection) = Collection::parse(uri) {
        collections::check(state, user, &collection, false).await?;
        return Ok(collection.uri());
    }
    let parsed = Uri::parse_kind(uri, Kind::Playlist)?;
    if parsed.namespace == Namespace::Spotify {
        return Err(ApiError::BadRequest(format!(
            "`{uri}` is not a Spotify playlist URI"
        )));
    }
    visible(state, &parsed.id, Some(user))
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound(format!(
                "source `{uri}` does not exist or is not visible to you"
            )),
            other => other,
        })?;
    Ok(parsed.to_string())
}

/// A playlist and its owner.
pub async fn with_owner(state: &AppState, id: &str) -> ApiResult<(Playlist, User)> {
    let playlist = state
        .store
        .playlist(id)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("playlist `{id}`")))?;
    let owner = state
        .store
        .user(&playlist.owner_id)
        .await?
        .ok_or_else(|| ApiError::not_found("the playlist's owner"))?;
    Ok((playlist, owner))
}

async fn stored(state: &AppState, id: &str) -> ApiResult<StoredComposite> {
    state
        .store
        .composite(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("playlist `{id}` is not a composite: configure it with PUT /v1/playlists/{id}/composition")))
}

/// The composite as stored, for a sync: its ledger from memory when this node's last sync
/// wrote the very version the store holds ([`crate::cache::KeptLedger`]), else read.
async fn stored_for_sync(state: &AppState, id: &str) -> ApiResult<StoredComposite> {
    if let Some(head) = state.store.composite_head(id).await? {
        if let Some(ledger) = state
            .caches
            .ledger(id, head.ledger_version, head.created_at_ms)
        {
            #[cfg(debug_assertions)]
            check_kept(state, id, &head, &ledger).await?;
            return Ok(StoredComposite { ledger, ..head });
        }
    }
    stored(state, id).await
}

/// Debug builds (and so every test) check a kept ledger against the store's, when the store
/// held that version from before the read to after it (so no write landed in between).
#[cfg(debug_assertions)]
async fn check_kept(
    state: &AppState,
    id: &str,
    head: &StoredComposite,
    kept: &Ledger,
) -> ApiResult<()> {
    let read = stored(state, id).await?;
    let after = state
        .store
        .composite_head(id)
        .await?
        .map(|h| h.ledger_version);
    if read.ledger_version == head.ledger_version && after == Some(head.ledger_version) {
        assert_eq!(
            &read.ledger, kept,
            "the kept ledger of composite {id} differs from the stored one"
        );
    }
    Ok(())
}

/// Runs the engine for `composite` over the current sources and target, without writing.
async fn plan(
    state: &AppState,
    id: &str,
    composite: &Composite,
    ledger: &Ledger,
    work: &mut Work,
) -> ApiResult<(Outcome, String, String)> {
    let (playlist, owner) = with_owner(state, id).await?;
    let mut reads = BTreeMap::new();
    for source in &composite.sources {
        reads.insert(
            source.uri.clone(),
            read_source_counting(state, &owner, &source.uri, work).await?,
        );
    }
    let target: Vec<medley_compose::Track> = playlist_tracks(state, id)
        .await?
        .into_iter()
        .map(|i| i.track)
        .collect();
    let outcome = medley_compose::sync(
        ledger,
        &SyncInput {
            composite,
            reads: &reads,
            target: &target,
            now_ms: now_ms(),
        },
    );
    Ok((outcome, playlist.snapshot_id, playlist.owner_id))
}

/// Syncs a composite: learns the owner's edits, follows the sources, writes the difference.
/// `adjust` may change the stored ledger first (restoring tombstones).
/// With `fresh`, every Spotify collection is read anew (a sync the user asked for).
pub async fn sync_with(
    state: &AppState,
    id: &str,
    adjust: impl Fn(&mut Ledger) + Sync,
    fresh: bool,
) -> ApiResult<Report> {
    for _ in 0..ATTEMPTS {
        let stored = stored_for_sync(state, id).await?;
        if let Some(target) = &stored.composite.options.target {
            return crate::service::spotify::targets::sync(state, id, target, &adjust, fresh).await;
        }
        let mut start = stored.ledger.clone();
        adjust(&mut start);
        let mut work = Work {
            fresh,
            ..Work::default()
        };
        let (outcome, snapshot_id, owner_id) =
            plan(state, id, &stored.composite, &start, &mut work).await?;
        let write = SyncWrite {
            playlist_id: id,
            actor: &owner_id,
            ledger_version: stored.ledger_version,
            before: &stored.ledger,
            after: &outcome.ledger,
            plan: &outcome.plan,
            snapshot_id: &snapshot_id,
            report_json: serde_json::to_string(&outcome.report).unwrap_or_default(),
            cap: state.config.max_playlist_items,
            now_ms: now_ms(),
            clear_intent: false,
        };
        match state.store.write_sync(write).await {
            Ok(edit) => {
                state.caches.forget_playlist(id);
                state.caches.keep_ledger(
                    id,
                    KeptLedger {
                        version: stored.ledger_version + 1,
                        created_at_ms: stored.created_at_ms,
                        ledger: outcome.ledger,
                    },
                );
                if let Some(edit) = edit {
                    announce(state, &edit, &owner_id, true);
                }
                return Ok(outcome.report);
            }
            // The target or the ledger changed while we read: read again.
            Err(StoreError::StaleSnapshot { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict(format!(
        "playlist `{id}` kept changing during the sync; try again"
    )))
}

pub async fn sync(state: &AppState, id: &str) -> ApiResult<Report> {
    sync_with(state, id, |_| {}, false).await
}

/// Checks a proposed composition: owner only, readable playlist sources, no cycle, a cap the
/// server allows. Returns it ready to store.
pub async fn validate(
    state: &AppState,
    user: &User,
    id: &str,
    composite: &Composite,
) -> ApiResult<()> {
    owned(state, id, user).await?;
    check_sources(state, user, id, composite).await
}

/// Checks sources and options for composite `id` (which need not exist yet).
pub async fn check_sources(
    state: &AppState,
    user: &User,
    id: &str,
    composite: &Composite,
) -> ApiResult<()> {
    if composite.sources.len() > MAX_SOURCES {
        return Err(ApiError::BadRequest(format!(
            "a composite may have at most {MAX_SOURCES} sources"
        )));
    }
    if composite.options.cap == 0 || composite.options.cap as i64 > state.config.max_playlist_items
    {
        return Err(ApiError::BadRequest(format!(
            "`options.cap` must be between 1 and {}",
            state.config.max_playlist_items
        )));
    }
    let mut seen = HashSet::new();
    for source in &composite.sources {
        let uri = check_readable(state, user, &source.uri).await?;
        if !seen.insert(uri.clone()) {
            return Err(ApiError::BadRequest(format!(
                "source `{uri}` is listed twice"
            )));
        }
    }
    if let Some(target) = &composite.options.target {
        let Some(collection @ Collection::Playlist(_)) = Collection::parse(target) else {
            return Err(ApiError::BadRequest(format!(
                "`options.target` must be a Spotify playlist (`spotify:playlist:<id>`), not `{target}`"
            )));
        };
        if seen.contains(&collection.uri()) {
            return Err(ApiError::BadRequest(format!(
                "`{target}` cannot be both a source and the target"
            )));
        }
        collections::check(state, user, &collection, true).await?;
    }
    let me = format!("medley:playlist:{id}");
    let mut graph = state.store.composite_graph().await?;
    graph.insert(
        me.clone(),
        composite.sources.iter().map(|s| s.uri.clone()).collect(),
    );
    if let Some(cycle) = find_cycle(&me, &graph) {
        return Err(ApiError::Conflict(format!(
            "these sources would make a cycle: {}",
            cycle.join(" → ")
        )));
    }
    Ok(())
}

/// Makes a playlist composite (or changes its sources and options) and syncs it.
pub async fn configure(
    state: &AppState,
    user: &User,
    id: &str,
    composite: &Composite,
) -> ApiResult<Report> {
    validate(state, user, id, composite).await?;
    attach(state, id, composite).await
}

/// Stores an already checked composition for playlist `id` and syncs it.
pub async fn attach(state: &AppState, id: &str, composite: &Composite) -> ApiResult<Report> {
    state.store.put_composite(id, composite, now_ms()).await?;
    state.caches.forget_playlist(id);
    sync(state, id).await
}

/// What a proposed composition would add and remove, without changing anything.
pub async fn preview(
    state: &AppState,
    user: &User,
    id: &str,
    composite: &Composite,
) -> ApiResult<Report> {
    validate(state, user, id, composite).await?;
    let ledger = state
        .store
        .composite(id)
        .await?
        .map(|s| s.ledger)
        .unwrap_or_default();
    Ok(plan(state, id, composite, &ledger, &mut Work::fresh())
        .await?
        .0
        .report)
}

/// Whether the source list of a composite names `mode` sources: used to describe it.
pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Include => "include",
        Mode::Exclude => "exclude",
    }
}

/// Queue kind of a composite resync.
pub const KIND: &str = "composite";

/// Keeps composites following their sources: every committed change to a playlist queues a
/// resync of the composites that use it (and so on up, as their own changes are published),
/// and a person's edit of a composite is learned at once. The queue makes each resync run once
/// even with several nodes, and survives a node dying before it ran. Runs until the bus closes.
pub async fn follow_sources(state: AppState) {
    let mut events = state.bus.subscribe();
    while let Some(event) = events.next().await {
        let Event::PlaylistItemsChanged(change) = &*event else {
            continue;
        };
        let mut targets = match state
            .store
            .composites_using(&format!("medley:playlist:{}", change.playlist_id))
            .await
        {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, "finding composites to sync");
                continue;
            }
        };
        if !change.automatic
            && matches!(
                state.store.playlist(&change.playlist_id).await,
                Ok(Some(p)) if p.composite
            )
        {
            targets.insert(0, change.playlist_id.clone());
        }
        let now = now_ms();
        for target in &targets {
            if let Err(e) = state.store.enqueue(KIND, target, "", now, now).await {
                tracing::error!(playlist = %target, error = %e, "queueing a composite resync");
            }
        }
        if !targets.is_empty() {
            state.wake_worker.notify_one();
        }
    }
}
