//! Playlists: `getPlaylists`, `getPlaylist`, `createPlaylist` (new, or replacing the songs of
//! one), `updatePlaylist`, `deletePlaylist`. Medley's playlists, composites included, through
//! the same use cases as the Web API.

use medley_app::playlists::visible;
use medley_app::subsonic::playlists::{self as uses, Update};
use medley_domain::playlist::{Access, Playlist};
use medley_domain::{PlaylistId, TrackId};
use serde_json::json;

use super::model::{value, View};
use super::response::{Failure, Reply};
use super::Call;

/// Whether the caller may not change the playlist's songs.
async fn readonly(c: &Call, p: &Playlist) -> Result<bool, Failure> {
    if p.owner_id == c.user.id {
        return Ok(false);
    }
    let (_, access) = visible(&c.state.app, &p.id, Some(&c.user)).await?;
    Ok(access != Access::Edit)
}

pub async fn list(c: &Call) -> Result<Reply, Failure> {
    let playlists = uses::list(
        &c.state.app,
        &c.user,
        c.params.get("username").filter(|u| !u.is_empty()),
    )
    .await?;
    let (lib, marks) = c.library().await?;
    let view = View {
        lib: &lib,
        marks: &marks,
    };
    let mut out = Vec::with_capacity(playlists.len());
    for p in &playlists {
        let listed = uses::get(&c.state.app, &c.user, &lib, &p.id).await?;
        let songs: Vec<TrackId> = listed.items.into_iter().map(|i| i.track_id).collect();
        out.push(view.playlist(p, &songs, readonly(c, p).await?, false));
    }
    Ok(Reply::Body("playlists", json!({ "playlist": value(out) })))
}

/// A playlist with its songs, as `getPlaylist` and `createPlaylist` answer.
async fn answer(c: &Call, id: &PlaylistId) -> Result<Reply, Failure> {
    let (lib, marks) = c.library().await?;
    let listed = uses::get(&c.state.app, &c.user, &lib, id).await?;
    let songs: Vec<TrackId> = listed.items.into_iter().map(|i| i.track_id).collect();
    let view = View {
        lib: &lib,
        marks: &marks,
    };
    let ro = readonly(c, &listed.playlist).await?;
    Ok(Reply::Body(
        "playlist",
        value(view.playlist(&listed.playlist, &songs, ro, true)),
    ))
}

pub async fn get(c: &Call) -> Result<Reply, Failure> {
    answer(c, &PlaylistId::from(c.params.required("id")?)).await
}

pub async fn create(c: &Call) -> Result<Reply, Failure> {
    let songs = c.params.all("songId");
    let lib = medley_app::subsonic::library::current(&c.state.app).await?;
    let id = match (c.params.get("playlistId").filter(|v| !v.is_empty()), c.params.get("name").filter(|v| !v.is_empty())) {
        (Some(id), _) => {
            let id = PlaylistId::from(id);
            uses::replace(&c.state.app, &c.user, &lib, &id, &songs).await?;
            id
        }
        (None, Some(name)) => {
            uses::create(&c.state.app, &c.user, &lib, name, &songs)
                .await?
                .id
        }
        (None, None) => {
            return Err(Failure::new(
                10,
                "required parameter `name` (a new playlist) or `playlistId` (replace its songs) is missing",
            ))
        }
    };
    answer(c, &id).await
}

pub async fn update(c: &Call) -> Result<Reply, Failure> {
    let id = PlaylistId::from(c.params.required("playlistId")?);
    let remove = c
        .params
        .all("songIndexToRemove")
        .iter()
        .map(|v| {
            v.trim().parse::<i64>().map_err(|_| {
                Failure::invalid(format!(
                    "`songIndexToRemove` must be a whole number, not `{v}`"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let update = Update {
        name: c
            .params
            .get("name")
            .filter(|v| !v.is_empty())
            .map(str::to_owned),
        comment: c.params.get("comment").map(str::to_owned),
        public: c.params.bool("public")?,
        add: c.params.all("songIdToAdd"),
        remove,
    };
    let lib = medley_app::subsonic::library::current(&c.state.app).await?;
    uses::update(&c.state.app, &c.user, &lib, &id, update).await?;
    Ok(Reply::Empty)
}

pub async fn delete(c: &Call) -> Result<Reply, Failure> {
    let id = PlaylistId::from(c.params.required("id")?);
    uses::delete(&c.state.app, &c.user, &id).await?;
    Ok(Reply::Empty)
}
