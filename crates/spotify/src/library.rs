//! The user: who they are, their Liked Songs, and what they played recently.

use reqwest::Method;
use serde_json::json;

use crate::client::Session;
use crate::error::Result;
use crate::objects::{CursorPage, PlayHistory, SavedTrack, User};
use crate::playlists::READ_PAGE;

/// Ids per Liked Songs write (Spotify's maximum).
pub const LIBRARY_BATCH: usize = 50;

impl Session {
    /// `GET /me`.
    pub async fn me(&self) -> Result<User> {
        self.read("GET /me", "/me", |_| Ok(())).await
    }

    /// Every saved track, newest first: ceil(n/50) requests.
    pub async fn liked_tracks(&self) -> Result<Vec<SavedTrack>> {
        self.all_pages("GET /me/tracks", format!("/me/tracks?limit={READ_PAGE}"))
            .await
    }

    /// A cheap change detector for Liked Songs (one request): how many there are and which was
    /// saved last. Saving always puts a track first, so any change moves one or the other.
    pub async fn liked_marker(&self) -> Result<String> {
        let page: crate::objects::Page<SavedTrack> = self
            .read("GET /me/tracks", "/me/tracks?limit=1", |_| Ok(()))
            .await?;
        let newest = page.items.first();
        Ok(format!(
            "{}:{}:{}",
            page.total,
            newest
                .and_then(|s| s.track.as_ref())
                .map_or("", |t| t.uri.as_str()),
            newest.and_then(|s| s.added_at.as_deref()).unwrap_or("")
        ))
    }

    /// Saves tracks to Liked Songs, 50 ids a request.
    pub async fn save_tracks(&self, ids: &[String]) -> Result<()> {
        for batch in ids.chunks(LIBRARY_BATCH) {
            self.write(
                Method::PUT,
                "PUT /me/tracks",
                "/me/tracks",
                &json!({ "ids": batch }),
            )
            .await?;
        }
        Ok(())
    }

    /// Removes tracks from Liked Songs, 50 ids a request.
    pub async fn unsave_tracks(&self, ids: &[String]) -> Result<()> {
        for batch in ids.chunks(LIBRARY_BATCH) {
            self.write(
                Method::DELETE,
                "DELETE /me/tracks",
                "/me/tracks",
                &json!({ "ids": batch }),
            )
            .await?;
        }
        Ok(())
    }

    /// Plays after `after_ms` (Unix ms), oldest reachable first in Spotify's order (newest
    /// first). Only the 50 most recent plays are ever reachable.
    pub async fn recently_played(&self, after_ms: Option<i64>) -> Result<Vec<PlayHistory>> {
        let url = match after_ms {
            Some(a) => format!("/me/player/recently-played?limit={READ_PAGE}&after={a}"),
            None => format!("/me/player/recently-played?limit={READ_PAGE}"),
        };
        let page: CursorPage<PlayHistory> = self
            .read("GET /me/player/recently-played", &url, |_| Ok(()))
            .await?;
        Ok(page.items)
    }
}
