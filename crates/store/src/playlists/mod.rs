//! Playlists, their items and collaborators. Every change to a playlist's items and its
//! snapshot is one transaction.

use async_trait::async_trait;
use medley_domain::playlist::{snapshot_id, Playlist, PlaylistItem, UploadedCover};
use medley_domain::{PlaylistId, TrackId, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::error::{Result, StoreError};
use crate::jobs::queue_dependents;
use crate::sql::{flag, SqlStore};

mod changes;
pub mod covers;
pub(crate) use changes::{apply_edit, begin_change, finish_change};

#[derive(Clone, Debug)]
pub struct NewPlaylist {
    pub id: PlaylistId,
    pub owner_id: UserId,
    pub name: String,
    pub description: Option<String>,
    pub public: bool,
    pub collaborative: bool,
    pub now_ms: i64,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct DetailsChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub public: Option<bool>,
    pub collaborative: Option<bool>,
}

/// A change to a playlist's items. Track ids must exist in the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemsEdit {
    Add {
        track_ids: Vec<TrackId>,
        position: Option<i64>,
    },
    /// Removes every occurrence of each track.
    RemoveTracks {
        track_ids: Vec<TrackId>,
    },
    /// Removes the items at these positions, each of which must hold the given track.
    RemoveAt {
        items: Vec<(i64, TrackId)>,
    },
    Reorder {
        range_start: i64,
        range_length: i64,
        insert_before: i64,
    },
    Replace {
        track_ids: Vec<TrackId>,
    },
}

/// What an items edit did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditOutcome {
    pub playlist: Playlist,
    pub added: Vec<TrackId>,
    pub removed: Vec<TrackId>,
    pub reordered: bool,
}

