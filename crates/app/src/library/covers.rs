//! Album covers: found when files are scanned or uploaded, stored once, served resized.
//!
//! Where a cover comes from: a picture beside the audio (`cover.*`, `folder.*`, `front.*`)
//! wins; otherwise the picture embedded in one of the album's files, when the album has no
//! cover yet. The picture is stored once in the audio storage under the SHA-256 of its bytes
//! (`covers/ab/abcdef…`), and the album's row keeps that hash and the picture's size.
//!
//! Served resized: fitted within `size`×`size` pixels (64 to 1200), JPEG, made once per
//! (cover, size) and kept on this node's disk (`<data-dir>/cache/covers`), so a cover's
//! resized image never changes: its URL carries the hash, and it may be cached for a year.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use medley_audio::art::{self, Picture, SIZES};
use medley_audio::cover::image_mime;
use medley_audio::Location;
use medley_domain::catalog::Cover;
use medley_domain::{AlbumId, TrackId};
use medley_store::covers::{FROM_FILE, FROM_FOLDER};
use medley_store::AlbumCover;

use crate::error::{storage_error, AppError, AppResult};
use crate::App;

/// A file just written to the library, as far as covers are concerned.
#[derive(Clone, Debug)]
pub struct Written {
    pub track_id: TrackId,
    /// Where its bytes can be read on this machine (the scanned file, or the upload's spool).
    pub path: PathBuf,
    /// Whether its tags carry a picture.
    pub embedded: bool,
    /// Whether to look for a picture beside it (scanned files; not uploads).
    pub beside: bool,
}

/// A cover's picture (or a resized image of it), ready to send.
#[derive(Clone, Debug)]
pub struct Image {
    pub bytes: Bytes,
    pub mime: &'static str,
    /// A strong validator: the cover's hash and the size.
    pub etag: String,
    pub width: u32,
    pub height: u32,
}

/// Whether a file's tags (as stored, JSON) say it carries a picture.
pub fn has_picture(tags_json: &str) -> bool {
    serde_json::from_str::<medley_audio::AudioTags>(tags_json).is_ok_and(|t| t.cover.is_some())
}

/// The size `requested` if it is one a cover is served at.
pub fn check_size(requested: i64) -> AppResult<u32> {
    u32::try_from(requested)
        .ok()
        .filter(|s| SIZES.contains(s))
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "`size` is the longest side in pixels, from {} to {}; {requested} is not one",
                SIZES.start(),
                SIZES.end()
            ))
        })
}

/// Gives the albums of `files` the covers they bring (see the module's rules); returns how
/// many albums got a new cover. A picture that cannot be read is passed over (logged).
pub async fn attach(app: &App, files: Vec<Written>) -> AppResult<u64> {
    if files.is_empty() {
        return Ok(0);
    }
    let ids: Vec<TrackId> = files.iter().map(|f| f.track_id.clone()).collect();
    let (album_of, current) = app.store.track_albums(&ids).await?;
    let mut by_album: BTreeMap<AlbumId, Vec<Written>> = BTreeMap::new();
    for f in files {
        if let Some(album) = album_of.get(&f.track_id) {
            by_album.entry(album.clone()).or_default().push(f);
        }
    }
    let mut changed = 0;
    for (album, files) in by_album {
        let now = current.get(&album);
        let Some((picture, source)) = find(files, now).await else {
            continue;
        };
        if now.is_some_and(|c| c.cover.hash == picture.hash) {
            continue;
        }
        store(app, &picture).await?;
        let cover = AlbumCover {
            cover: Cover {
                album_id: album.clone(),
                hash: picture.hash.clone(),
                width: i64::from(picture.width),
                height: i64::from(picture.height),
            },
            source: source.into(),
        };
        if app
            .store
            .set_album_cover(&album, &cover, crate::now_ms())
            .await?
        {
            changed += 1;
            forget_album(app, &album).await?;
        }
    }
    Ok(changed)
}

