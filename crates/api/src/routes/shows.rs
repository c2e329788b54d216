//! Live shows over REST (LIVE.md, "REST"): `/v1/shows`. Joining is the WebSocket of
//! [`super::shows_live`].

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use medley_app::shows::{self, ShowEdit, ShowInput};
use medley_domain::paging::Page;
use medley_domain::ShowId;
use medley_store::StoredShow;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Json, Path, Query};
use crate::objects::{timestamp, Paging, PlaylistUser, SimplifiedPlaylist};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/shows", get(list).post(create))
        .route("/v1/shows/{id}", get(read).put(edit))
        .route("/v1/shows/{id}/start", post(start))
        .route("/v1/shows/{id}/end", post(end))
        .route("/v1/shows/{id}/comments", get(comments))
        .route("/v1/shows/{id}/history", get(history))
        .route("/v1/shows/{id}/invites", post(invite))
        .route("/v1/shows/{id}/guests", post(redeem))
}

/// A show (LIVE.md, "REST").
#[derive(Serialize, ToSchema)]
pub struct ShowObject {
    pub id: String,
    /// `medley:show:<id>`.
    pub uri: String,
    pub title: String,
    pub description: Option<String>,
    /// `scheduled`, `live` or `ended`.
    pub state: String,
    pub creator: PlaylistUser,
    pub playlist: Option<SimplifiedPlaylist>,
    /// `public`, `followers` (of the creator) or `invite`.
    pub visibility: String,
    pub scheduled_for: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    /// People in the show now.
    pub audience: usize,
    pub href: String,
    /// Medley: where to join, the WebSocket of LIVE.md (`ws://` or `wss://`).
    pub live_url: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShowBody {
    pub title: String,
    pub description: Option<String>,
    /// `medley:playlist:<id>`: the playlist the show plays, one you may see.
    pub playlist: Option<String>,
    /// RFC 3339, e.g. `2026-12-05T20:00:00Z`.
    pub scheduled_for: Option<String>,
    /// `public` (default), `followers` or `invite`.
    pub visibility: Option<String>,
}

/// Fields left out are kept; `null` clears `description`, `playlist` or `scheduled_for`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditShowBody {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub playlist: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub scheduled_for: Option<Option<String>>,
    pub visibility: Option<String>,
}

/// A field that is present, `null` or not.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A page of a show's comments or history: up to 100 at once (default 50).
#[derive(Deserialize, IntoParams)]
pub struct LogParams {
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// `live`, `scheduled` or `ended`; all when left out.
    #[param(value_type = Option<String>, pattern = "^(live|scheduled|ended)$")]
    pub state: Option<String>,
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
}

/// A comment, as the `comment` event carries it (`at` in Unix ms).
#[derive(Serialize, ToSchema)]
pub struct CommentObject {
    pub id: String,
    pub user: String,
    pub text: String,
    pub at: i64,
}

