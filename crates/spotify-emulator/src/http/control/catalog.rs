//! Control: tracks, generated tracks, episodes, availability and relinking.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use crate::control::types::*;
use crate::http::error::WebResult;
use crate::http::AppState;
use crate::world::{Episode, Named, Track};

fn created(kind: &str, ids: Vec<String>) -> Json<Created> {
    let uris = ids
        .iter()
        .map(|id| format!("spotify:{kind}:{id}"))
        .collect();
    Json(Created { ids, uris })
}

pub async fn tracks(
    State(s): State<AppState>,
    Json(b): Json<NewTracks>,
) -> WebResult<(StatusCode, Json<Created>)> {
    let mut world = s.lock();
    let mut ids = Vec::new();
    for (n, t) in b.tracks.into_iter().enumerate() {
        let id = t.id.unwrap_or_else(|| world.fresh_id());
        let first_artist = t.artists.first().cloned().unwrap_or_default();
        let mut album = Named::from_name("album", &format!("{first_artist}/{}", t.album));
        album.name = t.album;
        let track = Track {
            isrc: t.isrc.unwrap_or_else(|| format!("QZCTL{:07}", n)),
            id,
            name: t.name,
            artists: t
                .artists
                .iter()
                .map(|a| Named::from_name("artist", a))
                .collect(),
            album,
            album_release_date: t.album_release_date.unwrap_or_else(|| "2020-01-01".into()),
            duration_ms: t.duration_ms,
            explicit: t.explicit,
            track_number: t.track_number.unwrap_or(1),
            available: true,
            relinked_to: None,
        };
        ids.push(world.add_track(track)?);
    }
    Ok((StatusCode::CREATED, created("track", ids)))
}

pub async fn generate(
    State(s): State<AppState>,
    Json(b): Json<Generate>,
) -> (StatusCode, Json<Created>) {
    let ids = s.lock().generate_tracks(b.count, b.seed);
    (StatusCode::CREATED, created("track", ids))
}

pub async fn episodes(
    State(s): State<AppState>,
    Json(b): Json<NewEpisodes>,
) -> WebResult<(StatusCode, Json<Created>)> {
    let mut world = s.lock();
    let mut ids = Vec::new();
    for e in b.episodes {
        let id = e.id.unwrap_or_else(|| world.fresh_id());
        let episode = Episode {
            id,
            name: e.name,
            publisher: e.publisher.unwrap_or_else(|| e.show.clone()),
            show: Named::from_name("show", &e.show),
            description: e.description.unwrap_or_default(),
            duration_ms: e.duration_ms,
            release_date: e.release_date.unwrap_or_else(|| "2024-01-01".into()),
            explicit: e.explicit,
        };
        ids.push(world.add_episode(episode)?);
    }
    Ok((StatusCode::CREATED, created("episode", ids)))
}

pub async fn change_track(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<TrackChange>,
) -> WebResult<StatusCode> {
    let mut world = s.lock();
    if let Some(available) = b.available {
        world.set_available(&id, available)?;
    }
    if let Some(to) = b.relinked_to {
        world.relink(&id, &to)?;
    }
    Ok(StatusCode::NO_CONTENT)
}
