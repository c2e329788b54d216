//! Medley's playlists as players list and edit them. Edits go through
//! [`crate::playlists::edit`], the same use case as the Web API's, so composites learn their
//! owner's edits (added songs are the owner's own, removed ones stay out) and the same
//! permissions hold: a private playlist of someone else is "not found", a playlist one may
//! read but not change is "not authorized".
//!
//! A player sees only the songs of a playlist that have audio; the indexes it sends
//! (`songIndexToRemove`) count those songs only and are mapped back to positions here.

use medley_domain::playlist::{validate_description, validate_name, Playlist, PlaylistItem};
use medley_domain::user::User;
use medley_domain::{PlaylistId, TrackId};
use medley_store::{DetailsChange, ItemsEdit};

use super::library::Library;
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::playlists::{self, edit, owned, visible, NewDetails};
use crate::App;

/// A playlist and the items a player sees (those with audio), with their positions.
pub struct Listed {
    pub playlist: Playlist,
    pub items: Vec<PlaylistItem>,
}

/// The playlists of `username` (the caller's own when `None`) that the caller may see.
pub async fn list(app: &App, user: &User, username: Option<&str>) -> AppResult<Vec<Playlist>> {
    let owner = match username {
        None => user.clone(),
        Some(name) if name == user.username => user.clone(),
        Some(name) => app
            .store
            .user_by_username(name)
            .await?
            .map(|(u, _)| u)
            .ok_or_else(|| AppError::not_found(&format!("user `{name}`")))?,
    };
    let (playlists, _) = app.store.user_playlists(&owner.id, i64::MAX, 0).await?;
    let mut out = Vec::with_capacity(playlists.len());
    for p in playlists {
        if owner.id == user.id || visible(app, &p.id, Some(user)).await.is_ok() {
            out.push(p);
        }
    }
    Ok(out)
}

/// A playlist the caller may see, with the items that have audio.
pub async fn get(app: &App, user: &User, lib: &Library, id: &PlaylistId) -> AppResult<Listed> {
    let (playlist, _) = visible(app, id, Some(user)).await?;
    let items = app
        .store
        .playlist_items(id, i64::MAX, 0)
        .await?
        .into_iter()
        .filter(|i| lib.song(&i.track_id).is_some())
        .collect();
    Ok(Listed { playlist, items })
}

/// Checks that every id is a song of the library.
fn songs(lib: &Library, ids: &[String]) -> AppResult<Vec<TrackId>> {
    ids.iter()
        .map(|id| {
            lib.song(id)
                .map(|s| s.id.clone())
                .ok_or_else(|| super::browse::not_found("song", id))
        })
        .collect()
}

/// A new private playlist of the caller's, holding `song_ids` in order.
pub async fn create(
    app: &App,
    user: &User,
    lib: &Library,
    name: &str,
    song_ids: &[String],
) -> AppResult<Playlist> {
    let details = NewDetails {
        name: name.to_owned(),
        description: None,
        public: Some(false),
        collaborative: Some(false),
    }
    .check()?;
    let tracks = songs(lib, song_ids)?;
    let playlist = playlists::create(app, user, &PlaylistId::new(), details).await?;
    if tracks.is_empty() {
        return Ok(playlist);
    }
    let outcome = edit(
        app,
        user,
        &playlist.id,
        None,
        ItemsEdit::Add {
            track_ids: tracks,
            position: None,
        },
    )
    .await?;
    Ok(outcome.playlist)
}

/// Replaces a playlist's items with `song_ids` (`createPlaylist` with a `playlistId`).
pub async fn replace(
    app: &App,
    user: &User,
    lib: &Library,
    id: &PlaylistId,
    song_ids: &[String],
) -> AppResult<Playlist> {
    let tracks = songs(lib, song_ids)?;
    let outcome = edit(
        app,
        user,
        id,
        None,
        ItemsEdit::Replace { track_ids: tracks },
    )
    .await?;
    Ok(outcome.playlist)
}

/// What `updatePlaylist` changes.
#[derive(Debug, Default)]
pub struct Update {
    pub name: Option<String>,
    pub comment: Option<String>,
    pub public: Option<bool>,
    pub add: Vec<String>,
    /// Indexes among the songs the player sees.
    pub remove: Vec<i64>,
}

/// Changes details (owner only) and items (whoever may edit it).
pub async fn update(
    app: &App,
    user: &User,
    lib: &Library,
    id: &PlaylistId,
    u: Update,
) -> AppResult<()> {
    let (current, _) = visible(app, id, Some(user)).await?;
    let details = u.name.is_some() || u.comment.is_some() || u.public.is_some();
    if details {
        owned(app, id, user).await?;
        if let Some(name) = &u.name {
            validate_name(name)?;
        }
        if let Some(c) = &u.comment {
            validate_description(c)?;
        }
        if u.public == Some(true) && current.collaborative {
            return Err(AppError::Invalid(
                "a collaborative playlist cannot be public: make it not collaborative first".into(),
            ));
        }
    }
    let additions = songs(lib, &u.add)?;
    let removals = if u.remove.is_empty() {
        vec![]
    } else {
        let seen = get(app, user, lib, id).await?.items;
        let mut at = Vec::with_capacity(u.remove.len());
        for &i in &u.remove {
            let item = usize::try_from(i)
                .ok()
                .and_then(|i| seen.get(i))
                .ok_or_else(|| {
                    AppError::Invalid(format!(
                        "`songIndexToRemove` {i} is out of range: the playlist has {} songs \
                         (indexes start at 0)",
                        seen.len()
                    ))
                })?;
            at.push((item.position, item.track_id.clone()));
        }
        at.sort();
        at.dedup();
        at
    };
    if details {
        let change = DetailsChange {
            name: u.name,
            description: u.comment,
            public: u.public,
            collaborative: None,
        };
        playlists::write_details(app, id, change).await?;
    }
    if !removals.is_empty() {
        // Each removal names the song it expects at its position: a playlist changed since
        // the indexes were read is refused (and changes nothing) rather than edited wrongly.
        edit(app, user, id, None, ItemsEdit::RemoveAt { items: removals }).await?;
    }
    if !additions.is_empty() {
        edit(
            app,
            user,
            id,
            None,
            ItemsEdit::Add {
                track_ids: additions,
                position: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// Deletes a playlist (its owner only). Composites that read it keep what it gave them and
/// report the source as unreadable.
pub async fn delete(app: &App, user: &User, id: &PlaylistId) -> AppResult<()> {
    owned(app, id, user).await?;
    let deleted = app.store.delete_playlist(id, now_ms()).await;
    app.caches.forget_playlist(id);
    if !deleted? {
        return Err(AppError::not_found(&format!("playlist `{id}`")));
    }
    app.wake_worker.notify_one();
    Ok(())
}
