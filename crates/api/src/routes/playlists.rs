//! Playlists: listing, creating, reading, changing details; followers and collaborators.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::Router;
use medley_domain::paging::Page;
use medley_domain::playlist::{validate_description, validate_name, DetailsError, Playlist};
use medley_domain::{PlaylistId, UserId};
use medley_events::Event;
use medley_store::{DetailsChange, NewPlaylist};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::catalog::PageParams;
use super::compositions::CompositionBody;
use super::items::items_page;
use super::split_ids;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Json, Path, Query};
use crate::objects::{Followers, Paging, PlaylistObject, SimplifiedPlaylist, SnapshotId};
use crate::state::AppState;
use medley_app::compositions;
use medley_app::now_ms;
use medley_app::playlists::{owned, visible};
use medley_compose::Composite;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/me/playlists", get(mine).post(create))
        .route(
            "/v1/users/{user_id}/playlists",
            axum::routing::post(create_for_user),
        )
        .route("/v1/playlists/{id}", get(playlist).put(change_details))
        .route("/v1/playlists/{id}/followers", put(follow).delete(unfollow))
        .route(
            "/v1/playlists/{id}/followers/contains",
            get(followers_contains),
        )
        .route(
            "/v1/playlists/{id}/collaborators",
            get(collaborators)
                .put(add_collaborators)
                .delete(remove_collaborators),
        )
}

/// The current user's playlists: owned, collaborated on and followed, newest first.
#[utoipa::path(get, path = "/v1/me/playlists", tag = "playlists", params(PageParams), responses((status = 200, body = Paging<SimplifiedPlaylist>)), security(("bearer" = [])))]
pub async fn mine(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Paging<SimplifiedPlaylist>>> {
    let page = Page::new(p.limit, p.offset, 20, 50)?;
    let (playlists, total) = state
        .app
        .store
        .user_playlists(&auth.user.id, page.limit, page.offset)
        .await?;
    let items = playlists
        .iter()
        .map(|p| state.render.simplified_playlist(p))
        .collect();
    Ok(axum::Json(state.render.paging(
        "me/playlists",
        page,
        total,
        items,
    )))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlaylistBody {
    pub name: String,
    pub description: Option<String>,
    /// Defaults to true, as on Spotify.
    pub public: Option<bool>,
    pub collaborative: Option<bool>,
    /// Medley: make it a composite of these sources at once.
    pub composition: Option<CompositionBody>,
}

/// Create a playlist owned by the current user.
#[utoipa::path(post, path = "/v1/me/playlists", tag = "playlists", request_body = NewPlaylistBody,
    responses((status = 201, body = PlaylistObject), (status = 400)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<NewPlaylistBody>,
) -> ApiResult<(StatusCode, axum::Json<PlaylistObject>)> {
    validate_name(&body.name)?;
    if let Some(d) = &body.description {
        validate_description(d)?;
    }
    let collaborative = body.collaborative.unwrap_or(false);
    let public = body.public.unwrap_or(!collaborative);
    if collaborative && public {
        return Err(DetailsError::CollaborativePublic.into());
    }
    let id = PlaylistId::new();
    let composition: Option<Composite> = body.composition.map(Into::into);
    if let Some(c) = &composition {
        compositions::check_sources(&state.app, &auth.user, &id, c).await?;
    }
    let mut playlist = state
        .app
        .store
        .create_playlist(NewPlaylist {
            id: id.clone(),
            owner_id: auth.user.id.clone(),
            name: body.name.trim().to_owned(),
            description: body.description,
            public,
            collaborative,
            now_ms: now_ms(),
        })
        .await?;
    state.app.bus.publish(Event::PlaylistCreated {
        playlist_id: playlist.id.clone(),
        owner_id: auth.user.id,
    });
    if let Some(c) = &composition {
        compositions::attach(&state.app, &id, c).await?;
        playlist = state
            .app
            .store
            .playlist(&id)
            .await?
            .ok_or_else(|| ApiError::not_found("the new playlist"))?;
    }
    Ok((
        StatusCode::CREATED,
        axum::Json(
            full(
                &state,
                &playlist,
                Page {
                    limit: 100,
                    offset: 0,
                },
            )
            .await?,
        ),
    ))
}

/// Create a playlist (the older path Spotify clients still call); `user_id` must be the caller.
#[utoipa::path(post, path = "/v1/users/{user_id}/playlists", params(("user_id" = String, Path)), tag = "playlists", request_body = NewPlaylistBody,
    responses((status = 201, body = PlaylistObject), (status = 403)), security(("bearer" = [])))]
