//! Playlists' cover images: one JPEG per playlist, uploaded by its owner, versioned so that a
//! cover's URL can be cached for ever.

use medley_domain::playlist::Playlist;
use medley_domain::user::User;
use medley_domain::PlaylistId;
use medley_events::Event;
use medley_store::PlaylistCover;

use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::playlists::{owned, visible};
use crate::App;

/// The size and version of the cover of a playlist the caller can see: `(width, height,
/// version)`, or none before one was uploaded.
pub async fn info(
    app: &App,
    viewer: Option<&User>,
    id: &PlaylistId,
) -> AppResult<Option<(i64, i64, i64)>> {
    visible(app, id, viewer).await?;
    Ok(app.store.playlist_cover_info(id).await?)
}

/// Replaces the cover of a playlist `user` owns with a JPEG (already checked to be one, of
/// `width` × `height`): the playlist gets a new snapshot, announced.
pub async fn set(
    app: &App,
    user: &User,
    id: &PlaylistId,
    jpeg: &[u8],
    width: i64,
    height: i64,
) -> AppResult<()> {
    owned(app, id, user).await?;
    let updated = app
        .store
        .set_playlist_cover(id, jpeg, width, height, now_ms())
        .await;
    app.caches.forget_playlist(id);
    updated?;
    if let Some(p) = app.store.playlist(id).await? {
        app.bus.publish(Event::PlaylistDetailsChanged {
            playlist_id: id.to_owned(),
            snapshot_id: p.snapshot_id,
        });
    }
    Ok(())
}

/// The cover of a playlist the caller can see, when `version` is its current one, with the
/// playlist (whether it is public says how the image may be cached).
pub async fn image(
    app: &App,
    viewer: Option<&User>,
    id: &PlaylistId,
    version: Option<i64>,
) -> AppResult<(Playlist, PlaylistCover)> {
    let (playlist, _) = visible(app, id, viewer).await?;
    match app.store.playlist_cover(id).await? {
        Some(c) if Some(c.version) == version => Ok((playlist, c)),
        _ => Err(AppError::NotFound(
            "this playlist has no such cover: GET its `images` for the current one".into(),
        )),
    }
}
