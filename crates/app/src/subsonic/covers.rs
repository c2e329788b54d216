//! Cover art as players ask for it (`getCoverArt`): the picture embedded in the audio file of
//! a song, or of an album's or artist's cover song, read from the file's bytes.

use medley_audio::{embedded_cover, CoverImage};

use super::browse::not_found;
use super::library::Library;
use crate::error::{AppError, AppResult};
use crate::library::streams::locate;
use crate::App;

/// A cover and a strong validator for it (the file's).
pub struct Cover {
    pub image: CoverImage,
    pub etag: String,
}

/// The cover art `id` names (a song, an album or an artist).
pub async fn cover(app: &App, lib: &Library, id: &str) -> AppResult<Cover> {
    let song = lib
        .cover_song(id)
        .ok_or_else(|| not_found("cover art", id))?;
    let playable = locate(app, &song.id).await?;
    let bytes = app
        .audio
        .storage
        .read_all(&playable.location)
        .await
        .map_err(|e| AppError::internal(e, "reading an audio file for its cover"))?;
    let image = tokio::task::spawn_blocking(move || embedded_cover(&bytes))
        .await
        .map_err(|e| AppError::internal(e, "waiting for the cover reader"))?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "the audio file of `{id}` carries no readable cover picture"
            ))
        })?;
    Ok(Cover {
        image,
        etag: format!("{}-cover", playable.etag),
    })
}
