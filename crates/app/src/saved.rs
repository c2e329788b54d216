//! What a user keeps: liked songs (which publish `SavedTracksChanged`, a source of composites
//! and sync jobs) and saved albums.

use medley_domain::catalog::Album;
use medley_domain::paging::Page;
use medley_domain::user::User;
use medley_domain::{AlbumId, TrackId};
use medley_events::Event;

use crate::catalog::{known_tracks, stored_albums};
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::App;

/// A page of `user`'s liked songs, most recent first: `(track_id, added_at_ms)`, and the total.
pub async fn tracks(app: &App, user: &User, page: Page) -> AppResult<(Vec<(TrackId, i64)>, i64)> {
    Ok(app
        .store
        .saved_tracks(&user.id, page.limit, page.offset)
        .await?)
}

/// Likes catalog tracks (an unknown id refuses them all), and announces the new ones.
pub async fn save_tracks(app: &App, user: &User, ids: Vec<TrackId>) -> AppResult<()> {
    let ids = known_tracks(app, ids).await?;
    let added = app.store.save_tracks(&user.id, &ids, now_ms()).await?;
    if !added.is_empty() {
        app.bus.publish(Event::SavedTracksChanged {
            user_id: user.id.clone(),
            added,
            removed: vec![],
        });
    }
    Ok(())
}

/// Unlikes tracks, and announces the ones that were liked.
pub async fn unsave_tracks(app: &App, user: &User, ids: &[TrackId]) -> AppResult<()> {
    let removed = app.store.unsave_tracks(&user.id, ids).await?;
    if !removed.is_empty() {
        app.bus.publish(Event::SavedTracksChanged {
            user_id: user.id.clone(),
            added: vec![],
            removed,
        });
    }
    Ok(())
}

/// Whether `user` likes each track.
pub async fn tracks_contain(app: &App, user: &User, ids: &[TrackId]) -> AppResult<Vec<bool>> {
    Ok(app.store.saved_contains(&user.id, ids).await?)
}

/// A page of `user`'s saved albums, most recently saved first, with when each was saved, and
/// the total (an album gone from the catalog is left out of the page).
pub async fn albums(app: &App, user: &User, page: Page) -> AppResult<(Vec<(Album, i64)>, i64)> {
    let (rows, total) = app
        .store
        .saved_albums(&user.id, page.limit, page.offset)
        .await?;
    let ids: Vec<AlbumId> = rows.iter().map(|(id, _)| id.clone()).collect();
    let albums = stored_albums(app, &ids).await?;
    let saved = rows
        .iter()
        .filter_map(|(id, at)| {
            albums
                .iter()
                .find(|a| &a.id == id)
                .map(|a| (a.clone(), *at))
        })
        .collect();
    Ok((saved, total))
}

/// Saves catalog albums (an unknown id refuses them all; saved ones keep their date).
pub async fn save_albums(app: &App, user: &User, ids: &[AlbumId]) -> AppResult<()> {
    let known = stored_albums(app, ids).await?;
    if let Some(missing) = ids.iter().find(|id| !known.iter().any(|a| &a.id == *id)) {
        return Err(AppError::Invalid(format!(
            "`{missing}` is not an album in the catalog"
        )));
    }
    app.store.save_albums(&user.id, ids, now_ms()).await?;
    Ok(())
}

/// Removes albums from `user`'s saved ones.
pub async fn unsave_albums(app: &App, user: &User, ids: &[AlbumId]) -> AppResult<()> {
    app.store.unsave_albums(&user.id, ids).await?;
    Ok(())
}

/// Whether `user` saved each album.
pub async fn albums_contain(app: &App, user: &User, ids: &[AlbumId]) -> AppResult<Vec<bool>> {
    Ok(app.store.saved_albums_contain(&user.id, ids).await?)
}
