//! Control: users, the browser sign-in, Liked Songs and plays.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use crate::control::types::*;
use crate::http::error::WebResult;
use crate::http::AppState;
use crate::world::users::Play;
use crate::world::User;

pub fn user_state(u: &User) -> UserState {
    UserState {
        id: u.id.clone(),
        display_name: u.display_name.clone(),
        country: u.country.clone(),
        product: u.product.clone(),
        email: u.email.clone(),
        playlists: u.library.clone(),
    }
}

pub async fn create(
    State(s): State<AppState>,
    Json(b): Json<NewUser>,
) -> WebResult<(StatusCode, Json<UserState>)> {
    let mut world = s.lock();
    world.create_user(&b.id, b.display_name, b.country, b.product)?;
    let user = world.user_mut(&b.id)?;
    user.image_url = b.image_url;
    Ok((StatusCode::CREATED, Json(user_state(user))))
}

pub async fn get(State(s): State<AppState>, Path(id): Path<String>) -> WebResult<Json<UserState>> {
    Ok(Json(user_state(s.lock().user(&id)?)))
}

pub async fn browser(
    State(s): State<AppState>,
    Json(b): Json<BrowserUser>,
) -> WebResult<StatusCode> {
    s.lock().sign_in_browser(&b.user_id, b.deny)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn liked(State(s): State<AppState>, Path(id): Path<String>) -> WebResult<Json<Liked>> {
    let world = s.lock();
    let items = world
        .user(&id)?
        .liked
        .iter()
        .map(|l| SavedState {
            track_id: l.track_id.clone(),
            added_at_ms: l.added_at,
        })
        .collect();
    Ok(Json(Liked { items }))
}

pub async fn like(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<Ids>,
) -> WebResult<StatusCode> {
    let now = s.now();
    s.lock().like(now, &id, &b.ids)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn unlike(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<Ids>,
) -> WebResult<StatusCode> {
    s.lock().unlike(&id, &b.ids)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn plays(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<NewPlays>,
) -> WebResult<StatusCode> {
    let now = s.now();
    let mut world = s.lock();
    for p in b.plays {
        let play = Play {
            track_id: p.track_id,
            played_at: p.played_at_ms.unwrap_or(now),
            context_uri: p.context_uri,
        };
        world.record_play(&id, play)?;
    }
    Ok(StatusCode::NO_CONTENT)
}
