//! `GET /v1/search` in Spotify's response shape, ranked by the search index.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use medley_domain::paging::Page;
use medley_domain::{AlbumId, ArtistId, TrackId};
use medley_search::Kind;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::objects::{ArtistObject, Paging, SimplifiedAlbum, TrackObject};
use crate::state::AppState;
use medley_app::cache::TrackJson;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/search", get(search))
}

#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// What to look for: words of song, artist and album names, any case, with or without accents.
    #[param(min_length = 1, max_length = 500)]
    pub q: String,
    /// Comma-separated: `track`, `artist`, `album`.
    #[serde(rename = "type")]
    pub kind: String,
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
    /// Accepted for compatibility; Medley's catalog has no markets.
    pub market: Option<String>,
}

#[derive(Serialize, ToSchema, Default)]
pub struct SearchResults {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Paging<TrackObject>>)]
    pub tracks: Option<Paging<TrackJson>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artists: Option<Paging<ArtistObject>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub albums: Option<Paging<SimplifiedAlbum>>,
}

fn kinds(list: &str) -> ApiResult<Vec<Kind>> {
    let mut out = Vec::new();
    for k in list.split(',').map(str::trim) {
        let kind = match k {
            "track" => Kind::Track,
            "artist" => Kind::Artist,
            "album" => Kind::Album,
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unsupported `type` `{other}`: use `track`, `artist` and/or `album`"
                )))
            }
        };
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    Ok(out)
}

/// Search the catalog: ranked matches on song, artist and album names.
#[utoipa::path(get, path = "/v1/search", tag = "catalog", params(SearchParams), responses((status = 200, body = SearchResults), (status = 400)))]
pub async fn search(
    State(state): State<AppState>,
    Query(p): Query<SearchParams>,
) -> ApiResult<axum::Json<SearchResults>> {
    if p.q.trim().is_empty() || p.q.chars().count() > 500 {
        return Err(ApiError::BadRequest(
            "`q` must be 1 to 500 characters".into(),
        ));
    }
    let page = Page::new(p.limit, p.offset, 20, 50)?;
    let mut results = SearchResults::default();
    let path = format!("search?q={}&type={}", urlencode(&p.q), urlencode(&p.kind));
    // One blocking task runs every requested kind's search: the index is CPU work.
    let index = state.app.search.clone();
    let (q, kinds) = (p.q.clone(), kinds(&p.kind)?);
    let all_hits = tokio::task::spawn_blocking(move || {
        kinds
            .into_iter()
            .map(|kind| {
                Ok((
                    kind,
                    index.search(&q, kind, page.limit as usize, page.offset as usize)?,
                ))
            })
            .collect::<Result<Vec<_>, medley_search::SearchError>>()
    })
    .await
    .map_err(|e| anyhow::anyhow!("search task: {e}"))?
    .map_err(|e| anyhow::anyhow!("search: {e}"))?;
    for (kind, hits) in all_hits {
        let total = hits.total as i64;
        match kind {
            Kind::Track => {
                // The index names every kind by its text; tracks are typed again here.
                let ids: Vec<TrackId> = hits.ids.into_iter().map(TrackId::from).collect();
                let items = state
                    .track_objects(&ids)
                    .await?
                    .into_iter()
                    .flatten()
                    .collect();
                results.tracks = Some(state.render.paging(&path, page, total, items));
            }
            Kind::Artist => {
                let ids: Vec<ArtistId> = hits.ids.into_iter().map(ArtistId::from).collect();
                let artists = medley_app::catalog::artists(&state.app, &ids).await?;
                let items = artists.iter().map(|a| state.render.artist(a)).collect();
                results.artists = Some(state.render.paging(&path, page, total, items));
            }
            Kind::Album => {
                let ids: Vec<AlbumId> = hits.ids.into_iter().map(AlbumId::from).collect();
                let albums = medley_app::catalog::albums(&state.app, &ids).await?;
                let items = albums.iter().map(|a| state.render.album(a)).collect();
                results.albums = Some(state.render.paging(&path, page, total, items));
            }
        }
    }
    Ok(axum::Json(results))
}

/// Percent-encodes a query value for the `href`/`next` links.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
