//! Streams: which file of a track plays, where its bytes are, and who may fetch them (a signed-in
//! user, or the holder of a short-lived signed URL: an `<audio>` element cannot send headers).
//!
//! "A user must always be able to play a song": a track's files are tried best first, and one
//! whose bytes are gone from a scanned folder is marked missing on the spot and the next one
//! plays.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::BoxStream;
use medley_audio::{Format, Location, StorageError};
use medley_domain::causes::Causes;
use medley_domain::{TrackId, UserId};
use medley_store::AudioFile;
use medley_store::{AudioOrigin, AudioStatus};

use crate::error::{storage_error, AppError, AppResult};
use crate::App;

/// The file that plays for a track, as it is now.
#[derive(Clone, Debug)]
pub struct Playable {
    pub file: AudioFile,
    pub location: Location,
    pub size: u64,
    /// A strong validator: the content hash (objects never change), or size and modification
    /// time for a file read in place that changed since it was scanned.
    pub etag: String,
    pub last_modified_ms: i64,
    pub content_type: &'static str,
}

/// A signed stream URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamLink {
    pub url: String,
    pub expires_at_s: i64,
    pub content_type: &'static str,
    pub size: u64,
}

fn location(file: &AudioFile) -> Location {
    match &file.object_key {
        Some(key) => Location::Object(key.clone()),
        None => Location::Disk(std::path::PathBuf::from(&file.path)),
    }
}

fn no_audio(track_id: &str, any_missing: bool) -> AppError {
    if any_missing {
        AppError::NotFound(format!(
            "track `{track_id}` has no audio right now: its file is missing from the library \
             (moved or deleted); an administrator can scan the library again"
        ))
    } else {
        AppError::NotFound(format!(
            "track `{track_id}` has no audio: it is in the catalog, but no file of it has been \
             scanned or uploaded"
        ))
    }
}

/// A track's audio files, best first: from this node's cache when it holds them (every write
/// to audio files drops it, on every node).
async fn track_audio(app: &App, track_id: &TrackId) -> AppResult<Arc<[AudioFile]>> {
    if let Some(files) = app.caches.track_audio(track_id) {
        return Ok(files);
    }
    let seen = app.caches.audio_generation();
    let files: Arc<[AudioFile]> = app.store.track_audio(track_id).await?.into();
    app.caches
        .remember_track_audio(seen, track_id, Arc::clone(&files));
    Ok(files)
}

/// Marks a file whose bytes are gone as missing, so the next request plays another.
async fn mark_missing(app: &App, file: &AudioFile) -> AppResult<()> {
    app.store
        .set_audio_status(std::slice::from_ref(&file.id), false, crate::now_ms())
        .await?;
    app.caches.forget_audio();
    Ok(())
}

/// The file to play for `track_id`: the best one whose bytes are there.
pub async fn locate(app: &App, track_id: &TrackId) -> AppResult<Playable> {
    let files = track_audio(app, track_id).await?;
    if files.is_empty()
        && app
            .store
            .existing_tracks(std::slice::from_ref(track_id))
            .await?
            .is_empty()
    {
        return Err(AppError::not_found(&format!("track `{track_id}`")));
    }
    let any_missing = !files.is_empty();
    for file in files
        .iter()
        .filter(|f| f.status == AudioStatus::Present)
        .cloned()
    {
        let recorded = recorded(file);
        let at = recorded.location.clone();
        if matches!(at, Location::Object(_)) {
            return Ok(recorded);
        }
        match app.audio.storage.head(&at).await {
            Ok(now)
                if now.size == recorded.size && now.last_modified_ms == recorded.file.mtime_ms =>
            {
                return Ok(recorded)
            }
            // Changed since the scan: served as it is now, with validators of its own.
            Ok(now) => {
                return Ok(Playable {
                    size: now.size,
                    etag: format!("{:x}-{:x}", now.size, now.last_modified_ms),
                    last_modified_ms: now.last_modified_ms,
                    ..recorded
                })
            }
            Err(StorageError::NotFound(_)) => {
                tracing::warn!(track = %track_id, file = %recorded.file.id, "an audio file is gone from its folder; marked missing");
                mark_missing(app, &recorded.file).await?;
            }
            Err(e) => return Err(storage_error(e)),
        }
    }
    Err(no_audio(track_id, any_missing))
}

/// A file as it was recorded when scanned or uploaded, with the validators of that moment.
fn recorded(file: AudioFile) -> Playable {
    Playable {
        size: file.size as u64,
        etag: file.content_hash[..32.min(file.content_hash.len())].to_owned(),
        last_modified_ms: if file.origin == AudioOrigin::Scan {
            file.mtime_ms
        } else {
            file.created_at_ms
        },
        location: location(&file),
        content_type: Format::parse(&file.format).map_or("application/octet-stream", Format::mime),
        file,
    }
}

/// The file that plays for a track as this node remembers it, with the file on this machine
/// that holds its bytes (see [`remembered`]).
pub struct Remembered {
    pub playable: Playable,
    path: std::path::PathBuf,
}