#[async_trait]
pub trait PlaylistStore: Send + Sync {
    async fn create_playlist(&self, new: NewPlaylist) -> Result<Playlist>;
    async fn playlist(&self, id: &PlaylistId) -> Result<Option<Playlist>>;
    /// Changes details and the snapshot in one step.
    async fn update_playlist(
        &self,
        id: &PlaylistId,
        change: DetailsChange,
        now_ms: i64,
    ) -> Result<Playlist>;
    /// Playlists a user owns, collaborates on or follows (public ones only), newest first, and
    /// their count.
    async fn user_playlists(
        &self,
        user_id: &UserId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Playlist>, i64)>;
    /// A page of items starting at position `offset` (an index seek, not a scan).
    async fn playlist_items(
        &self,
        id: &PlaylistId,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<PlaylistItem>>;
    /// Applies a person's edit if `expected_snapshot` (when given) is still current and the
    /// playlist stays within `cap` items. In the same transaction it queues the resync of every
    /// composite that reads the playlist, and of the playlist itself if it is a composite (to
    /// learn its owner's edit).
    async fn edit_items(
        &self,
        id: &PlaylistId,
        actor: &UserId,
        expected_snapshot: Option<&str>,
        edit: ItemsEdit,
        cap: i64,
        now_ms: i64,
    ) -> Result<EditOutcome>;

    /// Applies an edit Medley makes on `actor`'s behalf (a sync job's copy, the mirror of a
    /// Spotify target): like [`PlaylistStore::edit_items`], except that a composite is not
    /// queued to learn it as its owner's edit.
    async fn edit_items_by_medley(
        &self,
        id: &PlaylistId,
        actor: &UserId,
        edit: ItemsEdit,
        cap: i64,
        now_ms: i64,
    ) -> Result<EditOutcome>;

    async fn is_collaborator(&self, playlist_id: &PlaylistId, user_id: &UserId) -> Result<bool>;
    async fn collaborators(&self, playlist_id: &PlaylistId) -> Result<Vec<UserId>>;
    async fn add_collaborators(&self, playlist_id: &PlaylistId, ids: &[UserId]) -> Result<()>;
    async fn remove_collaborators(&self, playlist_id: &PlaylistId, ids: &[UserId]) -> Result<()>;

    async fn follow_playlist(
        &self,
        playlist_id: &PlaylistId,
        user_id: &UserId,
        now_ms: i64,
    ) -> Result<()>;
    async fn unfollow_playlist(&self, playlist_id: &PlaylistId, user_id: &UserId) -> Result<()>;
    async fn follows_playlist(
        &self,
        playlist_id: &PlaylistId,
        user_ids: &[UserId],
    ) -> Result<Vec<bool>>;
    /// Deletes a playlist with its items, collaborators, followers and composition; in the
    /// same transaction queues the resync of every composite that read it (its source is
    /// gone: they keep what it gave and report it). False when there was no such playlist.
    async fn delete_playlist(&self, id: &PlaylistId, now_ms: i64) -> Result<bool>;
}

const PLAYLIST_SELECT: &str =
    "SELECT p.id, p.owner_id, u.username AS owner_name, p.name, p.description, \
     p.public, p.collaborative, p.snapshot_id, p.item_count, p.created_at, p.updated_at, \
     (SELECT COUNT(*) FROM playlist_followers f WHERE f.playlist_id = p.id) AS follower_count, \
     (SELECT COUNT(*) FROM composites c WHERE c.playlist_id = p.id) AS composite, \
     cal.id AS cover_album_id, cal.cover_hash, cal.cover_width, cal.cover_height, \
     pc.width AS uploaded_width, pc.height AS uploaded_height, pc.version AS uploaded_version \
     FROM playlists p JOIN users u ON u.id = p.owner_id \
     LEFT JOIN playlist_covers pc ON pc.playlist_id = p.id \
     LEFT JOIN playlist_items cpi ON cpi.playlist_id = p.id AND cpi.position = 0 \
     LEFT JOIN tracks ct ON ct.id = cpi.track_id \
     LEFT JOIN albums cal ON cal.id = ct.album_id";

fn playlist_row(row: &AnyRow) -> Result<Playlist> {
    Ok(Playlist {
        id: row.try_get::<String, _>("id")?.into(),
        owner_id: row.try_get::<String, _>("owner_id")?.into(),
        owner_name: row.try_get("owner_name")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        public: row.try_get::<i64, _>("public")? != 0,
        collaborative: row.try_get::<i64, _>("collaborative")? != 0,
        snapshot_id: row.try_get("snapshot_id")?,
        item_count: row.try_get("item_count")?,
        follower_count: row.try_get("follower_count")?,
        composite: row.try_get::<i64, _>("composite")? != 0,
        created_at_ms: row.try_get("created_at")?,
        updated_at_ms: row.try_get("updated_at")?,
        cover: crate::catalog::cover_columns(row, "cover_album_id")?,
        uploaded_cover: match row.try_get::<Option<i64>, _>("uploaded_version")? {
            Some(version) => Some(UploadedCover {
                width: row.try_get("uploaded_width")?,
                height: row.try_get("uploaded_height")?,
                version,
            }),
            None => None,
        },
    })
}

pub(crate) async fn load_playlist(
    tx: &mut Transaction<'_, Any>,
    id: &PlaylistId,
) -> Result<Playlist> {
    let row = sqlx::query(&format!("{PLAYLIST_SELECT} WHERE p.id = $1"))
        .bind(id.as_str())
        .fetch_one(&mut **tx)
        .await?;
    playlist_row(&row)
}

#[async_trait]
impl PlaylistStore for SqlStore {
    async fn delete_playlist(&self, id: &PlaylistId, now_ms: i64) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        crate::jobs::queue_dependents(&mut tx, id, false, now_ms).await?;
        let done = sqlx::query("DELETE FROM playlists WHERE id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn create_playlist(&self, new: NewPlaylist) -> Result<Playlist> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO playlists (id, owner_id, name, description, public, collaborative, version, \
             snapshot_id, item_count, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, 0, $8, $8)",
        )
        .bind(new.id.as_str())
        .bind(new.owner_id.as_str())
        .bind(&new.name)
        .bind(&new.description)
        .bind(flag(new.public))
        .bind(flag(new.collaborative))
        .bind(snapshot_id(&new.id, 1))
        .bind(new.now_ms)
        .execute(&mut *tx)
        .await?;
        let playlist = load_playlist(&mut tx, &new.id).await?;
        tx.commit().await?;
        Ok(playlist)
    }

