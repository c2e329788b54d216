//! Following users and artists: `GET|PUT|DELETE /v1/me/following`, `/v1/me/following/contains`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::split_ids;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Query};
use crate::objects::ArtistObject;
use crate::state::AppState;
use medley_app::following::{self, Kind};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/me/following",
            get(followed).put(follow).delete(unfollow),
        )
        .route("/v1/me/following/contains", get(following_contains))
}

#[derive(Deserialize, IntoParams)]
pub struct FollowParams {
    /// `artist` or `user`.
    #[serde(rename = "type")]
    #[param(pattern = "^(artist|user)$")]
    pub kind: String,
    /// Comma-separated artist or user ids (at most 50).
    pub ids: Option<String>,
}

fn kind(name: &str) -> ApiResult<Kind> {
    match name {
        "user" => Ok(Kind::User),
        "artist" => Ok(Kind::Artist),
        other => Err(ApiError::BadRequest(format!(
            "`type` must be `artist` or `user`, not `{other}`"
        ))),
    }
}

fn follow_ids(params: &FollowParams) -> ApiResult<(Kind, Vec<String>)> {
    let kind = kind(&params.kind)?;
    Ok((kind, split_ids(params.ids.as_deref().unwrap_or(""), 50)?))
}

/// Follow users or artists.
#[utoipa::path(put, path = "/v1/me/following", tag = "accounts", params(FollowParams),
    responses((status = 204), (status = 400), (status = 401), (status = 404, description = "one of the ids is not a user or artist of this server")),
    security(("bearer" = [])))]
pub async fn follow(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<FollowParams>,
) -> ApiResult<StatusCode> {
    let (kind, ids) = follow_ids(&params)?;
    following::follow(&state.app, &auth.user, kind, &ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stop following users or artists.
#[utoipa::path(delete, path = "/v1/me/following", tag = "accounts", params(FollowParams),
    responses((status = 204), (status = 400), (status = 401)), security(("bearer" = [])))]
pub async fn unfollow(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<FollowParams>,
) -> ApiResult<StatusCode> {
    let (kind, ids) = follow_ids(&params)?;
    following::unfollow(&state.app, &auth.user, kind, &ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether the current user follows each of the given users or artists.
#[utoipa::path(get, path = "/v1/me/following/contains", tag = "accounts", params(FollowParams),
    responses((status = 200, body = Vec<bool>), (status = 400), (status = 401)), security(("bearer" = [])))]
pub async fn following_contains(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<FollowParams>,
) -> ApiResult<axum::Json<Vec<bool>>> {
    let (kind, ids) = follow_ids(&params)?;
    Ok(axum::Json(
        following::contains(&state.app, &auth.user, kind, &ids).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowedParams {
    /// Only `artist` (Spotify lists followed artists only).
    #[serde(rename = "type")]
    #[param(pattern = "^artist$")]
    pub kind: String,
    /// The last artist id of the previous page (`cursors.after`).
    pub after: Option<String>,
    /// 1 to 50, default 20.
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AfterCursor {
    pub after: String,
}

/// A cursor-paged list of followed artists, in artist id order.
#[derive(Serialize, ToSchema)]
pub struct CursorArtists {
    pub href: String,
    pub limit: i64,
    pub next: Option<String>,
    /// `null` on an empty page.
    pub cursors: Option<AfterCursor>,
    pub total: i64,
    pub items: Vec<ArtistObject>,
}

#[derive(Serialize, ToSchema)]
pub struct FollowedArtists {
    pub artists: CursorArtists,
}

/// The artists the current user follows, by cursor (`after` is the last id of a page).
#[utoipa::path(get, path = "/v1/me/following", tag = "accounts", params(FollowedParams),
    responses((status = 200, body = FollowedArtists), (status = 400), (status = 401)), security(("bearer" = [])))]
pub async fn followed(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<FollowedParams>,
) -> ApiResult<axum::Json<FollowedArtists>> {
    if kind(&p.kind)? != Kind::Artist {
        return Err(ApiError::BadRequest(
            "`type` must be `artist`: only followed artists are listed (a user's followers are on their profile)"
                .into(),
        ));
    }
    let limit = p.limit.unwrap_or(20);
    let after = p.after.as_deref().filter(|a| !a.is_empty());
    let following::FollowedArtists {
        ids,
        artists,
        total,
    } = following::artists(&state.app, &auth.user, after, limit).await?;
    let items: Vec<ArtistObject> = artists.iter().map(|a| state.render.artist(a)).collect();
    let base = state.render.href("me/following?type=artist");
    let last = ids.last().cloned();
    // A full page may have more after it; the next page tells.
    let next = match &last {
        Some(id) if ids.len() as i64 == limit => Some(format!("{base}&after={id}&limit={limit}")),
        _ => None,
    };
    let href = match after {
        Some(a) => format!("{base}&after={a}&limit={limit}"),
        None => format!("{base}&limit={limit}"),
    };
    Ok(axum::Json(FollowedArtists {
        artists: CursorArtists {
            href,
            limit,
            next,
            cursors: last.map(|after| AfterCursor {
                after: after.into_string(),
            }),
            total,
            items,
        },
    }))
}
