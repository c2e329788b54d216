//! Audio made for catalog tracks rather than found or uploaded (the demo's clips): each clip
//! is read like an upload (format, properties, tags, hash), stored under its content hash,
//! and recorded as a file of the track the caller names, so it streams like any other audio
//! (ranges, validators). Tracks that already have a present file are left alone, so running
//! it again after an interruption only finishes the work.

use medley_domain::{AudioFileId, TrackId};
use medley_store::{AudioFile, AudioOrigin, TrackChoice};

use super::ingest;
use crate::error::{storage_error, AppError, AppResult};
use crate::App;

/// Clips written to the database at once.
const BATCH: usize = 64;

/// A clip for a track.
pub struct Clip {
    pub track_id: TrackId,
    /// The file name it is known by (`demo/0001.wav`).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Gives each clip's track that has no audio yet the clip; returns how many were given.
/// `make` is called only for the tracks that need one, in batches.
pub async fn attach(
    app: &App,
    track_ids: &[TrackId],
    mut make: impl FnMut(usize) -> Clip,
) -> AppResult<u64> {
    let dir = app.config.spool_dir.join("generated");
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| AppError::internal(e, "creating the folder of generated audio"))?;
    let mut given = 0;
    for (chunk_no, chunk) in track_ids.chunks(BATCH).enumerate() {
        let with_audio: std::collections::HashSet<TrackId> = app
            .store
            .tracks_with_audio(chunk)
            .await?
            .into_iter()
            .collect();
        let mut rows: Vec<(AudioFile, TrackChoice)> = Vec::new();
        for (i, track) in chunk.iter().enumerate() {
            if with_audio.contains(track) {
                continue;
            }
            let clip = make(chunk_no * BATCH + i);
            rows.push((
                store_clip(app, &dir, clip).await?,
                TrackChoice::Existing(track.clone()),
            ));
        }
        if rows.is_empty() {
            continue;
        }
        app.store
            .write_audio_files(&[], &rows, crate::now_ms())
            .await?;
        app.caches.forget_audio();
        given += rows.len() as u64;
    }
    Ok(given)
}

/// Reads the clip as an upload is read and stores its bytes; returns its row.
async fn store_clip(app: &App, dir: &std::path::Path, clip: Clip) -> AppResult<AudioFile> {
    let path = dir.join(format!("{}.clip", medley_domain::new_id()));
    tokio::fs::write(&path, &clip.bytes)
        .await
        .map_err(|e| AppError::internal(e, "writing a generated clip"))?;
    let probe_path = path.clone();
    let probed = tokio::task::spawn_blocking(move || medley_audio::probe(&probe_path))
        .await
        .map_err(|e| AppError::internal(e, "reading a generated clip"))?;
    let stored = async {
        let probed = probed.map_err(|e| AppError::internal(e, "reading a generated clip"))?;
        let key = medley_audio::object_key(&probed.content_hash, probed.format);
        let storage = &app.audio.storage;
        if !storage.exists(&key).await.map_err(storage_error)? {
            storage.put_file(&key, &path).await.map_err(storage_error)?;
        }
        let mut row = ingest::row(
            &probed,
            AudioFileId::new(),
            AudioOrigin::Upload,
            "",
            &clip.name,
        );
        row.object_key = Some(key);
        Ok(row)
    }
    .await;
    let _ = tokio::fs::remove_file(&path).await;
    stored
}
