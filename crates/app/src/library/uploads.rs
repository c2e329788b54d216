//! Uploads: a file sent as the request body is spooled to disk (never more than the configured
//! size), read (format from its content, tags, hash), put in the audio storage under its
//! content hash, and recorded with its track, matched like a scanned file. A file that is not
//! audio, or is damaged, is refused with nothing stored; so is one whose recording fails after
//! its bytes were stored (they are removed again).

use std::path::PathBuf;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use medley_audio::{ProbeError, Probed};
use medley_domain::catalog::Track;
use medley_domain::user::User;
use medley_domain::AudioFileId;
use medley_store::{AudioFile, AudioOrigin};
use tokio::io::AsyncWriteExt;

use super::covers;
use super::ingest::{self, Incoming};
use super::Uploaders;
use crate::error::{storage_error, AppError, AppResult};
use crate::App;

/// An uploaded file and the track it is the audio of.
#[derive(Clone, Debug)]
pub struct Uploaded {
    pub file: AudioFile,
    pub track: Track,
}

/// Whether `user` may upload audio.
pub fn may_upload(app: &App, user: &User) -> AppResult<()> {
    let allowed = user.is_admin
        || match &app.audio.settings.uploaders {
            Uploaders::Admins => false,
            Uploaders::Everyone => true,
            Uploaders::Users(names) => names.contains(&user.username),
        };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "you may not upload audio on this server: its operator allows administrators \
             (and the users MEDLEY_UPLOADERS names)"
                .into(),
        ))
    }
}

/// The file name an upload is known by: its last path component (so `../../etc/passwd.mp3`
/// is `passwd.mp3`), without control characters or leading dots, at most 255 characters.
/// Names never reach the file system: objects are named by content hash.
pub fn clean_name(raw: Option<&str>) -> String {
    let raw = raw.unwrap_or_default();
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .trim()
        .chars()
        .take(255)
        .collect();
    if cleaned.is_empty() {
        "upload".into()
    } else {
        cleaned
    }
}

/// The spooled upload; removed when dropped.
struct Spool(PathBuf);

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Streams `body` to the spool folder, refusing more than the configured size.
async fn spool<E: std::fmt::Display>(
    app: &App,
    body: impl Stream<Item = Result<Bytes, E>>,
) -> AppResult<Spool> {
    let dir = &app.config.spool_dir;
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| AppError::internal(e, "creating the upload folder"))?;
    let spool = Spool(dir.join(format!("{}.audio", medley_domain::new_id())));
    let mut file = tokio::fs::File::create(&spool.0)
        .await
        .map_err(|e| AppError::internal(e, "creating the upload's file"))?;
    let max = app.audio.settings.upload_max_bytes;
    let mut written = 0u64;
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::Invalid(format!(
                "the upload broke off after {written} bytes ({e}); nothing was stored, send the \
                 file again"
            ))
        })?;
        written += chunk.len() as u64;
        if written > max {
            return Err(AppError::TooLarge(format!(
                "the file is larger than the {max} bytes this server accepts \
                 (MEDLEY_UPLOAD_MAX_BYTES); nothing was stored"
            )));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| AppError::internal(e, "writing the upload"))?;
    }
    file.flush()
        .await
        .map_err(|e| AppError::internal(e, "writing the upload"))?;
    Ok(spool)
}

fn refused(name: &str, e: ProbeError) -> AppError {
    match e {
        ProbeError::Unknown => {
            AppError::UnsupportedFormat(format!("{name}: {e}; nothing was stored"))
        }
        ProbeError::Io(io) => AppError::internal(io, "reading an upload"),
        e => AppError::Unprocessable(format!("{name}: {e}; nothing was stored")),
    }
}

