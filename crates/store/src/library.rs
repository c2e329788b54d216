//! A user's saved tracks ("Liked Songs").

use async_trait::async_trait;
use medley_domain::{TrackId, UserId};
use sqlx::Row;

use crate::error::Result;
use crate::sql::{params, SqlStore};

#[async_trait]
pub trait LibraryStore: Send + Sync {
    /// Saves tracks (already saved ones keep their date); returns the ids newly saved.
    async fn save_tracks(
        &self,
        user_id: &UserId,
        ids: &[TrackId],
        now_ms: i64,
    ) -> Result<Vec<TrackId>>;
    /// Returns the ids that were saved and now are not.
    async fn unsave_tracks(&self, user_id: &UserId, ids: &[TrackId]) -> Result<Vec<TrackId>>;
    /// Most recently saved first: `(track_id, added_at_ms)`, and the total.
    async fn saved_tracks(
        &self,
        user_id: &UserId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<(TrackId, i64)>, i64)>;
    async fn saved_contains(&self, user_id: &UserId, ids: &[TrackId]) -> Result<Vec<bool>>;
}

#[async_trait]
impl LibraryStore for SqlStore {
    async fn save_tracks(
        &self,
        user_id: &UserId,
        ids: &[TrackId],
        now_ms: i64,
    ) -> Result<Vec<TrackId>> {
        let mut tx = self.write.begin().await?;
        let mut seq: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM saved_tracks WHERE user_id = $1")
                .bind(user_id.as_str())
                .fetch_one(&mut *tx)
                .await?;
        let mut added = Vec::new();
        for id in ids {
            seq += 1;
            let done = sqlx::query(
                "INSERT INTO saved_tracks (user_id, track_id, added_at, seq) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(user_id.as_str())
            .bind(id.as_str())
            .bind(now_ms)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() > 0 {
                added.push(id.clone());
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    async fn unsave_tracks(&self, user_id: &UserId, ids: &[TrackId]) -> Result<Vec<TrackId>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "DELETE FROM saved_tracks WHERE user_id = $1 AND track_id IN ({}) RETURNING track_id",
            params(2, ids.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql).bind(user_id.as_str());
        for id in ids {
            q = q.bind(id.as_str());
        }
        Ok(q.fetch_all(&self.write)
            .await?
            .into_iter()
            .map(TrackId::from)
            .collect())
    }

    async fn saved_tracks(
        &self,
        user_id: &UserId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<(TrackId, i64)>, i64)> {
        let rows = sqlx::query(
            "SELECT track_id, added_at FROM saved_tracks WHERE user_id = $1 \
             ORDER BY seq DESC LIMIT $2 OFFSET $3",
        )
        .bind(user_id.as_str())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM saved_tracks WHERE user_id = $1")
            .bind(user_id.as_str())
            .fetch_one(&self.read)
            .await?;
        let items = rows
            .iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?.into(), r.try_get(1)?)))
            .collect::<Result<_>>()?;
        Ok((items, total))
    }

    async fn saved_contains(&self, user_id: &UserId, ids: &[TrackId]) -> Result<Vec<bool>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT track_id FROM saved_tracks WHERE user_id = $1 AND track_id IN ({})",
            params(2, ids.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql).bind(user_id.as_str());
        for id in ids {
            q = q.bind(id.as_str());
        }
        let saved: Vec<String> = q.fetch_all(&self.read).await?;
        Ok(ids.iter().map(|id| saved.iter().any(|s| s == id)).collect())
    }
}
