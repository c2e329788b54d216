//! A playlist's cover image: one JPEG per playlist, replaced by each upload.

use async_trait::async_trait;
use medley_domain::PlaylistId;
use sqlx::Row;

use super::changes::{begin_change, finish_change};
use crate::error::Result;
use crate::sql::SqlStore;

/// A stored cover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaylistCover {
    pub jpeg: Vec<u8>,
    pub width: i64,
    pub height: i64,
    /// Changes with every upload (the playlist's version at the time).
    pub version: i64,
}

#[async_trait]
pub trait PlaylistCoverStore: Send + Sync {
    /// Replaces the cover and, in the same transaction, the playlist's snapshot (a new cover
    /// is a change of the playlist, as on Spotify). `NotFound` when there is no such playlist.
    async fn set_playlist_cover(
        &self,
        playlist_id: &PlaylistId,
        jpeg: &[u8],
        width: i64,
        height: i64,
        now_ms: i64,
    ) -> Result<i64>;
    async fn playlist_cover(&self, playlist_id: &PlaylistId) -> Result<Option<PlaylistCover>>;
    /// The cover's size and version, without its bytes.
    async fn playlist_cover_info(
        &self,
        playlist_id: &PlaylistId,
    ) -> Result<Option<(i64, i64, i64)>>;
}

#[async_trait]
impl PlaylistCoverStore for SqlStore {
    async fn set_playlist_cover(
        &self,
        playlist_id: &PlaylistId,
        jpeg: &[u8],
        width: i64,
        height: i64,
        now_ms: i64,
    ) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        let (version, _, count) = begin_change(&mut tx, playlist_id).await?;
        sqlx::query(
            "INSERT INTO playlist_covers (playlist_id, jpeg, width, height, version) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (playlist_id) DO UPDATE SET \
             jpeg = excluded.jpeg, width = excluded.width, height = excluded.height, \
             version = excluded.version",
        )
        .bind(playlist_id.as_str())
        .bind(jpeg.to_vec())
        .bind(width)
        .bind(height)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        finish_change(&mut tx, playlist_id, version, count, now_ms).await?;
        tx.commit().await?;
        Ok(version)
    }

    async fn playlist_cover(&self, playlist_id: &PlaylistId) -> Result<Option<PlaylistCover>> {
        let row = sqlx::query(
            "SELECT jpeg, width, height, version FROM playlist_covers WHERE playlist_id = $1",
        )
        .bind(playlist_id.as_str())
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(PlaylistCover {
                jpeg: r.try_get(0)?,
                width: r.try_get(1)?,
                height: r.try_get(2)?,
                version: r.try_get(3)?,
            })
        })
        .transpose()
    }

    async fn playlist_cover_info(
        &self,
        playlist_id: &PlaylistId,
    ) -> Result<Option<(i64, i64, i64)>> {
        let row = sqlx::query(
            "SELECT width, height, version FROM playlist_covers WHERE playlist_id = $1",
        )
        .bind(playlist_id.as_str())
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .transpose()
    }
}
