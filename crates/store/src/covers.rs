//! Album covers: which picture each album shows (its hash and size, kept on the album's row)
//! and where it came from, so that a picture found beside the files is not replaced by one
//! embedded in a file.

use std::collections::HashMap;

use async_trait::async_trait;
use medley_domain::catalog::Cover;
use medley_domain::{AlbumId, TrackId};
use sqlx::Row;

use crate::catalog::cover_columns;
use crate::error::Result;
use crate::sql::{params, SqlStore};

/// Where an album's cover came from.
pub const FROM_FOLDER: &str = "folder";
pub const FROM_FILE: &str = "embedded";

/// An album's cover and its source ([`FROM_FOLDER`] or [`FROM_FILE`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlbumCover {
    pub cover: Cover,
    pub source: String,
}

#[async_trait]
pub trait CoverStore: Send + Sync {
    /// The album of each of `track_ids` that exists (`track id → album id`), and the cover of
    /// each of those albums that has one (`album id → cover`).
    async fn track_albums(
        &self,
        track_ids: &[TrackId],
    ) -> Result<(HashMap<TrackId, AlbumId>, HashMap<AlbumId, AlbumCover>)>;
    /// Sets an album's cover; false when there is no such album.
    async fn set_album_cover(
        &self,
        album_id: &AlbumId,
        cover: &AlbumCover,
        now_ms: i64,
    ) -> Result<bool>;
}

#[async_trait]
impl CoverStore for SqlStore {
    async fn track_albums(
        &self,
        track_ids: &[TrackId],
    ) -> Result<(HashMap<TrackId, AlbumId>, HashMap<AlbumId, AlbumCover>)> {
        let mut albums = HashMap::new();
        let mut covers = HashMap::new();
        for chunk in track_ids.chunks(500) {
            let sql = format!(
                "SELECT t.id AS track_id, al.id AS album_id, al.cover_hash, al.cover_width, \
                 al.cover_height, al.cover_source \
                 FROM tracks t JOIN albums al ON al.id = t.album_id WHERE t.id IN ({})",
                params(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for row in q.fetch_all(&self.read).await? {
                let album = AlbumId::from(row.try_get::<String, _>("album_id")?);
                if let Some(cover) = cover_columns(&row, "album_id")? {
                    let source: Option<String> = row.try_get("cover_source")?;
                    covers.insert(
                        album.clone(),
                        AlbumCover {
                            cover,
                            source: source.unwrap_or_else(|| FROM_FILE.into()),
                        },
                    );
                }
                albums.insert(TrackId::from(row.try_get::<String, _>("track_id")?), album);
            }
        }
        Ok((albums, covers))
    }

    async fn set_album_cover(
        &self,
        album_id: &AlbumId,
        cover: &AlbumCover,
        now_ms: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE albums SET cover_hash = $1, cover_width = $2, cover_height = $3, \
             cover_source = $4, cover_set_at = $6 WHERE id = $5",
        )
        .bind(&cover.cover.hash)
        .bind(cover.cover.width)
        .bind(cover.cover.height)
        .bind(&cover.source)
        .bind(album_id.as_str())
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