    async fn playlist(&self, id: &PlaylistId) -> Result<Option<Playlist>> {
        let row = sqlx::query(&format!("{PLAYLIST_SELECT} WHERE p.id = $1"))
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(playlist_row).transpose()
    }

    async fn update_playlist(
        &self,
        id: &PlaylistId,
        change: DetailsChange,
        now_ms: i64,
    ) -> Result<Playlist> {
        let mut tx = self.write.begin().await?;
        let (version, _, count) = begin_change(&mut tx, id).await?;
        sqlx::query(
            "UPDATE playlists SET name = COALESCE($1, name), \
             description = CASE WHEN $2 = 1 THEN $3 ELSE description END, \
             public = COALESCE($4, public), collaborative = COALESCE($5, collaborative) WHERE id = $6",
        )
        .bind(&change.name)
        .bind(flag(change.description.is_some()))
        .bind(&change.description)
        .bind(change.public.map(flag))
        .bind(change.collaborative.map(flag))
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        finish_change(&mut tx, id, version, count, now_ms).await?;
        // Who may read the playlist may have changed: its followers look again.
        queue_dependents(&mut tx, id, false, now_ms).await?;
        let playlist = load_playlist(&mut tx, id).await?;
        tx.commit().await?;
        Ok(playlist)
    }

    async fn user_playlists(
        &self,
        user_id: &UserId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Playlist>, i64)> {
        // A followed playlist is listed only while it is public: one its owner made private
        // is invisible to everyone else, followers included (they see it again if it is
        // made public again).
        let mine = "(p.owner_id = $1 \
             OR p.id IN (SELECT playlist_id FROM playlist_collaborators WHERE user_id = $1) \
             OR (p.public <> 0 \
                 AND p.id IN (SELECT playlist_id FROM playlist_followers WHERE user_id = $1)))";
        let rows = sqlx::query(&format!(
            "{PLAYLIST_SELECT} WHERE {mine} ORDER BY p.created_at DESC, p.id LIMIT $2 OFFSET $3"
        ))
        .bind(user_id.as_str())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?;
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM playlists p WHERE {mine}"))
                .bind(user_id.as_str())
                .fetch_one(&self.read)
                .await?;
        Ok((rows.iter().map(playlist_row).collect::<Result<_>>()?, total))
    }

