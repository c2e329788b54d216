//! Spotify collections (playlists and Liked Songs) as sources and targets: reading them into
//! catalog tracks through the owner's connection, reusing the last read while the sweep says
//! nothing changed, and adding to them in batches.
//!
//! A read that fails for any reason (no connection, a refused token, a 403, a short page, the
//! quota) is a failure of that source, never an empty one: callers freeze its contributions.

use std::collections::HashMap;

use medley_compose::SourceItem;
use medley_domain::catalog::{NewTrack, MAX_TRACKS_PER_WRITE};
use medley_domain::user::User;
use medley_domain::{TrackId, UserId};
use medley_spotify::objects::Playable;
use medley_spotify::{uri, Collection, Kind, SpotifyError};
use medley_store::{Connection, ConnectionStatus};

use crate::catalog::add_tracks;
use crate::catalog::engine_track;
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::jobs::JobKind;
use crate::App;

/// Marks a collection being written: no stored read vouches for it until the write's own
/// snapshot does.
const WRITING: &str = "writing";

/// One piece of work with Spotify (a sync, a sync-job run): the requests it spent, summed over
/// its sessions, and whether it must read every collection anew (a sync the user asked for)
/// rather than reuse a read the last sweep vouches for.
#[derive(Debug, Default)]
pub struct Work {
    pub requests: u64,
    pub fresh: bool,
    /// Collections served from a stored read rather than read now.
    pub reused: Vec<String>,
}

impl Work {
    pub fn fresh() -> Work {
        Work {
            fresh: true,
            ..Work::default()
        }
    }
}

/// The connection through which `owner` reaches `collection`: for Liked Songs the one linked
/// to that very account; for a playlist the first active one.
pub async fn connection_for(
    app: &App,
    owner_id: &UserId,
    collection: &Collection,
) -> AppResult<Option<Connection>> {
    let connections = app.store.connections(owner_id).await?;
    Ok(pick(&connections, collection).cloned())
}

/// Which of an owner's `connections` reaches `collection`: for Liked Songs the one linked to
/// that account; for a playlist the first active one (or the first, when none is active).
pub fn pick<'c>(connections: &'c [Connection], collection: &Collection) -> Option<&'c Connection> {
    let reaches = |c: &&Connection| match collection {
        Collection::LikedSongs { user_id } => &c.spotify_user_id == user_id,
        Collection::Playlist(_) => true,
    };
    let mut candidates = connections.iter().filter(reaches);
    let first = candidates.clone().next();
    candidates
        .find(|c| c.status == ConnectionStatus::Active)
        .or(first)
}

/// Spotify and the connection through which `owner` reaches `collection`, or 409 saying to
/// connect one.
async fn reach<'a>(
    app: &'a App,
    owner: &User,
    collection: &Collection,
) -> AppResult<(&'a std::sync::Arc<super::Spotify>, Connection)> {
    let spotify = app.spotify()?;
    let connection = connection_for(app, &owner.id, collection)
        .await?
        .ok_or_else(|| AppError::Conflict(no_connection(collection)))?;
    Ok((spotify, connection))
}

fn no_connection(collection: &Collection) -> String {
    match collection {
        Collection::LikedSongs { user_id } => format!(
            "no Spotify account `{user_id}` is connected: link it with POST /v1/connections/spotify"
        ),
        Collection::Playlist(_) => {
            "no Spotify account is connected: link one with POST /v1/connections/spotify".into()
        }
    }
}

