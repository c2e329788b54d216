//! What a user collects besides liked songs: saved albums and followed artists; and the
//! artist ranking by plays that `top-tracks` answers.

use async_trait::async_trait;
use medley_domain::{AlbumId, ArtistId, TrackId, UserId};
use sqlx::Row;

use crate::error::Result;
use crate::sql::{params, SqlStore};

#[async_trait]
pub trait CollectionStore: Send + Sync {
    /// Saves albums (already saved ones keep their date); returns how many were new.
    async fn save_albums(&self, user_id: &UserId, ids: &[AlbumId], now_ms: i64) -> Result<u64>;
    async fn unsave_albums(&self, user_id: &UserId, ids: &[AlbumId]) -> Result<u64>;
    /// Most recently saved first: `(album_id, added_at_ms)`, and the total.
    async fn saved_albums(
        &self,
        user_id: &UserId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<(AlbumId, i64)>, i64)>;
    async fn saved_albums_contain(&self, user_id: &UserId, ids: &[AlbumId]) -> Result<Vec<bool>>;

    async fn follow_artists(&self, user_id: &UserId, ids: &[ArtistId], now_ms: i64) -> Result<()>;
    async fn unfollow_artists(&self, user_id: &UserId, ids: &[ArtistId]) -> Result<()>;
    /// Followed artists in id order after the artist `after` (at most `limit`), and how many
    /// the user follows in all.
    async fn followed_artists(
        &self,
        user_id: &UserId,
        after: Option<&str>,
        limit: i64,
    ) -> Result<(Vec<ArtistId>, i64)>;
    async fn follows_artists(&self, user_id: &UserId, ids: &[ArtistId]) -> Result<Vec<bool>>;

    /// The artist's tracks, most played first (plays of at least `min_ms` by every listener),
    /// then by name; at most `limit`.
    async fn artist_top_tracks(
        &self,
        artist_id: &ArtistId,
        min_ms: i64,
        limit: i64,
    ) -> Result<Vec<TrackId>>;
}

/// `SELECT <column> FROM <table> WHERE user_id = $1 AND <column> IN (ids)`.
async fn present<T: AsRef<str> + Sync>(
    store: &SqlStore,
    table: &str,
    column: &str,
    user_id: &UserId,
    ids: &[T],
) -> Result<Vec<bool>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT {column} FROM {table} WHERE user_id = $1 AND {column} IN ({})",
        params(2, ids.len())
    );
    let mut q = sqlx::query_scalar::<_, String>(&sql).bind(user_id.as_str());
    for id in ids {
        q = q.bind(id.as_ref());
    }
    let found: Vec<String> = q.fetch_all(&store.read).await?;
    Ok(ids
        .iter()
        .map(|id| found.iter().any(|f| f == id.as_ref()))
        .collect())
}

async fn remove<T: AsRef<str> + Sync>(
    store: &SqlStore,
    table: &str,
    column: &str,
    user_id: &UserId,
    ids: &[T],
) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "DELETE FROM {table} WHERE user_id = $1 AND {column} IN ({})",
        params(2, ids.len())
    );
    let mut q = sqlx::query(&sql).bind(user_id.as_str());
    for id in ids {
        q = q.bind(id.as_ref());
    }
    Ok(q.execute(&store.write).await?.rows_affected())
}

#[async_trait]
impl CollectionStore for SqlStore {
    async fn save_albums(&self, user_id: &UserId, ids: &[AlbumId], now_ms: i64) -> Result<u64> {
        let mut tx = self.write.begin().await?;
        let mut seq: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM saved_albums WHERE user_id = $1")
                .bind(user_id.as_str())
                .fetch_one(&mut *tx)
                .await?;
        let mut added = 0;
        for id in ids {
            seq += 1;
            added += sqlx::query(
                "INSERT INTO saved_albums (user_id, album_id, added_at, seq) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(user_id.as_str())
            .bind(id.as_str())
            .bind(now_ms)
            .bind(seq)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    async fn unsave_albums(&self, user_id: &UserId, ids: &[AlbumId]) -> Result<u64> {
        remove(self, "saved_albums", "album_id", user_id, ids).await
    }

    async fn saved_albums(
        &self,
        user_id: &UserId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<(AlbumId, i64)>, i64)> {
        let rows = sqlx::query(
            "SELECT album_id, added_at FROM saved_albums WHERE user_id = $1 \
             ORDER BY seq DESC LIMIT $2 OFFSET $3",
        )
        .bind(user_id.as_str())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM saved_albums WHERE user_id = $1")
            .bind(user_id.as_str())
            .fetch_one(&self.read)
            .await?;
        let items = rows
            .iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?.into(), r.try_get(1)?)))
            .collect::<Result<_>>()?;
        Ok((items, total))
    }

    async fn saved_albums_contain(&self, user_id: &UserId, ids: &[AlbumId]) -> Result<Vec<bool>> {
        present(self, "saved_albums", "album_id", user_id, ids).await
    }

    async fn follow_artists(&self, user_id: &UserId, ids: &[ArtistId], now_ms: i64) -> Result<()> {
        let mut tx = self.write.begin().await?;
        for id in ids {
            sqlx::query(
                "INSERT INTO followed_artists (user_id, artist_id, followed_at) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(user_id.as_str())
            .bind(id.as_str())
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn unfollow_artists(&self, user_id: &UserId, ids: &[ArtistId]) -> Result<()> {
        remove(self, "followed_artists", "artist_id", user_id, ids).await?;
        Ok(())
    }

    async fn followed_artists(
        &self,
        user_id: &UserId,
        after: Option<&str>,
        limit: i64,
    ) -> Result<(Vec<ArtistId>, i64)> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT artist_id FROM followed_artists WHERE user_id = $1 AND artist_id > $2 \
             ORDER BY artist_id LIMIT $3",
        )
        .bind(user_id.as_str())
        .bind(after.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM followed_artists WHERE user_id = $1")
                .bind(user_id.as_str())
                .fetch_one(&self.read)
                .await?;
        Ok((ids.into_iter().map(ArtistId::from).collect(), total))
    }

    async fn follows_artists(&self, user_id: &UserId, ids: &[ArtistId]) -> Result<Vec<bool>> {
        present(self, "followed_artists", "artist_id", user_id, ids).await
    }

    async fn artist_top_tracks(
        &self,
        artist_id: &ArtistId,
        min_ms: i64,
        limit: i64,
    ) -> Result<Vec<TrackId>> {
        Ok(sqlx::query_scalar::<_, String>(
            "SELECT t.id FROM tracks t \
             JOIN (SELECT DISTINCT track_id FROM track_artists WHERE artist_id = $1) mine \
               ON mine.track_id = t.id \
             LEFT JOIN (SELECT track_id, COUNT(*) AS n FROM plays \
               WHERE track_id IN (SELECT track_id FROM track_artists WHERE artist_id = $1) \
               AND ms_played >= $2 GROUP BY track_id) played \
               ON played.track_id = t.id \
             ORDER BY COALESCE(played.n, 0) DESC, t.name, t.id LIMIT $3",
        )
        .bind(artist_id.as_str())
        .bind(min_ms)
        .bind(limit)
        .fetch_all(&self.read)
        .await?
        .into_iter()
        .map(TrackId::from)
        .collect())
    }
}
