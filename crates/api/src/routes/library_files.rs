//! Audio files: `POST /v1/library/files` uploads one (the file itself as the request body),
//! `GET` and `DELETE /v1/library/files/{id}` show and remove one.
//!
//! Uploads are not bound by the general body limit and request timeout (an album in FLAC is
//! hundreds of megabytes): the upload route gets its own limit, `MEDLEY_UPLOAD_MAX_BYTES`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use medley_app::catalog;
use medley_app::library::uploads;
use medley_audio::Format;
use medley_domain::{AudioFileId, UserId};
use medley_store::{AudioFile, AudioOrigin};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Path, Query};
use crate::objects::{timestamp, TrackObject};
use crate::state::AppState;

/// The upload route, mounted outside the body limit and timeout of the other routes.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/v1/library/files", post(upload))
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/library/files/{id}", get(show).delete(remove))
}

#[derive(Deserialize, IntoParams)]
pub struct UploadParams {
    /// The file's name (its last path component is kept; the title of an untagged file).
    pub name: Option<String>,
}

/// An audio file and the track it is the audio of.
#[derive(Serialize, ToSchema)]
pub struct FileObject {
    pub id: String,
    /// `upload` or `scan`.
    pub origin: String,
    /// The upload's file name, or the scanned file's path below `folder`.
    pub name: String,
    /// The folder the last scan that saw the file named (scans only).
    pub folder: Option<String>,
    /// `present` or `missing`.
    pub status: String,
    /// `flac`, `mp3`, `vorbis`, `opus`, `mp4`, `aac`, `wav`…, from the content.
    pub format: String,
    pub codec: String,
    pub content_type: String,
    pub size: i64,
    pub duration_ms: i64,
    pub bitrate_kbps: Option<i64>,
    pub sample_rate_hz: Option<i64>,
    pub channels: Option<i64>,
    pub bit_depth: Option<i64>,
    /// SHA-256 of the content.
    pub content_hash: String,
    /// Everything the tags said: title, artists, album, album artist, track and disc, date,
    /// genres, ISRC, MusicBrainz ids, ReplayGain, cover.
    #[schema(value_type = Object)]
    pub tags: serde_json::Value,
    pub track: TrackObject,
    pub uploaded_by: Option<String>,
    pub created_at: String,
    pub href: String,
    /// Streams the track (Bearer token), or ask `stream-url` for a signed URL.
    pub stream_href: String,
}

async fn object(state: &AppState, f: AudioFile) -> ApiResult<FileObject> {
    let track = catalog::tracks(&state.app, std::slice::from_ref(&f.track_id))
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("a file's track is gone"))?;
    let base = &state.render.base;
    Ok(FileObject {
        href: format!("{base}/v1/library/files/{}", f.id),
        stream_href: format!("{base}/v1/tracks/{}/stream", f.track_id),
        content_type: Format::parse(&f.format)
            .map_or("application/octet-stream", Format::mime)
            .into(),
        tags: serde_json::from_str(&f.tags).unwrap_or_default(),
        track: state.render.track(&track),
        name: match f
            .path
            .strip_prefix(&format!("{}/", f.root.trim_end_matches('/')))
        {
            Some(rel) if f.origin == AudioOrigin::Scan => rel.to_owned(),
            _ => f.path.clone(),
        },
        folder: (f.origin == AudioOrigin::Scan).then_some(f.root),
        id: f.id.into_string(),
        origin: f.origin.to_string(),
        status: f.status.to_string(),
        format: f.format,
        codec: f.codec,
        size: f.size,
        duration_ms: f.duration_ms,
        bitrate_kbps: f.bitrate_kbps,
        sample_rate_hz: f.sample_rate_hz,
        channels: f.channels,
        bit_depth: f.bit_depth,
        content_hash: f.content_hash,
        uploaded_by: f.uploaded_by.map(UserId::into_string),
        created_at: timestamp(f.created_at_ms),
    })
}

/// Uploads an audio file (FLAC, MP3, Ogg Vorbis or Opus, M4A, AAC, WAV, AIFF, APE, WavPack,
/// Musepack), the file itself as the request body. Its tags make a catalog track, or give their
/// audio to the track already there (by ISRC, or artist, title and duration). Administrators,
/// and the users the server's `MEDLEY_UPLOADERS` allows.
#[utoipa::path(post, path = "/v1/library/files", tag = "library", params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = FileObject), (status = 400), (status = 403),
        (status = 413, description = "Larger than MEDLEY_UPLOAD_MAX_BYTES"),
        (status = 415, description = "Not an audio format Medley reads"),
        (status = 422, description = "Audio, but damaged or empty")),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<impl IntoResponse> {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if kind.starts_with("multipart/") {
        return Err(ApiError::UnsupportedMediaType(
            "send the file itself as the request body (curl --data-binary @song.flac), not as \
             a form"
                .into(),
        ));
    }
    let uploaded = uploads::upload(
        &state.app,
        &auth.user,
        p.name.as_deref(),
        body.into_data_stream(),
    )
    .await?;
    let object = object(&state, uploaded.file).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, object.href.clone())],
        axum::Json(object),
    ))
}

/// An audio file (administrators, or the user who uploaded it).
#[utoipa::path(get, path = "/v1/library/files/{id}", params(("id" = String, Path)), tag = "library",
    responses((status = 200, body = FileObject), (status = 404)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<AudioFileId>,
) -> ApiResult<axum::Json<FileObject>> {
    let file = uploads::get(&state.app, &auth.user, &id).await?;
    Ok(axum::Json(object(&state, file).await?))
}

/// Deletes an uploaded file (administrators, or the user who uploaded it). Its track stays in
/// the catalog and in playlists, without this audio. A scanned file is a 409: delete it from
/// its folder and scan again.
#[utoipa::path(delete, path = "/v1/library/files/{id}", params(("id" = String, Path)), tag = "library",
    responses((status = 204), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<AudioFileId>,
) -> ApiResult<StatusCode> {
    uploads::delete(&state.app, &auth.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
