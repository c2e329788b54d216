//! Composite playlists: configuring them, reading their sources, and syncing them through the
//! engine (`medley-compose`), with the edits and ledger written in one transaction.
//!
//! Composites follow their sources through the work queue: every committed change to a
//! playlist queues, in its own transaction, a resync of the composites that read it (see
//! `medley_store::jobs::queue_dependents`), and the worker runs [`sync`]. Nothing here listens
//! to the event bus, so a lagging listener or a crash cannot leave a composite behind.

use std::collections::{BTreeMap, HashMap, HashSet};

use medley_compose::graph::find_cycle;
use medley_compose::identity::Keys;
use medley_compose::{Composite, Ledger, Mode, Outcome, Report, SyncInput};
use medley_domain::playlist::Playlist;
use medley_domain::user::User;
use medley_domain::{PlaylistId, TrackId, UserId};
use medley_store::{StoreError, StoredComposite, SyncWrite};

use crate::cache::KeptLedger;
use crate::catalog::engine_track;
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::playlists::{self, announce, owned, playlist_tracks, with_owner, NewDetails};
use crate::sources;
use crate::spotify::collections::{self, Work};
use crate::App;
use medley_spotify::Collection;

pub mod spotify_target;
#[cfg(test)]
mod tests;

/// Most sources one composite may have.
pub const MAX_SOURCES: usize = 50;
/// Attempts before a sync gives up on a playlist that keeps changing under it.
const ATTEMPTS: usize = 5;

async fn stored(app: &App, id: &PlaylistId) -> AppResult<StoredComposite> {
    app
        .store
        .composite(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("playlist `{id}` is not a composite: configure it with PUT /v1/playlists/{id}/composition")))
}

/// The composite as stored, for a sync: its ledger from memory when this node's last sync
/// wrote the very version the store holds ([`crate::cache::KeptLedger`]), else read.
async fn stored_for_sync(app: &App, id: &PlaylistId) -> AppResult<StoredComposite> {
    if let Some(head) = app.store.composite_head(id).await? {
        if let Some(ledger) = app
            .caches
            .ledger(id, head.ledger_version, head.created_at_ms)
        {
            #[cfg(debug_assertions)]
            check_kept(app, id, &head, &ledger).await?;
            return Ok(StoredComposite { ledger, ..head });
        }
    }
    stored(app, id).await
}

