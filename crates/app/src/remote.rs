//! With several nodes: what this node does about what the others publish. Each node keeps its
//! own caches and search index; a write on another node reaches them here, within the delay of
//! one NATS message.
//!
//! - caches another node dropped are dropped here too (tokens after a logout or a password
//!   change, playlist metadata, rendered tracks, kept ledgers, tracks' audio files);
//! - tracks another node added or changed are read from the database into this node's search
//!   index;
//! - a playlist change wakes this node's worker, so the composites reading it are resynced
//!   at once by whichever node leases the work;
//! - a pause Spotify gave another node's request holds this node's requests too;
//! - a deleted account's tokens, listening history, playback and playlists are dropped.
//!
//! Statistics need nothing: every question checks the store's play version first. When
//! events may have been missed (the link to NATS was down, or this node fell behind), every
//! cache is dropped and the search index is filled again from the database.

use medley_domain::causes::Causes;
use medley_events::{Event, Remote};
use tokio_util::sync::CancellationToken;

use crate::cache::Dropped;
use crate::catalog::{index_tracks, rebuild_search_index};
use crate::error::AppResult;
use crate::App;

/// Follows the other nodes until `stop` fires. Does nothing when the bus is not linked.
pub async fn follow(app: App, stop: CancellationToken) {
    if !app.bus.is_linked() {
        return;
    }
    let mut remote = app.bus.subscribe_remote();
    loop {
        let notice = tokio::select! {
            _ = stop.cancelled() => return,
            notice = remote.next() => notice,
        };
        let Some(notice) = notice else { return };
        if let Err(e) = apply(&app, notice).await {
            tracing::error!(error = %Causes(&e), "applying another node's change; reading everything again");
            if let Err(e) = resync(&app).await {
                tracing::error!(error = %Causes(&e), "reading the catalog again for search");
            }
        }
    }
}

/// Applies one notice from another node.
pub async fn apply(app: &App, notice: Remote) -> AppResult<()> {
    let event = match notice {
        Remote::Event(event) => event,
        Remote::Missed => return resync(app).await,
    };
    match &*event {
        Event::CachesInvalidated {
            playlists,
            tracks,
            ledgers,
            tokens,
            audio,
        } => app.caches.apply_remote(Dropped {
            playlists,
            tracks,
            ledgers,
            tokens: *tokens,
            audio: *audio,
        }),
        Event::TracksUpserted { track_ids } => {
            app.caches.apply_remote(Dropped {
                tracks: track_ids,
                ..Dropped::default()
            });
            let stored = app.store.tracks(track_ids).await?;
            index_tracks(&app.search, &stored)?;
        }
        Event::PlaylistItemsChanged(change) => {
            app.caches.apply_remote(Dropped {
                playlists: std::slice::from_ref(&change.playlist_id),
                ..Dropped::default()
            });
            app.wake_worker.notify_one();
        }
        Event::PlaylistDetailsChanged { playlist_id, .. } => {
            app.caches.apply_remote(Dropped {
                playlists: std::slice::from_ref(playlist_id),
                ..Dropped::default()
            });
            app.wake_worker.notify_one();
        }
        Event::UserDeleted { user_id, playlists } => {
            // Its uploads went with it.
            app.caches.apply_remote(Dropped {
                playlists,
                tokens: true,
                audio: true,
                ..Dropped::default()
            });
            crate::account_deletion::forget_in_memory(app, user_id);
            app.shows.expel(user_id).await;
            app.wake_worker.notify_one();
        }
        Event::SpotifyPaused {
            client_id,
            rate_until_ms,
            quota_until_ms,
        } => {
            if let Some(spotify) = &app.spotify {
                spotify.merge_remote_pauses(client_id, *rate_until_ms, *quota_until_ms);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Drops every cache and indexes the whole catalog again (upserts: searches keep working
/// meanwhile).
async fn resync(app: &App) -> AppResult<()> {
    app.caches.forget_all_local();
    let started = std::time::Instant::now();
    let tracks = rebuild_search_index(app.store.as_ref(), &app.search).await?;
    tracing::info!(
        tracks,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "read the catalog again after events from other nodes may have been missed"
    );
    Ok(())
}