/// A history entry: a reliable event of the show, its `seq`, `op` and `d` as it was sent.
#[derive(Serialize, ToSchema)]
pub struct HistoryObject {
    pub seq: i64,
    /// Server time, Unix ms.
    pub at: i64,
    pub op: String,
    #[schema(value_type = Object)]
    pub d: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct InviteObject {
    /// The invite code: whoever has it may become a guest of the show. Shown once.
    pub code: String,
    /// Where a guest redeems it: `POST` `{"invite": "<code>"}`.
    pub href: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemBody {
    pub invite: String,
}

fn millis(field: &str, text: &str) -> ApiResult<i64> {
    text.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| {
            ApiError::BadRequest(format!(
                "`{field}` must be an RFC 3339 time such as 2026-12-05T20:00:00Z (got `{text}`)"
            ))
        })
}

impl AppState {
    async fn show_object(&self, show: StoredShow) -> ApiResult<ShowObject> {
        let (creator, playlist) = shows::creator_and_playlist(&self.app, &show).await?;
        let name = creator.map(|u| u.display_name.unwrap_or(u.username));
        let href = self.render.href(&format!("shows/{}", show.id));
        let live_url = format!("{}/live", href.replacen("http", "ws", 1));
        Ok(ShowObject {
            uri: format!("medley:show:{}", show.id),
            title: show.title,
            description: show.description,
            creator: self.render.playlist_user(&show.creator_id, name.as_deref()),
            playlist: playlist.map(|p| self.render.simplified_playlist(&p)),
            visibility: show.visibility.to_string(),
            scheduled_for: show.scheduled_for_ms.map(timestamp),
            started_at: show.started_at_ms.map(timestamp),
            ended_at: show.ended_at_ms.map(timestamp),
            audience: shows::audience(&self.app, &show.id).await?,
            state: show.state.to_string(),
            id: show.id.into_string(),
            href,
            live_url,
        })
    }
}

/// Create a show (scheduled until its creator starts it).
#[utoipa::path(post, path = "/v1/shows", tag = "shows", request_body = NewShowBody,
    responses((status = 201, body = ShowObject), (status = 400), (status = 401)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Json(b): Json<NewShowBody>,
) -> ApiResult<(StatusCode, axum::Json<ShowObject>)> {
    let scheduled_for_ms = match &b.scheduled_for {
        Some(t) => Some(millis("scheduled_for", t)?),
        None => None,
    };
    let input = ShowInput {
        title: b.title,
        description: b.description,
        playlist: b.playlist,
        scheduled_for_ms,
        visibility: b.visibility,
    };
    let show = shows::create(&state.app, &auth.user, input).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(state.show_object(show).await?),
    ))
}

/// The shows you may see, by state: live ones latest started first, scheduled ones soonest
/// first, ended ones latest ended first.
#[utoipa::path(get, path = "/v1/shows", tag = "shows", params(ListParams),
    responses((status = 200, body = Paging<ShowObject>), (status = 400)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<ListParams>,
) -> ApiResult<axum::Json<Paging<ShowObject>>> {
    let page = Page::new(p.limit, p.offset, 20, 50)?;
    let (found, total) = shows::list(&state.app, &auth.user, p.state.as_deref(), page).await?;
    let mut items = Vec::with_capacity(found.len());
    for show in found {
        items.push(state.show_object(show).await?);
    }
    let path = match &p.state {
        Some(s) => format!("shows?state={s}"),
        None => "shows".into(),
    };
    Ok(axum::Json(state.render.paging(&path, page, total, items)))
}

/// One show.
#[utoipa::path(get, path = "/v1/shows/{id}", params(("id" = String, Path)), tag = "shows",
    responses((status = 200, body = ShowObject), (status = 404)), security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ShowId>,
) -> ApiResult<axum::Json<ShowObject>> {
    let show = shows::visible(&state.app, &id, &auth.user).await?;
    Ok(axum::Json(state.show_object(show).await?))
}

/// Change a show's details (its creator, before it ends; the playlist only before it starts).
#[utoipa::path(put, path = "/v1/shows/{id}", params(("id" = String, Path)), tag = "shows", request_body = EditShowBody,
    responses((status = 200, body = ShowObject), (status = 400), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn edit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ShowId>,
    Json(b): Json<EditShowBody>,
) -> ApiResult<axum::Json<ShowObject>> {
    let scheduled_for_ms = match &b.scheduled_for {
        Some(Some(t)) => Some(Some(millis("scheduled_for", t)?)),
        Some(None) => Some(None),
        None => None,
    };
    let change = ShowEdit {
        title: b.title,
        description: b.description,
        playlist: b.playlist,
        scheduled_for_ms,
        visibility: b.visibility,
    };
    let show = shows::edit(&state.app, &auth.user, &id, change).await?;
    Ok(axum::Json(state.show_object(show).await?))
}