/// Debug builds (and so every test) check a kept ledger against the store's, when the store
/// held that version from before the read to after it (so no write landed in between).
#[cfg(debug_assertions)]
async fn check_kept(
    app: &App,
    id: &PlaylistId,
    head: &StoredComposite,
    kept: &Ledger,
) -> AppResult<()> {
    let read = stored(app, id).await?;
    let after = app
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
    app: &App,
    id: &PlaylistId,
    composite: &Composite,
    ledger: &Ledger,
    work: &mut Work,
) -> AppResult<(Outcome, String, UserId)> {
    let (playlist, owner) = with_owner(app, id).await?;
    let mut reads = BTreeMap::new();
    for source in &composite.sources {
        reads.insert(
            source.uri.clone(),
            sources::read(app, &owner, &source.uri, work).await?,
        );
    }
    let target: Vec<medley_compose::Track> = playlist_tracks(app, id)
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
    app: &App,
    id: &PlaylistId,
    adjust: impl Fn(&mut Ledger) + Sync,
    fresh: bool,
) -> AppResult<Report> {
    for _ in 0..ATTEMPTS {
        let stored = stored_for_sync(app, id).await?;
        if let Some(target) = &stored.composite.options.target {
            return spotify_target::sync(app, id, target, &adjust, fresh).await;
        }
        let mut start = stored.ledger.clone();
        adjust(&mut start);
        let mut work = Work {
            fresh,
            ..Work::default()
        };
        let (outcome, snapshot_id, owner_id) =
            plan(app, id, &stored.composite, &start, &mut work).await?;
        let write = SyncWrite {
            playlist_id: id,
            actor: &owner_id,
            ledger_version: stored.ledger_version,
            before: &stored.ledger,
            after: &outcome.ledger,
            plan: &outcome.plan,
            snapshot_id: &snapshot_id,
            report_json: serde_json::to_string(&outcome.report).unwrap_or_default(),
            cap: app.config.max_playlist_items,
            now_ms: now_ms(),
            clear_intent: false,
        };
        match app.store.write_sync(write).await {
            Ok(edit) => {
                app.caches.forget_playlist(id);
                app.caches.keep_ledger(
                    id,
                    KeptLedger {
                        version: stored.ledger_version + 1,
                        created_at_ms: stored.created_at_ms,
                        ledger: outcome.ledger,
                    },
                );
                if let Some(edit) = edit {
                    announce(app, &edit, &owner_id, true);
                }
                return Ok(outcome.report);
            }
            // The target or the ledger changed while we read: read again.
            Err(StoreError::StaleSnapshot { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Stale(format!(
        "playlist `{id}` kept changing during the sync; try again"
    )))
}

pub async fn sync(app: &App, id: &PlaylistId) -> AppResult<Report> {
    sync_with(app, id, |_| {}, false).await
}

/// Checks a proposed composition: owner only, readable playlist sources, no cycle, a cap the
/// server allows. Returns it ready to store.
pub async fn validate(
    app: &App,
    user: &User,
    id: &PlaylistId,
    composite: &Composite,
) -> AppResult<()> {
    owned(app, id, user).await?;
    check_sources(app, user, id, composite).await
}

/// Checks sources and options for composite `id` (which need not exist yet).
pub async fn check_sources(
    app: &App,
    user: &User,
    id: &PlaylistId,
    composite: &Composite,
) -> AppResult<()> {
    if composite.sources.len() > MAX_SOURCES {
        return Err(AppError::Invalid(format!(
            "a composite may have at most {MAX_SOURCES} sources"
        )));
    }
    if composite.options.cap == 0 || composite.options.cap as i64 > app.config.max_playlist_items {
        return Err(AppError::Invalid(format!(
            "`options.cap` must be between 1 and {}",
            app.config.max_playlist_items
        )));
    }
    let mut seen = HashSet::new();
    for source in &composite.sources {
        let end = app.ends.source(&source.uri)?;
        end.check_readable(app, user).await?;
        let uri = end.uri();
        if !seen.insert(uri.clone()) {
            return Err(AppError::Invalid(format!("source `{uri}` is listed twice")));
        }
    }
    if let Some(target) = &composite.options.target {
        let Some(collection @ Collection::Playlist(_)) = Collection::parse(target) else {
            return Err(AppError::Invalid(format!(
                "`options.target` must be a Spotify playlist (`spotify:playlist:<id>`), not `{target}`"
            )));
        };
        if seen.contains(&collection.uri()) {
            return Err(AppError::Invalid(format!(
                "`{target}` cannot be both a source and the target"
            )));
        }
        collections::check(app, user, &collection, true).await?;
    }
    let me = format!("medley:playlist:{id}");
    let mut graph = app.store.composite_graph().await?;
    graph.insert(
        me.clone(),
        composite.sources.iter().map(|s| s.uri.clone()).collect(),
    );
    if let Some(cycle) = find_cycle(&me, &graph) {
        return Err(AppError::Conflict(format!(
            "these sources would make a cycle: {}",
            cycle.join(" → ")
        )));
    }
    Ok(())
}

/// Makes a playlist composite (or changes its sources and options) and syncs it.
pub async fn configure(
    app: &App,
    user: &User,
    id: &PlaylistId,
    composite: &Composite,
) -> AppResult<Report> {
    validate(app, user, id, composite).await?;
    attach(app, id, composite).await
}

/// Stores an already checked composition for playlist `id` and syncs it.
pub async fn attach(app: &App, id: &PlaylistId, composite: &Composite) -> AppResult<Report> {
    app.store.put_composite(id, composite, now_ms()).await?;
    app.caches.forget_playlist(id);
    sync(app, id).await
}

/// What a proposed composition would add and remove, without changing anything.
pub async fn preview(
    app: &App,
    user: &User,
    id: &PlaylistId,
    composite: &Composite,
) -> AppResult<Report> {
    validate(app, user, id, composite).await?;
    let ledger = app
        .store
        .composite(id)
        .await?
        .map(|s| s.ledger)
        .unwrap_or_default();
    Ok(plan(app, id, composite, &ledger, &mut Work::fresh())
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

/// Creates a playlist `user` owns, a composite of `composition` when one is given (its sources
/// checked before anything is written, and synced at once), and answers it as stored.
pub async fn create_playlist(
    app: &App,
    user: &User,
    details: NewDetails,
    composition: Option<&Composite>,
) -> AppResult<Playlist> {
    let details = details.check()?;
    let id = PlaylistId::new();
    if let Some(c) = composition {
        check_sources(app, user, &id, c).await?;
    }
    let playlist = playlists::create(app, user, &id, details).await?;
    match composition {
        None => Ok(playlist),
        Some(c) => {
            attach(app, &id, c).await?;
            playlists::current(app, &id).await
        }
    }
}

/// The composition of a playlist `user` owns, with its ledger and last report.
pub async fn read(app: &App, user: &User, id: &PlaylistId) -> AppResult<StoredComposite> {
    owned(app, id, user).await?;
    app.store
        .composite(id)
        .await?
        .ok_or_else(|| not_composite(id))
}

fn not_composite(id: &PlaylistId) -> AppError {
    AppError::NotFound(format!("playlist `{id}` is not a composite"))
}

/// Turns a composite `user` owns back into a plain playlist; its items stay.
pub async fn remove(app: &App, user: &User, id: &PlaylistId) -> AppResult<()> {
    owned(app, id, user).await?;
    app.caches.forget_ledger(id);
    if !app.store.delete_composite(id).await? {
        return Err(not_composite(id));
    }
    app.caches.forget_playlist(id);
    Ok(())
}

/// The tracks the owner removed from a composite, which its sources will not bring back.
pub async fn suppressed(app: &App, user: &User, id: &PlaylistId) -> AppResult<Vec<TrackId>> {
    let stored = read(app, user, id).await?;
    Ok(stored
        .ledger
        .suppressed()
        .map(|(_, e)| e.track.id.clone())
        .collect())
}

/// Syncs a composite `user` owns now, and answers what changed.
pub async fn sync_now(app: &App, user: &User, id: &PlaylistId) -> AppResult<Report> {
    owned(app, id, user).await?;
    sync_with(app, id, |_| {}, true).await
}

/// Clears the tombstones of 1 to 100 tracks (by URI) in a composite `user` owns, and syncs it:
/// a restored track comes back if the rule says so.
pub async fn restore(
    app: &App,
    user: &User,
    id: &PlaylistId,
    uris: &[String],
) -> AppResult<Report> {
    owned(app, id, user).await?;
    if uris.is_empty() || uris.len() > 100 {
        return Err(AppError::Invalid(
            "`uris` must list 1 to 100 track URIs".into(),
        ));
    }
    let ids = playlists::resolve_tracks(app, uris).await?;
    sync_with(
        app,
        id,
        |ledger| {
            ledger.restore(&ids);
        },
        true,
    )
    .await
}

/// Where a track of a composite came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The URIs of the sources that bring it.
    pub sources: Vec<String>,
    /// Whether the owner added it directly.
    pub direct: bool,
}

/// Where each of these tracks of playlist `id` came from, by track id (none when the playlist
/// is not a composite, or for a track its ledger does not know).
pub async fn origins(
    app: &App,
    id: &PlaylistId,
    track_ids: &[TrackId],
) -> AppResult<HashMap<TrackId, Origin>> {
    let Some(stored) = app.store.composite(id).await? else {
        return Ok(HashMap::new());
    };
    let mut keys = Keys::new(stored.composite.options.identity);
    for (key, entry) in &stored.ledger.entries {
        keys.remember(key, &entry.track);
    }
    let tracks = app.store.tracks(track_ids).await?;
    Ok(tracks
        .iter()
        .filter_map(|t| {
            let entry = stored.ledger.entries.get(&keys.key(&engine_track(t)))?;
            Some((
                t.id.clone(),
                Origin {
                    sources: entry.contributors.keys().cloned().collect(),
                    direct: entry.direct,
                },
            ))
        })
        .collect())
}
