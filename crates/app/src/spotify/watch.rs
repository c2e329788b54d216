//! Watching Spotify for changes at the least cost: per connection, one sweep of
//! `GET /me/playlists` (50 playlists a request) yields every playlist's `snapshot_id`, and one
//! request tells whether Liked Songs changed. Collections whose snapshot moved are read again
//! by the syncs this queues; the others cost nothing more.
//!
//! A periodic trigger only enqueues (one watch per connection per interval, through the
//! database queue, so several nodes do not repeat it); the worker runs [`watch`].

use std::collections::BTreeMap;

use medley_spotify::Collection;
use medley_store::ConnectionStatus;

use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::jobs::JobKind;
use crate::App;

/// What one watch saw.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Watched {
    /// Collections in use whose snapshot moved since the last watch.
    pub changed: Vec<String>,
    /// Composites queued to sync.
    pub queued: usize,
    pub requests: u64,
}

/// Sweeps one connection and queues syncs of composites whose Spotify collections changed.
pub async fn watch(app: &App, connection_id: &str) -> AppResult<Watched> {
    let spotify = app.spotify()?;
    let Some(connection) = app.store.connection(connection_id).await? else {
        // Unlinked since the work was queued: nothing to do.
        return Ok(Default::default());
    };
    if connection.status != ConnectionStatus::Active {
        return Ok(Watched::default());
    }
    let mine = |c: &Collection| match c {
        Collection::LikedSongs { user_id } => user_id == &connection.spotify_user_id,
        Collection::Playlist(_) => true,
    };
    let in_use: Vec<Collection> = app
        .store
        .spotify_uris_in_use(&connection.user_id)
        .await?
        .iter()
        .filter_map(|u| Collection::parse(u))
        .filter(mine)
        .collect();
    if in_use.is_empty() {
        return Ok(Watched::default());
    }
    let session = spotify.session(&app.store, &connection).await?;
    let swept = sweep(&session, &in_use).await;
    spotify
        .settle(app.store.as_ref(), &connection, &session, &swept)
        .await?;
    let requests = session.meter().total();
    let seen = swept.map_err(|e| AppError::upstream("Spotify", e))?;
    let mut changed = Vec::new();
    for (uri, snapshot) in &seen {
        let known = app.store.collection(&connection.id, uri).await?;
        if known.seen_snapshot.as_deref() != Some(snapshot.as_str()) {
            changed.push(uri.clone());
        }
    }
    let pairs: Vec<(String, String)> = seen.into_iter().collect();
    app.store.saw_snapshots(&connection.id, &pairs).await?;
    let mut queued = 0;
    let now = now_ms();
    for uri in &changed {
        for composite in app.store.composites_using(uri).await? {
            app.store
                .enqueue(JobKind::Composite, &composite, "", now, now)
                .await?;
            queued += 1;
        }
    }
    if queued > 0 {
        app.wake_worker.notify_one();
    }
    Ok(Watched {
        changed,
        queued,
        requests,
    })
}

/// The current snapshot of each collection in use. A playlist missing from the sweep (deleted,
/// unfollowed) gets a snapshot no read can have, so its stored read is not reused.
async fn sweep(
    session: &medley_spotify::Session,
    in_use: &[Collection],
) -> Result<BTreeMap<String, String>, medley_spotify::SpotifyError> {
    let mut seen = BTreeMap::new();
    if in_use.iter().any(|c| matches!(c, Collection::Playlist(_))) {
        let listed: BTreeMap<String, String> = session
            .my_playlists()
            .await?
            .into_iter()
            .map(|p| (format!("spotify:playlist:{}", p.id), p.snapshot_id))
            .collect();
        for c in in_use {
            if let Collection::Playlist(_) = c {
                let uri = c.uri();
                let snapshot = listed
                    .get(&uri)
                    .cloned()
                    .unwrap_or_else(|| "missing".into());
                seen.insert(uri, snapshot);
            }
        }
    }
    for c in in_use {
        if let Collection::LikedSongs { .. } = c {
            seen.insert(c.uri(), format!("liked:{}", session.liked_marker().await?));
        }
    }
    Ok(seen)
}

/// Queues work of `kind` (a watch, a poll of recently played) for each active connection of
/// the app at the interval boundary after `now_ms`. Returns the boundary, so the caller
/// enqueues again only when it moves; several nodes queue the same boundary once.
pub async fn schedule(app: &App, kind: JobKind, now_ms: i64, interval_ms: i64) -> AppResult<i64> {
    let spotify = app.spotify()?;
    let boundary = (now_ms.div_euclid(interval_ms) + 1) * interval_ms;
    for c in app
        .store
        .app_connections(&spotify.config.app.client_id)
        .await?
    {
        if c.status == ConnectionStatus::Active {
            app.store.enqueue(kind, &c.id, "", boundary, now_ms).await?;
        }
    }
    Ok(boundary)
}