/// Start a scheduled show (its creator): people may join over the WebSocket.
#[utoipa::path(post, path = "/v1/shows/{id}/start", params(("id" = String, Path)), tag = "shows",
    responses((status = 200, body = ShowObject), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn start(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ShowId>,
) -> ApiResult<axum::Json<ShowObject>> {
    let show = shows::start(&state.app, &auth.user, &id).await?;
    Ok(axum::Json(state.show_object(show).await?))
}

/// End a live show (its creator): everyone connected is closed with 4010.
#[utoipa::path(post, path = "/v1/shows/{id}/end", params(("id" = String, Path)), tag = "shows",
    responses((status = 200, body = ShowObject), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn end(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ShowId>,
) -> ApiResult<axum::Json<ShowObject>> {
    let show = shows::end(&state.app, &auth.user, &id).await?;
    Ok(axum::Json(state.show_object(show).await?))
}

/// A show's comments, oldest first (deleted ones left out).
#[utoipa::path(get, path = "/v1/shows/{id}/comments", tag = "shows", params(LogParams, ("id" = String, Path)),
    responses((status = 200, body = Paging<CommentObject>), (status = 404)), security(("bearer" = [])))]
pub async fn comments(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ShowId>,
    Query(p): Query<LogParams>,
) -> ApiResult<axum::Json<Paging<CommentObject>>> {
    let page = Page::new(p.limit, p.offset, 50, 100)?;
    let (found, total) = shows::comments(&state.app, &auth.user, &id, page).await?;
    let items = found
        .into_iter()
        .map(|c| CommentObject {
            id: c.id,
            user: c.user_id,
            text: c.text,
            at: c.at_ms,
        })
        .collect();
    let path = format!("shows/{id}/comments");
    Ok(axum::Json(state.render.paging(&path, page, total, items)))
}

/// What happened in a show, in order: what played when, role changes, who spoke, moderation.
#[utoipa::path(get, path = "/v1/shows/{id}/history", tag = "shows", params(LogParams, ("id" = String, Path)),
    responses((status = 200, body = Paging<HistoryObject>), (status = 404)), security(("bearer" = [])))]
pub async fn history(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ShowId>,
    Query(p): Query<LogParams>,
) -> ApiResult<axum::Json<Paging<HistoryObject>>> {
    let page = Page::new(p.limit, p.offset, 50, 100)?;
    let (found, total) = shows::history(&state.app, &auth.user, &id, page).await?;
    let items = found
        .into_iter()
        .map(|h| HistoryObject {
            seq: h.seq,
            at: h.at_ms,
            op: h.op,
            d: serde_json::from_str(&h.data).unwrap_or_default(),
        })
        .collect();
    let path = format!("shows/{id}/history");
    Ok(axum::Json(state.render.paging(&path, page, total, items)))
}

/// A new invite code (the creator of an `invite` show, or any show): whoever redeems it may
/// see and join the show.
#[utoipa::path(post, path = "/v1/shows/{id}/invites", params(("id" = String, Path)), tag = "shows",
    responses((status = 201, body = InviteObject), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn invite(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ShowId>,
) -> ApiResult<(StatusCode, axum::Json<InviteObject>)> {
    let code = shows::invite(&state.app, &auth.user, &id).await?;
    let href = state.render.href(&format!("shows/{id}/guests"));
    Ok((StatusCode::CREATED, axum::Json(InviteObject { code, href })))
}

/// Redeem an invite: you become a guest of the show and may see and join it.
#[utoipa::path(post, path = "/v1/shows/{id}/guests", params(("id" = String, Path)), tag = "shows", request_body = RedeemBody,
    responses((status = 200, body = ShowObject), (status = 404)), security(("bearer" = [])))]
pub async fn redeem(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ShowId>,
    Json(b): Json<RedeemBody>,
) -> ApiResult<axum::Json<ShowObject>> {
    let show = shows::redeem(&state.app, &auth.user, &id, &b.invite).await?;
    Ok(axum::Json(state.show_object(show).await?))
}