/// Reads a collection for `owner`: `Ok(Err(reason))` when it cannot be read now.
pub async fn read(
    app: &App,
    owner: &User,
    collection: &Collection,
    work: &mut Work,
) -> AppResult<Result<Vec<SourceItem>, String>> {
    let spotify = app.spotify()?;
    let Some(connection) = connection_for(app, &owner.id, collection).await? else {
        return Ok(Err(no_connection(collection)));
    };
    let uri = collection.uri();
    let cached = app.store.collection(&connection.id, &uri).await?;
    if cached.fresh() && !work.fresh {
        if let Some(items) = decode(cached.items.as_deref()) {
            work.reused.push(uri);
            return Ok(Ok(source_items(app, &items).await?));
        }
    }
    if let Some(why) = super::must_reconnect(&connection) {
        return Ok(Err(why));
    }
    let session = spotify.session(&app.store, &connection).await?;
    let read: Result<Vec<(Playable, Option<i64>)>, SpotifyError> = match collection {
        Collection::Playlist(id) => session.playlist_items(id).await.map(|c| {
            c.items
                .into_iter()
                .filter(|i| i.kind == Kind::Track)
                .map(|i| {
                    // Compare and remove by the URI the playlist holds (relinked tracks).
                    let mut p = i.playable;
                    p.uri = i.uri;
                    (p, None)
                })
                .collect()
        }),
        Collection::LikedSongs { .. } => session.liked_tracks().await.map(|saved| {
            // Spotify lists Liked Songs newest first; Medley keeps them oldest first, the
            // order in which they were added, like a playlist.
            saved
                .into_iter()
                .rev()
                .filter_map(|s| Some((s.track?, s.added_at.as_deref().and_then(parse_time))))
                .collect()
        }),
    };
    spotify
        .settle(app.store.as_ref(), &connection, &session, &read)
        .await?;
    work.requests += session.meter().total();
    let read = match read {
        Ok(r) => r,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let ids = catalog_ids(app, read.iter().map(|(p, _)| p)).await?;
    let items: Vec<(TrackId, Option<i64>)> = ids
        .into_iter()
        .zip(read.iter().map(|(_, at)| *at))
        .filter_map(|(id, at)| Some((id?, at)))
        .collect();
    let json = serde_json::to_string(&items).expect("items serialise");
    // The read is as of the snapshot the sweep saw, if that is a snapshot at all.
    let vouched = cached.seen_snapshot.as_deref().filter(|s| *s != WRITING);
    app.store
        .put_collection_read(&connection.id, &uri, vouched, &json, now_ms())
        .await?;
    Ok(Ok(source_items(app, &items).await?))
}

/// Whether a playlist is still as Medley last read or wrote it (one request for its snapshot).
/// If not, the stored read is set aside so that the next read fetches it.
pub async fn unchanged(
    app: &App,
    owner: &User,
    collection: &Collection,
    work: &mut Work,
) -> AppResult<bool> {
    let Collection::Playlist(id) = collection else {
        return Ok(false);
    };
    let (spotify, connection) = reach(app, owner, collection).await?;
    let uri = collection.uri();
    let cached = app.store.collection(&connection.id, &uri).await?;
    let session = spotify.session(&app.store, &connection).await?;
    let meta = session.playlist(id).await;
    spotify
        .settle(app.store.as_ref(), &connection, &session, &meta)
        .await?;
    work.requests += session.meter().total();
    let meta = meta.map_err(|e| AppError::upstream("Spotify", e))?;
    if cached.read_snapshot.as_deref() == Some(meta.snapshot_id.as_str()) {
        return Ok(true);
    }
    app.store
        .saw_snapshots(&connection.id, &[(uri, meta.snapshot_id)])
        .await?;
    Ok(false)
}

/// Adds catalog tracks to a collection the owner may change, 100 (playlists) or 50 (Liked
/// Songs) a request. Tracks Spotify does not know (no Spotify id) are left out and counted.
/// Returns how many were left out.
pub async fn add(
    app: &App,
    owner: &User,
    collection: &Collection,
    track_ids: &[TrackId],
    work: &mut Work,
) -> AppResult<usize> {
    let tracks = app.store.tracks(track_ids).await?;
    let on_spotify: Vec<&medley_domain::catalog::Track> =
        tracks.iter().filter(|t| t.spotify_id.is_some()).collect();
    let left_out = track_ids.len() - on_spotify.len();
    if on_spotify.is_empty() {
        return Ok(left_out);
    }
    let uris: Vec<String> = on_spotify
        .iter()
        .filter_map(|t| t.spotify_id.as_ref())
        .map(|i| format!("spotify:track:{i}"))
        .collect();
    let added: Vec<TrackId> = on_spotify.iter().map(|t| t.id.clone()).collect();
    write(
        app,
        owner,
        collection,
        &[],
        &uris,
        After::Appended(&added),
        work,
    )
    .await?;
    Ok(left_out)
}

/// What a collection holds after a write, as far as Medley can tell without reading it.
pub enum After<'a> {
    /// Exactly these catalog tracks, in order.
    Exactly(&'a [TrackId]),
    /// What it held before, with these appended.
    Appended(&'a [TrackId]),
}

/// Removes URIs (every copy), then appends URIs, in batches. Afterwards the stored read is
/// brought up to date (so the next sweep does not send Medley to read what it just wrote),
/// and composites reading the collection are queued to follow it. A failure leaves the stored
/// read unusable, so that the next sync reads the collection as it really is.
pub async fn write(
    app: &App,
    owner: &User,
    collection: &Collection,
    remove: &[String],
    append: &[String],
    after: After<'_>,
    work: &mut Work,
) -> AppResult<()> {
    let (spotify, connection) = reach(app, owner, collection).await?;
    let uri = collection.uri();
    let cached = app.store.collection(&connection.id, &uri).await?;
    let session = spotify.session(&app.store, &connection).await?;
    app.store
        .saw_snapshots(&connection.id, &[(uri.clone(), WRITING.into())])
        .await?;
    let written: Result<Option<String>, SpotifyError> = async {
        match collection {
            Collection::Playlist(id) => {
                let mut snapshot = session.remove_items(id, remove).await?;
                if !append.is_empty() {
                    snapshot = session.add_items(id, append, None).await?;
                }
                Ok(snapshot)
            }
            Collection::LikedSongs { .. } => {
                let ids = |uris: &[String]| -> Vec<String> {
                    uris.iter()
                        .filter_map(|u| uri::track_id(u))
                        .map(str::to_owned)
                        .collect()
                };
                session.unsave_tracks(&ids(remove)).await?;
                session.save_tracks(&ids(append)).await?;
                Ok(None)
            }
        }
    }
    .await;
    spotify
        .settle(app.store.as_ref(), &connection, &session, &written)
        .await?;
    work.requests += session.meter().total();
    let snapshot = written.map_err(|e| AppError::Upstream {
        service: "Spotify".into(),
        source: e.into(),
        then: "; the next sync finds out what was written and finishes the change",
    })?;
    let now = now_ms();
    let previous = decode(cached.items.as_deref()).filter(|_| cached.fresh());
    let items: Option<Vec<(TrackId, Option<i64>)>> = match after {
        After::Exactly(ids) => {
            let known: HashMap<&str, Option<i64>> = previous
                .iter()
                .flatten()
                .map(|(id, at)| (id.as_str(), *at))
                .collect();
            Some(
                ids.iter()
                    .map(|id| {
                        (
                            id.clone(),
                            known.get(id.as_str()).copied().unwrap_or(Some(now)),
                        )
                    })
                    .collect(),
            )
        }
        After::Appended(ids) => previous.map(|mut items| {
            items.extend(ids.iter().map(|id| (id.clone(), Some(now))));
            items
        }),
    };
    if let (Some(snapshot), Some(items)) = (snapshot, items) {
        let json = serde_json::to_string(&items).expect("items serialise");
        app.store
            .put_collection_read(&connection.id, &uri, Some(&snapshot), &json, now)
            .await?;
    }
    for composite in app.store.composites_using(&uri).await? {
        app.store
            .enqueue(JobKind::Composite, &composite, "", now, now)
            .await?;
        app.wake_worker.notify_one();
    }
    Ok(())
}

fn decode(items: Option<&str>) -> Option<Vec<(TrackId, Option<i64>)>> {
    serde_json::from_str(items?).ok()
}

/// An RFC 3339 time from Spotify, in Unix ms.
pub fn parse_time(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

async fn source_items(app: &App, items: &[(TrackId, Option<i64>)]) -> AppResult<Vec<SourceItem>> {
    let ids: Vec<TrackId> = items.iter().map(|(id, _)| id.clone()).collect();
    let tracks = app.store.tracks(&ids).await?;
    let by_id: HashMap<&str, _> = tracks.iter().map(|t| (t.id.as_str(), t)).collect();
    Ok(items
        .iter()
        .filter_map(|(id, at)| {
            by_id.get(id.as_str()).map(|t| SourceItem {
                track: engine_track(t),
                added_at_ms: *at,
            })
        })
        .collect())
}

/// Catalog track ids for Spotify tracks, creating the ones the catalog lacks (with their
/// Spotify id and ISRC). `None` for what cannot be a catalog track.
pub async fn catalog_ids<'a>(
    app: &App,
    playables: impl Iterator<Item = &'a Playable>,
) -> AppResult<Vec<Option<TrackId>>> {
    let playables: Vec<&Playable> = playables.collect();
    let spotify_ids: Vec<Option<String>> = playables
        .iter()
        .map(|p| uri::track_id(&p.uri).map(str::to_owned))
        .collect();
    let wanted: Vec<String> = spotify_ids.iter().flatten().cloned().collect();
    let mut known = app.store.tracks_by_spotify_ids(&wanted).await?;
    let mut missing: Vec<NewTrack> = Vec::new();
    let mut queued = std::collections::HashSet::new();
    for (p, id) in playables.iter().zip(&spotify_ids) {
        let Some(id) = id else { continue };
        if known.contains_key(id) || !queued.insert(id.clone()) {
            continue;
        }
        let track = new_track(p, id);
        if track.validate().is_ok() {
            missing.push(track);
        }
    }
    for chunk in missing.chunks(MAX_TRACKS_PER_WRITE) {
        for t in add_tracks(app, chunk.to_vec()).await? {
            if let Some(sid) = t.spotify_id.clone() {
                known.insert(sid, t.id);
            }
        }
    }
    Ok(spotify_ids
        .into_iter()
        .map(|id| id.and_then(|id| known.get(&id).cloned()))
        .collect())
}

fn new_track(p: &Playable, spotify_id: &str) -> NewTrack {
    NewTrack {
        name: p.name.clone(),
        artists: p.artists.iter().map(|a| a.name.clone()).collect(),
        album: p.album.as_ref().map(|a| a.name.clone()),
        duration_ms: p.duration_ms as i64,
        isrc: p.isrc().map(str::to_owned),
        explicit: p.explicit,
        spotify_id: Some(spotify_id.to_owned()),
        ..NewTrack::default()
    }
}

/// Checks, when a composite or a job is set up, that `owner` can read (or, with `write`,
/// change) a Spotify collection: a connected account that reaches it, and for a playlist one
/// it owns or collaborates on, since Spotify shows other playlists' items to no app.
pub async fn check(app: &App, owner: &User, collection: &Collection, write: bool) -> AppResult<()> {
    let Some(spotify) = &app.spotify else {
        return Err(AppError::Invalid(format!(
            "`{collection}` is on Spotify, and this server has no Spotify app configured (its \
             operator sets MEDLEY_SPOTIFY_CLIENT_ID)"
        )));
    };
    let connection = connection_for(app, &owner.id, collection)
        .await?
        .ok_or_else(|| AppError::Conflict(no_connection(collection)))?;
    let Collection::Playlist(id) = collection else {
        return Ok(());
    };
    let session = spotify.session(&app.store, &connection).await?;
    let meta = session.playlist(id).await;
    spotify
        .settle(app.store.as_ref(), &connection, &session, &meta)
        .await?;
    let uri = collection.uri();
    let meta = match meta {
        Ok(m) => m,
        Err(SpotifyError::NotFound(_)) | Err(SpotifyError::BadRequest(_)) => {
            return Err(AppError::NotFound(format!(
                "`{uri}` does not exist on Spotify or is not visible to `{}`",
                connection.spotify_user_id
            )))
        }
        Err(e) => return Err(AppError::upstream("Spotify", e)),
    };
    let owns = meta.owner.id == connection.spotify_user_id;
    if !owns && !meta.collaborative {
        let what = if write { "change" } else { "read the items of" };
        return Err(AppError::Forbidden(format!(
            "Spotify lets apps {what} only playlists the account owns or collaborates on; \
             `{uri}` belongs to `{}`. Copy it into a playlist of your own in Spotify first",
            meta.owner.id
        )));
    }
    Ok(())
}
