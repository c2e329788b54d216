//! Playlists: listing, creating, reading, changing details; followers and collaborators.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::Router;
use medley_domain::paging::Page;
use medley_domain::playlist::Playlist;
use medley_domain::{PlaylistId, UserId};
use medley_store::DetailsChange;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::catalog::PageParams;
use super::compositions::CompositionBody;
use super::items::items_page;
use super::split_ids_of;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Json, Path, Query};
use crate::objects::{Followers, Paging, PlaylistObject, SimplifiedPlaylist, SnapshotId};
use crate::state::AppState;
use medley_app::compositions;
use medley_app::playlists::{self, visible, NewDetails};
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
    let (playlists, total) = playlists::mine(&state.app, &auth.user, page).await?;
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
    let composition: Option<Composite> = body.composition.map(Into::into);
    let details = NewDetails {
        name: body.name,
        description: body.description,
        public: body.public,
        collaborative: body.collaborative,
    };
    let playlist =
        compositions::create_playlist(&state.app, &auth.user, details, composition.as_ref())
            .await?;
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
    let change = DetailsChange {
        name: body.name,
        description: body.description,
        public: body.public,
        collaborative: body.collaborative,
    };
    let updated = playlists::change_details(&state.app, &auth.user, &id, change).await?;
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
    playlists::follow(&state.app, &auth.user, &id).await?;
    Ok(StatusCode::OK)
}

/// Unfollow a playlist.
#[utoipa::path(delete, path = "/v1/playlists/{id}/followers", params(("id" = String, Path)), tag = "playlists", responses((status = 200), (status = 404)), security(("bearer" = [])))]
pub async fn unfollow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
) -> ApiResult<StatusCode> {
    playlists::unfollow(&state.app, &auth.user, &id).await?;
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
    let viewer = auth.as_ref().map(|a| &a.user);
    // Whether the playlist may be seen is answered before the ids are read.
    let (playlist, _) = visible(&state.app, &id, viewer).await?;
    let ids: Vec<UserId> = split_ids_of(&q.ids, 5)?;
    Ok(axum::Json(
        playlists::followers_contain(&state.app, &playlist, &ids).await?,
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
    let ids = playlists::collaborators(&state.app, &auth.user, &id).await?;
    Ok(axum::Json(serde_json::json!({ "ids": ids })))
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
    playlists::add_collaborators(&state.app, &auth.user, &id, &body.ids).await?;
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
    playlists::remove_collaborators(&state.app, &auth.user, &id, &body.ids).await?;
    Ok(StatusCode::NO_CONTENT)
}
