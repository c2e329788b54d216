//! Cover art as players ask for it (`getCoverArt`): the cover of a song's album, an album, or
//! one of an artist's albums, through the same code as `GET /v1/albums/{id}/image`.

use medley_audio::art::SIZES;

use super::browse::not_found;
use super::library::Library;
use crate::error::AppResult;
use crate::library::covers::{image, Image};
use crate::App;

/// The cover art `id` names (a song, an album or an artist), as stored or fitted within
/// `size` pixels. Players ask for any size: one outside the sizes served is brought within
/// them rather than refused.
pub async fn cover(app: &App, lib: &Library, id: &str, size: Option<i64>) -> AppResult<Image> {
    let cover = lib.cover(id).ok_or_else(|| not_found("cover art", id))?;
    let size = size.map(|s| s.clamp(i64::from(*SIZES.start()), i64::from(*SIZES.end())) as u32);
    image(app, cover, size).await
}