    async fn playlist_items(
        &self,
        id: &PlaylistId,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<PlaylistItem>> {
        let rows = sqlx::query(
            "SELECT position, track_id, added_at, added_by FROM playlist_items \
             WHERE playlist_id = $1 AND position >= $2 ORDER BY position LIMIT $3",
        )
        .bind(id.as_str())
        .bind(offset)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PlaylistItem {
                    position: r.try_get(0)?,
                    track_id: r.try_get::<String, _>(1)?.into(),
                    added_at_ms: r.try_get(2)?,
                    added_by: r.try_get::<String, _>(3)?.into(),
                })
            })
            .collect()
    }

    async fn edit_items(
        &self,
        id: &PlaylistId,
        actor: &UserId,
        expected_snapshot: Option<&str>,
        edit: ItemsEdit,
        cap: i64,
        now_ms: i64,
    ) -> Result<EditOutcome> {
        self.edit(id, actor, expected_snapshot, edit, cap, true, now_ms)
            .await
    }

    async fn edit_items_by_medley(
        &self,
        id: &PlaylistId,
        actor: &UserId,
        edit: ItemsEdit,
        cap: i64,
        now_ms: i64,
    ) -> Result<EditOutcome> {
        self.edit(id, actor, None, edit, cap, false, now_ms).await
    }

    async fn is_collaborator(&self, playlist_id: &PlaylistId, user_id: &UserId) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM playlist_collaborators WHERE playlist_id = $1 AND user_id = $2",
        )
        .bind(playlist_id.as_str())
        .bind(user_id.as_str())
        .fetch_one(&self.read)
        .await?;
        Ok(n > 0)
    }

    async fn collaborators(&self, playlist_id: &PlaylistId) -> Result<Vec<UserId>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT user_id FROM playlist_collaborators WHERE playlist_id = $1 ORDER BY user_id",
        )
        .bind(playlist_id.as_str())
        .fetch_all(&self.read)
        .await?;
        Ok(ids.into_iter().map(UserId::from).collect())
    }

    async fn add_collaborators(&self, playlist_id: &PlaylistId, ids: &[UserId]) -> Result<()> {
        let mut tx = self.write.begin().await?;
        for user_id in ids {
            sqlx::query("INSERT INTO playlist_collaborators (playlist_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(playlist_id.as_str())
                .bind(user_id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn remove_collaborators(&self, playlist_id: &PlaylistId, ids: &[UserId]) -> Result<()> {
        let mut tx = self.write.begin().await?;
        for user_id in ids {
            sqlx::query(
                "DELETE FROM playlist_collaborators WHERE playlist_id = $1 AND user_id = $2",
            )
            .bind(playlist_id.as_str())
            .bind(user_id.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn follow_playlist(
        &self,
        playlist_id: &PlaylistId,
        user_id: &UserId,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO playlist_followers (playlist_id, user_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(playlist_id.as_str())
        .bind(user_id.as_str())
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn unfollow_playlist(&self, playlist_id: &PlaylistId, user_id: &UserId) -> Result<()> {
        sqlx::query("DELETE FROM playlist_followers WHERE playlist_id = $1 AND user_id = $2")
            .bind(playlist_id.as_str())
            .bind(user_id.as_str())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn follows_playlist(
        &self,
        playlist_id: &PlaylistId,
        user_ids: &[UserId],
    ) -> Result<Vec<bool>> {
        let mut out = Vec::with_capacity(user_ids.len());
        for user_id in user_ids {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM playlist_followers WHERE playlist_id = $1 AND user_id = $2",
            )
            .bind(playlist_id.as_str())
            .bind(user_id.as_str())
            .fetch_one(&self.read)
            .await?;
            out.push(n > 0);
        }
        Ok(out)
    }
}

impl SqlStore {
    /// One items edit and the work it leaves for the composites that follow the playlist.
    #[allow(clippy::too_many_arguments)]
    async fn edit(
        &self,
        id: &PlaylistId,
        actor: &UserId,
        expected_snapshot: Option<&str>,
        edit: ItemsEdit,
        cap: i64,
        by_person: bool,
        now_ms: i64,
    ) -> Result<EditOutcome> {
        let mut tx = self.write.begin().await?;
        let (version, current, len) = begin_change(&mut tx, id).await?;
        if let Some(given) = expected_snapshot {
            if given != current {
                return Err(StoreError::StaleSnapshot {
                    given: given.to_owned(),
                    current,
                });
            }
        }
        let (added, removed, reordered) =
            apply_edit(&mut tx, id, len, edit, cap, actor, now_ms).await?;
        let count = len + added.len() as i64 - removed.len() as i64;
        finish_change(&mut tx, id, version, count, now_ms).await?;
        queue_dependents(&mut tx, id, by_person, now_ms).await?;
        let playlist = load_playlist(&mut tx, id).await?;
        tx.commit().await?;
        Ok(EditOutcome {
            playlist,
            added,
            removed,
            reordered,
        })
    }
}
