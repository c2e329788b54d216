//! What the OpenSubsonic API (`/rest`) keeps of its own: users' API keys (only their hashes),
//! sealed Subsonic passwords, stars on albums and artists, ratings, what players are playing
//! now; and the reads it needs of the library (every present audio file, and a version that
//! moves when the library does).

use async_trait::async_trait;
use medley_domain::user::User;
use medley_domain::{Id, TrackId, UserId};
use sqlx::Row;

use crate::audio::{AudioFile, AudioStatus};
use crate::error::Result;
use crate::sql::{params, SqlStore};

/// An API key as listed (its secret is never stored, only its SHA-256).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubsonicKey {
    pub id: Id,
    pub user_id: UserId,
    pub name: String,
    pub created_at_ms: i64,
    pub last_used_at_ms: Option<i64>,
}

/// What a player said it is playing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NowPlaying {
    pub user_id: UserId,
    pub username: String,
    pub player: String,
    pub track_id: TrackId,
    pub started_at_ms: i64,
}

/// Changes when audio files or tracks are added, changed or removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LibraryVersion {
    pub files: i64,
    pub files_updated_ms: i64,
    pub tracks: i64,
    /// When an album's cover last changed.
    pub covers_updated_ms: i64,
}

#[async_trait]
pub trait SubsonicStore: Send + Sync {
    async fn insert_subsonic_key(&self, key: &SubsonicKey, key_hash: &str) -> Result<()>;
    /// The user's keys, oldest first.
    async fn subsonic_keys(&self, user_id: &UserId) -> Result<Vec<SubsonicKey>>;
    /// Deletes one of the user's keys; false when the user has no such key.
    async fn delete_subsonic_key(&self, user_id: &UserId, id: &str) -> Result<bool>;
    /// The user a key hash belongs to (and notes that it was used).
    async fn user_for_subsonic_key(&self, key_hash: &str, now_ms: i64) -> Result<Option<User>>;
    /// Sets (`Some`) or removes (`None`) the user's sealed Subsonic password.
    async fn set_subsonic_password(
        &self,
        user_id: &UserId,
        sealed: Option<&str>,
        now_ms: i64,
    ) -> Result<()>;
    async fn subsonic_password(&self, user_id: &UserId) -> Result<Option<String>>;
    /// Stars (`starred`) or unstars items of `kind` (`album`, `artist`); a star keeps its date.
    async fn set_stars(
        &self,
        user_id: &UserId,
        kind: &str,
        ids: &[Id],
        starred: bool,
        now_ms: i64,
    ) -> Result<()>;
    /// The user's stars of `kind`, latest first: `(id, starred_at_ms)`.
    async fn stars(&self, user_id: &UserId, kind: &str) -> Result<Vec<(Id, i64)>>;
    /// Sets a rating from 1 to 5; 0 removes it.
    async fn set_rating(
        &self,
        user_id: &UserId,
        kind: &str,
        id: &str,
        rating: i64,
        now_ms: i64,
    ) -> Result<()>;
    /// The user's ratings: `(kind, id, rating)`.
    async fn ratings(&self, user_id: &UserId) -> Result<Vec<(String, Id, i64)>>;
    async fn set_now_playing(
        &self,
        user_id: &UserId,
        player: &str,
        track_id: &TrackId,
        now_ms: i64,
    ) -> Result<()>;
    /// Everything said to be playing since `since_ms`, latest first.
    async fn now_playing(&self, since_ms: i64) -> Result<Vec<NowPlaying>>;
    /// Every present audio file.
    async fn present_audio_files(&self) -> Result<Vec<AudioFile>>;
    async fn library_version(&self) -> Result<LibraryVersion>;
}

fn key_row(r: &sqlx::any::AnyRow) -> Result<SubsonicKey> {
    Ok(SubsonicKey {
        id: r.try_get("id")?,
        user_id: r.try_get::<String, _>("user_id")?.into(),
        name: r.try_get("name")?,
        created_at_ms: r.try_get("created_at")?,
        last_used_at_ms: r.try_get("last_used_at")?,
    })
}

