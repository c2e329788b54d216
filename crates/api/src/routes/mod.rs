//! HTTP handlers, one file per area. Each handler parses, calls a service or the store, and
//! renders; none schedules work or has side effects beyond its own request.

use axum::Router;

use crate::state::AppState;

pub mod accounts;
pub mod admin_users;
pub mod album_covers;
pub mod catalog;
pub mod catalog_many;
pub mod compositions;
pub mod connections;
pub mod following;
pub mod imports;
pub mod items;
pub mod library;
pub mod library_files;
pub mod library_scans;
pub mod listenbrainz;
pub mod ops;
pub mod playlist_covers;
pub mod playlists;
pub mod plays;
pub mod saved_albums;
pub mod search;
pub mod shows;
pub mod shows_live;
pub mod spotify_sign_in;
pub mod stats;
pub mod stream;
pub mod subsonic;
pub mod sync_jobs;
pub mod tokens;
pub mod web_session;

/// Every `/v1` route.
pub fn api() -> Router<AppState> {
    Router::new()
        .merge(accounts::routes())
        .merge(catalog::routes())
        .merge(catalog_many::routes())
        .merge(following::routes())
        .merge(saved_albums::routes())
        .merge(album_covers::routes())
        .merge(playlist_covers::routes())
        .merge(compositions::routes())
        .merge(connections::routes())
        .merge(spotify_sign_in::routes())
        .merge(search::routes())
        .merge(playlists::routes())
        .merge(items::routes())
        .merge(library::routes())
        .merge(sync_jobs::routes())
        .merge(imports::routes())
        .merge(plays::routes())
        .merge(listenbrainz::routes())
        .merge(stats::routes())
        .merge(web_session::routes())
        .merge(shows::routes())
        .merge(shows_live::routes())
        .merge(library_scans::routes())
        .merge(library_files::routes())
        .merge(stream::routes())
        .merge(tokens::routes())
        .merge(admin_users::routes())
        .merge(subsonic::keys::routes())
}

/// Splits Spotify's comma-separated `ids` parameter, checking count and shape.
pub fn split_ids(ids: &str, max: usize) -> crate::error::ApiResult<Vec<String>> {
    let list: Vec<String> = ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if list.is_empty() || list.len() > max {
        return Err(crate::error::ApiError::BadRequest(format!(
            "`ids` must list 1 to {max} comma-separated ids"
        )));
    }
    Ok(list)
}

/// Like [`split_ids`], for a parameter whose ids name one kind of object.
pub fn split_ids_of<T: From<String>>(ids: &str, max: usize) -> crate::error::ApiResult<Vec<T>> {
    Ok(split_ids(ids, max)?.into_iter().map(T::from).collect())
}