/// Uploads a file for `user`; `name` is the file's name as the client gave it.
pub async fn upload<E: std::fmt::Display>(
    app: &App,
    user: &User,
    name: Option<&str>,
    body: impl Stream<Item = Result<Bytes, E>>,
) -> AppResult<Uploaded> {
    may_upload(app, user)?;
    let name = clean_name(name);
    let spooled = spool(app, body).await?;
    let path = spooled.0.clone();
    let probed: Probed = tokio::task::spawn_blocking(move || medley_audio::probe(&path))
        .await
        .map_err(|e| AppError::internal(e, "reading an upload"))?
        .map_err(|e| refused(&name, e))?;
    let key = medley_audio::object_key(&probed.content_hash, probed.format);
    let storage = &app.audio.storage;
    let new_object = !storage.exists(&key).await.map_err(storage_error)?;
    if new_object {
        storage
            .put_file(&key, &spooled.0)
            .await
            .map_err(storage_error)?;
    }
    let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
    let (match_key, track) = ingest::describe(&probed, stem);
    let mut row = ingest::row(&probed, AudioFileId::new(), AudioOrigin::Upload, "", &name);
    row.object_key = Some(key.clone());
    row.uploaded_by = Some(user.id.clone());
    let file_id = row.id.clone();
    let written = ingest::write(
        app,
        vec![Incoming {
            row,
            key: match_key,
            track,
        }],
    )
    .await;
    let track_id = match written {
        Ok((_, mut tracks)) => tracks.pop(),
        Err(e) => {
            if new_object && !app.store.object_in_use(&key).await.unwrap_or(true) {
                let _ = storage.delete(&key).await;
            }
            return Err(e);
        }
    };
    if let Some(track_id) = track_id.filter(|_| probed.tags.cover.is_some()) {
        let file = covers::Written {
            track_id,
            path: spooled.0.clone(),
            embedded: true,
            beside: false,
        };
        // The file is recorded: a cover that cannot be stored is logged, not an error.
        if let Err(e) = covers::attach(app, vec![file]).await {
            tracing::warn!("the cover of an upload was not stored: {e}");
        }
    }
    drop(spooled);
    let file = app
        .store
        .audio_file(&file_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the file just recorded is gone")))?;
    let track = app
        .store
        .tracks(std::slice::from_ref(&file.track_id))
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the file's track is gone")))?;
    Ok(Uploaded { file, track })
}

/// A file, for an administrator or the user who uploaded it (to anyone else it does not
/// exist).
pub async fn get(app: &App, user: &User, id: &AudioFileId) -> AppResult<AudioFile> {
    let file = app.store.audio_file(id).await?;
    match file {
        Some(f) if user.is_admin || f.uploaded_by.as_ref() == Some(&user.id) => Ok(f),
        _ => Err(AppError::NotFound(format!(
            "audio file `{id}` does not exist or is not visible to you"
        ))),
    }
}

/// Deletes an uploaded file (administrators, or the user who uploaded it). Its track stays in
/// the catalog and in playlists; its bytes go when no other file shares them. A scanned file
/// is deleted from its folder, not here.
pub async fn delete(app: &App, user: &User, id: &AudioFileId) -> AppResult<()> {
    let file = get(app, user, id).await?;
    if file.origin != AudioOrigin::Upload {
        return Err(AppError::Conflict(format!(
            "audio file `{id}` was found by a library scan: delete it from its folder ({}) and \
             scan again",
            file.root
        )));
    }
    app.store.delete_audio_file(id).await?;
    app.caches.forget_audio();
    if let Some(key) = &file.object_key {
        if !app.store.object_in_use(key).await? {
            app.audio.storage.delete(key).await.map_err(storage_error)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_folders_and_dangerous_characters() {
        assert_eq!(clean_name(Some("../../etc/passwd.mp3")), "passwd.mp3");
        assert_eq!(clean_name(Some("..\\..\\boot.ini.flac")), "boot.ini.flac");
        assert_eq!(clean_name(Some("/abs/path/song.ogg")), "song.ogg");
        assert_eq!(clean_name(Some("..")), "upload");
        assert_eq!(clean_name(Some(".hidden.mp3")), "hidden.mp3");
        assert_eq!(clean_name(Some("a\u{0}b\nc.mp3")), "abc.mp3");
        assert_eq!(clean_name(Some("dir/")), "upload");
        assert_eq!(clean_name(None), "upload");
        assert_eq!(clean_name(Some(&"x".repeat(400))).len(), 255);
        assert_eq!(clean_name(Some("Beyoncé – Halo.m4a")), "Beyoncé – Halo.m4a");
    }
}