/// The file that plays for `track_id` as this node remembers it, without looking at the file,
/// when its bytes are in a file on this machine (read in place, or an object of a local
/// folder): for [`read_remembered`], which checks the file as it reads it. `None` otherwise
/// (no file present, or one in S3), and then [`locate`] decides.
pub async fn remembered(app: &App, track_id: &TrackId) -> AppResult<Option<Remembered>> {
    let files = track_audio(app, track_id).await?;
    let Some(file) = files.iter().find(|f| f.status == AudioStatus::Present) else {
        return Ok(None);
    };
    let playable = recorded(file.clone());
    Ok(app
        .audio
        .storage
        .local_file(&playable.location)
        .map(|path| Remembered { playable, path }))
}

/// `range` of a [`remembered`] file, found in one trip to the blocking pool that first checks
/// the opened file is as recorded (its size, and its modification time for a file read in
/// place): read, or with `send_cached` and its pages in the page cache, the opened file for the
/// caller to send from there (see [`medley_audio::LocalRange`]). `None` when the file changed
/// or is gone, or a range longer than [`medley_audio::ONE_READ`] is not cached: [`locate`] then
/// finds out what plays now and marks what is missing.
pub async fn read_remembered(
    remembered: &Remembered,
    range: Range<u64>,
    send_cached: bool,
) -> AppResult<Option<medley_audio::LocalRange>> {
    let Remembered { playable, path } = remembered;
    let modified_ms = match playable.location {
        Location::Disk(_) => Some(playable.file.mtime_ms),
        Location::Object(_) => None,
    };
    medley_audio::read_range_if_unchanged(path, range, playable.size, modified_ms, send_cached)
        .await
        .map_err(storage_error)
}

/// The bytes of a playable file, or of `range` of them: from this node's copy of a hot object
/// when it has one (a miss starts making one).
pub async fn open(
    app: &App,
    playable: &Playable,
    range: Option<Range<u64>>,
) -> AppResult<BoxStream<'static, Result<Bytes, StorageError>>> {
    open_from(app, playable, hot_copy(app, playable), range).await
}

/// This node's copy of the hot object that holds a playable file's bytes, if it has one; a
/// miss starts making one. `None` too for a file that is not an object in S3.
pub fn hot_copy(app: &App, playable: &Playable) -> Option<std::path::PathBuf> {
    match (&app.audio.hot, &playable.location) {
        (Some(hot), Location::Object(key)) => hot.lookup(&app.audio.storage, key, playable.size),
        _ => None,
    }
}

/// [`open`], with the hot copy already looked up ([`hot_copy`]).
pub async fn open_from(
    app: &App,
    playable: &Playable,
    hot: Option<std::path::PathBuf>,
    range: Option<Range<u64>>,
) -> AppResult<BoxStream<'static, Result<Bytes, StorageError>>> {
    if let Some(path) = hot {
        match app
            .audio
            .storage
            .read(&Location::Disk(path), range.clone())
            .await
        {
            Ok(stream) => return Ok(stream),
            // Evicted a moment ago: the store has it.
            Err(e) => tracing::debug!(error = %Causes(&e), "a hot object could not be read"),
        }
    }
    match app.audio.storage.read(&playable.location, range).await {
        Ok(stream) => Ok(stream),
        Err(StorageError::NotFound(_)) => {
            mark_missing(app, &playable.file).await?;
            Err(no_audio(&playable.file.track_id, true))
        }
        Err(e) => Err(storage_error(e)),
    }
}

/// A signed URL streaming `track_id` for `user_id`, valid for the configured time; `base` is
/// the server's public URL. A track without audio has none (404).
pub async fn link(
    app: &App,
    user_id: &UserId,
    track_id: &TrackId,
    base: &str,
) -> AppResult<StreamLink> {
    let playable = locate(app, track_id).await?;
    let ttl = app.audio.settings.stream_url_ttl.as_secs() as i64;
    let expires = crate::now_ms() / 1000 + ttl.max(1);
    let signature = app.audio.signer.sign(track_id, user_id, expires);
    Ok(StreamLink {
        url: format!(
            "{base}/v1/tracks/{track_id}/stream?user={user_id}&expires={expires}&signature={signature}"
        ),
        expires_at_s: expires,
        content_type: playable.content_type,
        size: playable.size,
    })
}

/// Checks the signature of a signed stream URL.
pub fn check_link(
    app: &App,
    track_id: &TrackId,
    user_id: &UserId,
    expires_s: i64,
    signature: &str,
) -> AppResult<()> {
    app.audio
        .signer
        .verify(
            track_id,
            user_id,
            expires_s,
            signature,
            crate::now_ms() / 1000,
        )
        .map_err(|e| AppError::Unauthorized(e.to_string()))
}

/// The signed URL streaming `track_id` for `user_id` until `expires_s` (Unix seconds), with
/// no lookup: for callers that already know the track has audio (a live show's listeners).
pub fn signed_url(
    audio: &super::Audio,
    base: &str,
    user_id: &UserId,
    track_id: &str,
    expires_s: i64,
) -> String {
    let signature = audio.signer.sign(track_id, user_id, expires_s);
    format!("{base}/v1/tracks/{track_id}/stream?user={user_id}&expires={expires_s}&signature={signature}")
}