#[async_trait]
impl SubsonicStore for SqlStore {
    async fn insert_subsonic_key(&self, key: &SubsonicKey, key_hash: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO subsonic_api_keys (id, user_id, name, key_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&key.id)
        .bind(key.user_id.as_str())
        .bind(&key.name)
        .bind(key_hash)
        .bind(key.created_at_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn subsonic_keys(&self, user_id: &UserId) -> Result<Vec<SubsonicKey>> {
        sqlx::query(
            "SELECT id, user_id, name, created_at, last_used_at FROM subsonic_api_keys \
             WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user_id.as_str())
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(key_row)
        .collect()
    }

    async fn delete_subsonic_key(&self, user_id: &UserId, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM subsonic_api_keys WHERE user_id = $1 AND id = $2")
            .bind(user_id.as_str())
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn user_for_subsonic_key(&self, key_hash: &str, now_ms: i64) -> Result<Option<User>> {
        let row =
            sqlx::query("SELECT user_id, last_used_at FROM subsonic_api_keys WHERE key_hash = $1")
                .bind(key_hash)
                .fetch_optional(&self.read)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let user_id = UserId::from(row.try_get::<String, _>("user_id")?);
        let last: Option<i64> = row.try_get("last_used_at")?;
        // Noted once a minute at most: a player asks many times a second while it syncs.
        if last.is_none_or(|t| now_ms - t > 60_000) {
            sqlx::query("UPDATE subsonic_api_keys SET last_used_at = $1 WHERE key_hash = $2")
                .bind(now_ms)
                .bind(key_hash)
                .execute(&self.write)
                .await?;
        }
        crate::UserStore::user(self, &user_id).await
    }

    async fn set_subsonic_password(
        &self,
        user_id: &UserId,
        sealed: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        match sealed {
            Some(sealed) => {
                sqlx::query(
                    "INSERT INTO subsonic_passwords (user_id, sealed, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (user_id) DO UPDATE SET sealed = excluded.sealed, \
                     updated_at = excluded.updated_at",
                )
                .bind(user_id.as_str())
                .bind(sealed)
                .bind(now_ms)
                .execute(&self.write)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM subsonic_passwords WHERE user_id = $1")
                    .bind(user_id.as_str())
                    .execute(&self.write)
                    .await?;
            }
        }
        Ok(())
    }

    async fn subsonic_password(&self, user_id: &UserId) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT sealed FROM subsonic_passwords WHERE user_id = $1")
                .bind(user_id.as_str())
                .fetch_optional(&self.read)
                .await?,
        )
    }

    async fn set_stars(
        &self,
        user_id: &UserId,
        kind: &str,
        ids: &[Id],
        starred: bool,
        now_ms: i64,
    ) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut tx = self.write.begin().await?;
        if starred {
            for id in ids {
                sqlx::query(
                    "INSERT INTO subsonic_stars (user_id, kind, item_id, starred_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(user_id.as_str())
                .bind(kind)
                .bind(id)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            }
        } else {
            let sql = format!(
                "DELETE FROM subsonic_stars WHERE user_id = $1 AND kind = $2 AND item_id IN ({})",
                params(3, ids.len())
            );
            let mut q = sqlx::query(&sql).bind(user_id.as_str()).bind(kind);
            for id in ids {
                q = q.bind(id);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn stars(&self, user_id: &UserId, kind: &str) -> Result<Vec<(Id, i64)>> {
        let rows = sqlx::query(
            "SELECT item_id, starred_at FROM subsonic_stars WHERE user_id = $1 AND kind = $2 \
             ORDER BY starred_at DESC, item_id",
        )
        .bind(user_id.as_str())
        .bind(kind)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    async fn set_rating(
        &self,
        user_id: &UserId,
        kind: &str,
        id: &str,
        rating: i64,
        now_ms: i64,
    ) -> Result<()> {
        if rating == 0 {
            sqlx::query(
                "DELETE FROM subsonic_ratings WHERE user_id = $1 AND kind = $2 AND item_id = $3",
            )
            .bind(user_id.as_str())
            .bind(kind)
            .bind(id)
            .execute(&self.write)
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO subsonic_ratings (user_id, kind, item_id, rating, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, kind, item_id) DO UPDATE \
                 SET rating = excluded.rating, updated_at = excluded.updated_at",
            )
            .bind(user_id.as_str())
            .bind(kind)
            .bind(id)
            .bind(rating)
            .bind(now_ms)
            .execute(&self.write)
            .await?;
        }
        Ok(())
    }

    async fn ratings(&self, user_id: &UserId) -> Result<Vec<(String, Id, i64)>> {
        let rows = sqlx::query(
            "SELECT kind, item_id, rating FROM subsonic_ratings WHERE user_id = $1 \
             ORDER BY kind, item_id",
        )
        .bind(user_id.as_str())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    async fn set_now_playing(
        &self,
        user_id: &UserId,
        player: &str,
        track_id: &TrackId,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO subsonic_now_playing (user_id, player, track_id, started_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, player) DO UPDATE \
             SET track_id = excluded.track_id, started_at = excluded.started_at",
        )
        .bind(user_id.as_str())
        .bind(player)
        .bind(track_id.as_str())
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn now_playing(&self, since_ms: i64) -> Result<Vec<NowPlaying>> {
        let rows = sqlx::query(
            "SELECT n.user_id, u.username, n.player, n.track_id, n.started_at \
             FROM subsonic_now_playing n JOIN users u ON u.id = n.user_id \
             WHERE n.started_at >= $1 ORDER BY n.started_at DESC, n.user_id, n.player",
        )
        .bind(since_ms)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(NowPlaying {
                    user_id: r.try_get::<String, _>(0)?.into(),
                    username: r.try_get(1)?,
                    player: r.try_get(2)?,
                    track_id: r.try_get::<String, _>(3)?.into(),
                    started_at_ms: r.try_get(4)?,
                })
            })
            .collect()
    }

    async fn present_audio_files(&self) -> Result<Vec<AudioFile>> {
        self.files_where(
            "WHERE status = $1 ORDER BY track_id, COALESCE(bitrate_kbps, 0) DESC, created_at, id",
            &[AudioStatus::Present.as_str()],
        )
        .await
    }

    async fn library_version(&self) -> Result<LibraryVersion> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM audio_files), \
             (SELECT COALESCE(MAX(updated_at), 0) FROM audio_files), \
             (SELECT COUNT(*) FROM tracks), \
             (SELECT COALESCE(MAX(cover_set_at), 0) FROM albums)",
        )
        .fetch_one(&self.read)
        .await?;
        Ok(LibraryVersion {
            files: row.try_get(0)?,
            files_updated_ms: row.try_get(1)?,
            tracks: row.try_get(2)?,
            covers_updated_ms: row.try_get(3)?,
        })
    }
}