/// The picture an album's files bring, if it is to replace `now`: one beside them, else (when
/// the album has none) one embedded in them.
async fn find(files: Vec<Written>, now: Option<&AlbumCover>) -> Option<(Picture, &'static str)> {
    let embedded_wanted = now.is_none();
    tokio::task::spawn_blocking(move || {
        let mut dirs: Vec<&Path> = files
            .iter()
            .filter(|f| f.beside)
            .filter_map(|f| f.path.parent())
            .collect();
        dirs.dedup();
        for dir in dirs {
            if let Some(path) = art::folder_picture(dir) {
                match art::picture_file(&path) {
                    Ok(p) => return Some((p, FROM_FOLDER)),
                    Err(e) => tracing::info!(path = %path.display(), "cover passed over: {e}"),
                }
            }
        }
        if !embedded_wanted {
            return None;
        }
        for f in files.iter().filter(|f| f.embedded) {
            let Some(found) = medley_audio::embedded_cover_file(&f.path) else {
                continue;
            };
            match art::picture(found.bytes) {
                Ok(p) => return Some((p, FROM_FILE)),
                Err(e) => {
                    tracing::info!(path = %f.path.display(), "embedded cover passed over: {e}")
                }
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
}

/// Puts the picture in the audio storage, unless it is there already.
async fn store(app: &App, picture: &Picture) -> AppResult<()> {
    let key = art::cover_key(&picture.hash);
    let storage = &app.audio.storage;
    if !storage.exists(&key).await.map_err(storage_error)? {
        storage
            .put_bytes(&key, Bytes::from(picture.bytes.clone()))
            .await
            .map_err(storage_error)?;
    }
    Ok(())
}

/// Drops the rendered tracks of an album whose cover changed.
async fn forget_album(app: &App, album: &AlbumId) -> AppResult<()> {
    let tracks = app.store.album_track_ids(album, 100_000, 0).await?;
    app.caches.forget_tracks(&tracks);
    Ok(())
}

/// An album's cover: the picture as stored (`size: None`) or fitted within `size` pixels.
pub async fn album_image(app: &App, album_id: &AlbumId, size: Option<u32>) -> AppResult<Image> {
    let album = app
        .store
        .album(album_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("album `{album_id}` does not exist")))?;
    let cover = album.cover.ok_or_else(|| {
        AppError::NotFound(format!(
            "album `{album_id}` has no cover picture: none was found in its files or beside them"
        ))
    })?;
    image(app, &cover, size).await
}

/// A cover's picture as stored, or resized (made once, then read from the disk cache).
pub async fn image(app: &App, cover: &Cover, size: Option<u32>) -> AppResult<Image> {
    let Some(size) = size else {
        let bytes = original(app, &cover.hash).await?;
        return Ok(Image {
            mime: image_mime(&bytes),
            etag: format!("{}-original", &cover.hash),
            width: cover.width as u32,
            height: cover.height as u32,
            bytes,
        });
    };
    let (width, height) = art::fit(cover.width as u32, cover.height as u32, size);
    let etag = format!("{}-{size}", &cover.hash);
    let cached = cache_path(&app.audio.settings.cover_cache_dir, &cover.hash, size);
    if let Ok(bytes) = tokio::fs::read(&cached).await {
        return Ok(Image {
            bytes: bytes.into(),
            mime: "image/jpeg",
            etag,
            width,
            height,
        });
    }
    let bytes = original(app, &cover.hash).await?;
    let resized = tokio::task::spawn_blocking(move || art::resize(&bytes, size))
        .await
        .map_err(|e| AppError::internal(e, "waiting for a cover to be resized"))?
        .map_err(|e| AppError::internal(e, "resizing a stored cover"))?;
    if let Err(e) = keep(&cached, &resized.jpeg).await {
        tracing::warn!(path = %cached.display(), "a resized cover could not be cached: {e}");
    }
    Ok(Image {
        bytes: resized.jpeg.into(),
        mime: "image/jpeg",
        etag,
        width: resized.width,
        height: resized.height,
    })
}

async fn original(app: &App, hash: &str) -> AppResult<Bytes> {
    app.audio
        .storage
        .read_all(&Location::Object(art::cover_key(hash)))
        .await
        .map_err(|e| match e {
            medley_audio::StorageError::NotFound(_) => AppError::NotFound(format!(
                "the cover picture {hash} is gone from the audio storage; scan the album's folder \
                 again"
            )),
            e => storage_error(e),
        })
}

fn cache_path(dir: &Path, hash: &str, size: u32) -> PathBuf {
    dir.join(&hash[..2.min(hash.len())])
        .join(format!("{hash}-{size}.jpg"))
}

/// Writes a cached image whole or not at all (a temporary file, then a rename).
async fn keep(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let tmp = path.with_extension(format!("{}.tmp", medley_domain::new_id()));
    tokio::fs::write(&tmp, bytes).await?;
    let renamed = tokio::fs::rename(&tmp, path).await;
    if renamed.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_outside_the_bounds_are_refused_with_the_bounds() {
        assert_eq!(check_size(64).unwrap(), 64);
        assert_eq!(check_size(1200).unwrap(), 1200);
        for bad in [0, 63, 1201, -5, i64::MAX] {
            let e = check_size(bad).unwrap_err().to_string();
            assert!(e.contains("64 to 1200"), "{e}");
        }
    }
}