pub async fn create_for_user(
    state: State<AppState>,
    auth: Auth,
    Path(user_id): Path<UserId>,
    body: Json<NewPlaylistBody>,
) -> ApiResult<(StatusCode, axum::Json<PlaylistObject>)> {
    if user_id != auth.user.id && user_id != auth.user.username {
        return Err(ApiError::Forbidden(
            "you can only create playlists for yourself".into(),
        ));
    }
    create(state, auth, body).await
}

async fn full(state: &AppState, p: &Playlist, page: Page) -> ApiResult<PlaylistObject> {
    let items = items_page(state, p, page).await?;
    let s = state.render.simplified_playlist(p);
    Ok(PlaylistObject {
        collaborative: s.collaborative,
        description: p.description.clone(),
        external_urls: s.external_urls,
        followers: Followers {
            href: None,
            total: p.follower_count,
        },
        href: s.href,
        id: s.id,
        images: s.images,
        name: s.name,
        owner: s.owner,
        public: s.public,
        snapshot_id: s.snapshot_id,
        tracks: items.clone(),
        items,
        kind: "playlist",
        uri: s.uri,
    })
}

/// One playlist with the first 100 items.
#[utoipa::path(get, path = "/v1/playlists/{id}", params(("id" = String, Path)), tag = "playlists", responses((status = 200, body = PlaylistObject), (status = 404)), security((), ("bearer" = [])))]
pub async fn playlist(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<PlaylistId>,
) -> ApiResult<axum::Json<PlaylistObject>> {
    let (p, _) = visible(&state.app, &id, auth.as_ref().map(|a| &a.user)).await?;
    Ok(axum::Json(
        full(
            &state,
            &p,
            Page {
                limit: 100,
                offset: 0,
            },
        )
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailsBody {
    pub name: Option<String>,
    pub description: Option<String>,
    pub public: Option<bool>,
    pub collaborative: Option<bool>,
}

/// Change a playlist's name, description, visibility or collaborative flag (owner only).
#[utoipa::path(put, path = "/v1/playlists/{id}", params(("id" = String, Path)), tag = "playlists", request_body = DetailsBody,
    responses((status = 200, body = SnapshotId), (status = 400), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn change_details(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
    Json(body): Json<DetailsBody>,
) -> ApiResult<axum::Json<SnapshotId>> {
    let current = owned(&state.app, &id, &auth.user).await?;
    if let Some(name) = &body.name {
        validate_name(name)?;
    }
    if let Some(d) = &body.description {
        validate_description(d)?;
    }
    let public = body.public.unwrap_or(current.public);
    let collaborative = body.collaborative.unwrap_or(current.collaborative);
    if public && collaborative {
        return Err(DetailsError::CollaborativePublic.into());
    }
    let change = DetailsChange {
        name: body.name.map(|n| n.trim().to_owned()),
        description: body.description,
        public: body.public,
        collaborative: body.collaborative,
    };
    let updated = state.app.store.update_playlist(&id, change, now_ms()).await;
    state.app.caches.forget_playlist(&id);
    let updated = updated?;
    state.app.bus.publish(Event::PlaylistDetailsChanged {
        playlist_id: id,
        snapshot_id: updated.snapshot_id.clone(),
    });
    Ok(axum::Json(SnapshotId {
        snapshot_id: updated.snapshot_id,
    }))
}

/// Follow a playlist: it appears among the user's playlists.
#[utoipa::path(put, path = "/v1/playlists/{id}/followers", params(("id" = String, Path)), tag = "playlists", responses((status = 200), (status = 404)), security(("bearer" = [])))]
pub async fn follow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
) -> ApiResult<StatusCode> {
    let (p, _) = visible(&state.app, &id, Some(&auth.user)).await?;
    if p.owner_id != auth.user.id {
        state
            .app
            .store
            .follow_playlist(&id, &auth.user.id, now_ms())
            .await?;
        state.app.caches.forget_playlist(&id);
    }
    Ok(StatusCode::OK)
}

/// Unfollow a playlist.
#[utoipa::path(delete, path = "/v1/playlists/{id}/followers", params(("id" = String, Path)), tag = "playlists", responses((status = 200), (status = 404)), security(("bearer" = [])))]
pub async fn unfollow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
) -> ApiResult<StatusCode> {
    visible(&state.app, &id, Some(&auth.user)).await?;
    state
        .app
        .store
        .unfollow_playlist(&id, &auth.user.id)
        .await?;
    state.app.caches.forget_playlist(&id);
    Ok(StatusCode::OK)
}

#[derive(Deserialize, IntoParams)]
pub struct UserIds {
    /// Comma-separated user ids.
    pub ids: String,
}

/// Whether each user follows the playlist.
#[utoipa::path(get, path = "/v1/playlists/{id}/followers/contains", tag = "playlists", params(UserIds, ("id" = String, Path)), responses((status = 200, body = Vec<bool>), (status = 404)), security((), ("bearer" = [])))]
pub async fn followers_contains(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<PlaylistId>,
    Query(q): Query<UserIds>,
) -> ApiResult<axum::Json<Vec<bool>>> {
    visible(&state.app, &id, auth.as_ref().map(|a| &a.user)).await?;
    let ids: Vec<UserId> = split_ids(&q.ids, 5)?
        .into_iter()
        .map(UserId::from)
        .collect();
    Ok(axum::Json(
        state.app.store.follows_playlist(&id, &ids).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollaboratorIds {
    #[schema(value_type = Vec<String>)]
    pub ids: Vec<UserId>,
}

/// Users invited to edit the playlist (they may edit it while it is collaborative).
#[utoipa::path(get, path = "/v1/playlists/{id}/collaborators", params(("id" = String, Path)), tag = "playlists", responses((status = 200, body = CollaboratorIds), (status = 404)), security(("bearer" = [])))]
pub async fn collaborators(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    visible(&state.app, &id, Some(&auth.user)).await?;
    Ok(axum::Json(
        serde_json::json!({ "ids": state.app.store.collaborators(&id).await? }),
    ))
}

/// Invite collaborators (owner only).
#[utoipa::path(put, path = "/v1/playlists/{id}/collaborators", params(("id" = String, Path)), tag = "playlists", request_body = CollaboratorIds,
    responses((status = 204), (status = 400), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn add_collaborators(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
    Json(body): Json<CollaboratorIds>,
) -> ApiResult<StatusCode> {
    owned(&state.app, &id, &auth.user).await?;
    if body.ids.is_empty() || body.ids.len() > 50 {
        return Err(ApiError::BadRequest(
            "`ids` must list 1 to 50 user ids".into(),
        ));
    }
    let existing = state.app.store.existing_users(&body.ids).await?;
    if let Some(missing) = body.ids.iter().find(|id| !existing.contains(id)) {
        return Err(ApiError::BadRequest(format!(
            "`{missing}` is not a user of this server"
        )));
    }
    state.app.store.add_collaborators(&id, &body.ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove collaborators (owner only).
#[utoipa::path(delete, path = "/v1/playlists/{id}/collaborators", params(("id" = String, Path)), tag = "playlists", request_body = CollaboratorIds,
    responses((status = 204), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn remove_collaborators(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
    Json(body): Json<CollaboratorIds>,
) -> ApiResult<StatusCode> {
    owned(&state.app, &id, &auth.user).await?;
    state.app.store.remove_collaborators(&id, &body.ids).await?;
    Ok(StatusCode::NO_CONTENT)
}
