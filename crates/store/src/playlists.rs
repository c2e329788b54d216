//! Playlists, their items and collaborators. Every change to a playlist's items and its
//! snapshot is one transaction.

use async_trait::async_trait;
use medley_domain::edit::{check_positions, insert_position, reorder_shifts, EditError};
use medley_domain::playlist::{snapshot_id, Playlist, PlaylistItem};
use medley_domain::Id;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::error::{Result, StoreError};
use crate::sql::{flag, params, SqlStore};

#[derive(Clone, Debug)]
pub struct NewPlaylist {
    pub id: Id,
    pub owner_id: Id,
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
        track_ids: Vec<Id>,
        position: Option<i64>,
    },
    /// Removes every occurrence of each track.
    RemoveTracks {
        track_ids: Vec<Id>,
    },
    /// Removes the items at these positions, each of which must hold the given track.
    RemoveAt {
        items: Vec<(i64, Id)>,
    },
    Reorder {
        range_start: i64,
        range_length: i64,
        insert_before: i64,
    },
    Replace {
        track_ids: Vec<Id>,
    },
}

/// What an items edit did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditOutcome {
    pub playlist: Playlist,
    pub added: Vec<Id>,
    pub removed: Vec<Id>,
    pub reordered: bool,
}

#[async_trait]
pub trait PlaylistStore: Send + Sync {
    async fn create_playlist(&self, new: NewPlaylist) -> Result<Playlist>;
    async fn playlist(&self, id: &str) -> Result<Option<Playlist>>;
    /// Changes details and the snapshot in one step.
    async fn update_playlist(
        &self,
        id: &str,
        change: DetailsChange,
        now_ms: i64,
    ) -> Result<Playlist>;
    /// Playlists a user owns, collaborates on or follows, newest first, and their count.
    async fn user_playlists(
        &self,
        user_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Playlist>, i64)>;
    /// A page of items starting at position `offset` (an index seek, not a scan).
    async fn playlist_items(&self, id: &str, limit: i64, offset: i64) -> Result<Vec<PlaylistItem>>;
    /// Applies an edit if `expected_snapshot` (when given) is still current and the playlist
    /// stays within `cap` items.
    async fn edit_items(
        &self,
        id: &str,
        actor: &str,
        expected_snapshot: Option<&str>,
        edit: ItemsEdit,
        cap: i64,
        now_ms: i64,
    ) -> Result<EditOutcome>;

    async fn is_collaborator(&self, playlist_id: &str, user_id: &str) -> Result<bool>;
    async fn collaborators(&self, playlist_id: &str) -> Result<Vec<Id>>;
    async fn add_collaborators(&self, playlist_id: &str, ids: &[Id]) -> Result<()>;
    async fn remove_collaborators(&self, playlist_id: &str, ids: &[Id]) -> Result<()>;

    async fn follow_playlist(&self, playlist_id: &str, user_id: &str, now_ms: i64) -> Result<()>;
    async fn unfollow_playlist(&self, playlist_id: &str, user_id: &str) -> Result<()>;
    async fn follows_playlist(&self, playlist_id: &str, user_ids: &[Id]) -> Result<Vec<bool>>;
}

const PLAYLIST_SELECT: &str =
    "SELECT p.id, p.owner_id, u.username AS owner_name, p.name, p.description, \
     p.public, p.collaborative, p.snapshot_id, p.item_count, p.created_at, p.updated_at, \
     (SELECT COUNT(*) FROM playlist_followers f WHERE f.playlist_id = p.id) AS follower_count, \
     (SELECT COUNT(*) FROM composites c WHERE c.playlist_id = p.id) AS composite \
     FROM playlists p JOIN users u ON u.id = p.owner_id";

fn playlist_row(row: &AnyRow) -> Result<Playlist> {
    Ok(Playlist {
        id: row.try_get("id")?,
        owner_id: row.try_get("owner_id")?,
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
    })
}

pub(crate) async fn load_playlist(tx: &mut Transaction<'_, Any>, id: &str) -> Result<Playlist> {
    let row = sqlx::query(&format!("{PLAYLIST_SELECT} WHERE p.id = $1"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    playlist_row(&row)
}

/// Bumps the playlist's version, which also takes its row lock on PostgreSQL, and returns the
/// new version, the snapshot before this change and the item count.
pub(crate) async fn begin_change(
    tx: &mut Transaction<'_, Any>,
    id: &str,
) -> Result<(i64, String, i64)> {
    let row = sqlx::query(
        "UPDATE playlists SET version = version + 1 WHERE id = $1 \
         RETURNING version, snapshot_id, item_count",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
}

pub(crate) async fn finish_change(
    tx: &mut Transaction<'_, Any>,
    id: &str,
    version: i64,
    item_count: i64,
    now_ms: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE playlists SET snapshot_id = $1, item_count = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(snapshot_id(id, version))
    .bind(item_count)
    .bind(now_ms)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_items(
    tx: &mut Transaction<'_, Any>,
    id: &str,
    at: i64,
    track_ids: &[Id],
    actor: &str,
    now_ms: i64,
) -> Result<()> {
    // 4 parameters an item; 100 items a statement keeps well under every backend's limit.
    for (chunk_no, chunk) in track_ids.chunks(100).enumerate() {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, $2, $3, ${}, ${})", 4 + 2 * i, 5 + 2 * i))
            .collect();
        let sql = format!(
            "INSERT INTO playlist_items (playlist_id, added_at, added_by, position, track_id) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(id).bind(now_ms).bind(actor);
        let base = at + (chunk_no * 100) as i64;
        for (i, track_id) in chunk.iter().enumerate() {
            q = q.bind(base + i as i64).bind(track_id);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Closes the gaps left by deletions: positions become 0..n again, keeping the order.
async fn renumber(tx: &mut Transaction<'_, Any>, id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE playlist_items SET position = r.rn - 1 \
         FROM (SELECT item_id, ROW_NUMBER() OVER (ORDER BY position) AS rn \
               FROM playlist_items WHERE playlist_id = $1) AS r \
         WHERE playlist_items.item_id = r.item_id AND playlist_items.position <> r.rn - 1",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn delete_where(
    tx: &mut Transaction<'_, Any>,
    id: &str,
    column: &str,
    values: &[String],
) -> Result<Vec<Id>> {
    let mut removed = Vec::new();
    for chunk in values.chunks(500) {
        let sql = format!(
            "DELETE FROM playlist_items WHERE playlist_id = $1 AND {column} IN ({}) RETURNING track_id",
            params(2, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql).bind(id);
        for v in chunk {
            q = q.bind(v);
        }
        removed.extend(q.fetch_all(&mut **tx).await?);
    }
    Ok(removed)
}

pub(crate) async fn apply_edit(
    tx: &mut Transaction<'_, Any>,
    id: &str,
    len: i64,
    edit: ItemsEdit,
    cap: i64,
    actor: &str,
    now_ms: i64,
) -> Result<(Vec<Id>, Vec<Id>, bool)> {
    Ok(match edit {
        ItemsEdit::Add {
            track_ids,
            position,
        } => {
            let at = insert_position(len, position, track_ids.len() as i64, cap)?;
            if at < len {
                sqlx::query("UPDATE playlist_items SET position = position + $1 WHERE playlist_id = $2 AND position >= $3")
                    .bind(track_ids.len() as i64)
                    .bind(id)
                    .bind(at)
                    .execute(&mut **tx)
                    .await?;
            }
            insert_items(tx, id, at, &track_ids, actor, now_ms).await?;
            (track_ids, vec![], at < len)
        }
        ItemsEdit::RemoveTracks { track_ids } => {
            let removed = delete_where(tx, id, "track_id", &track_ids).await?;
            if !removed.is_empty() {
                renumber(tx, id).await?;
            }
            (vec![], removed, false)
        }
        ItemsEdit::RemoveAt { items } => {
            let positions: Vec<i64> = items.iter().map(|(p, _)| *p).collect();
            let positions = check_positions(len, &positions)?;
            let sql = format!(
                "SELECT position, track_id FROM playlist_items WHERE playlist_id = $1 AND position IN ({})",
                params(2, positions.len())
            );
            let mut q = sqlx::query(&sql).bind(id);
            for p in &positions {
                q = q.bind(*p);
            }
            let found = q.fetch_all(&mut **tx).await?;
            for (position, track_id) in &items {
                let holds = found.iter().any(|r| {
                    r.try_get::<i64, _>(0).ok() == Some(*position)
                        && r.try_get::<String, _>(1).ok().as_ref() == Some(track_id)
                });
                if !holds {
                    return Err(EditError::Mismatch {
                        position: *position,
                        uri: format!("medley:track:{track_id}"),
                    }
                    .into());
                }
            }
            // Positions are validated integers, so they are written into the statement.
            let list: Vec<String> = positions.iter().map(i64::to_string).collect();
            let removed: Vec<String> = sqlx::query_scalar(&format!(
                "DELETE FROM playlist_items WHERE playlist_id = $1 AND position IN ({}) RETURNING track_id",
                list.join(", ")
            ))
            .bind(id)
            .fetch_all(&mut **tx)
            .await?;
            renumber(tx, id).await?;
            (vec![], removed, false)
        }
        ItemsEdit::Reorder {
            range_start,
            range_length,
            insert_before,
        } => match reorder_shifts(len, range_start, range_length, insert_before)? {
            None => (vec![], vec![], false),
            Some([a, b]) => {
                sqlx::query(
                    "UPDATE playlist_items SET position = CASE \
                         WHEN position >= $1 AND position < $2 THEN position + $3 \
                         ELSE position + $4 END \
                         WHERE playlist_id = $5 AND position >= $6 AND position < $7",
                )
                .bind(a.start)
                .bind(a.end)
                .bind(a.delta)
                .bind(b.delta)
                .bind(id)
                .bind(a.start.min(b.start))
                .bind(a.end.max(b.end))
                .execute(&mut **tx)
                .await?;
                (vec![], vec![], true)
            }
        },
        ItemsEdit::Replace { track_ids } => {
            if track_ids.len() as i64 > cap {
                return Err(EditError::Full {
                    would_hold: track_ids.len() as i64,
                    cap,
                }
                .into());
            }
            let removed: Vec<String> = sqlx::query_scalar(
                "DELETE FROM playlist_items WHERE playlist_id = $1 RETURNING track_id",
            )
            .bind(id)
            .fetch_all(&mut **tx)
            .await?;
            insert_items(tx, id, 0, &track_ids, actor, now_ms).await?;
            (track_ids, removed, false)
        }
    })
}

#[async_trait]
impl PlaylistStore for SqlStore {
    async fn create_playlist(&self, new: NewPlaylist) -> Result<Playlist> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO playlists (id, owner_id, name, description, public, collaborative, version, \
             snapshot_id, item_count, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, 0, $8, $8)",
        )
        .bind(&new.id)
        .bind(&new.owner_id)
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

    async fn playlist(&self, id: &str) -> Result<Option<Playlist>> {
        let row = sqlx::query(&format!("{PLAYLIST_SELECT} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(playlist_row).transpose()
    }

    async fn update_playlist(
        &self,
        id: &str,
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
        .bind(id)
        .execute(&mut *tx)
        .await?;
        finish_change(&mut tx, id, version, count, now_ms).await?;
        let playlist = load_playlist(&mut tx, id).await?;
        tx.commit().await?;
        Ok(playlist)
    }

    async fn user_playlists(
        &self,
        user_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Playlist>, i64)> {
        let mine = "(p.owner_id = $1 \
             OR p.id IN (SELECT playlist_id FROM playlist_collaborators WHERE user_id = $1) \
             OR p.id IN (SELECT playlist_id FROM playlist_followers WHERE user_id = $1))";
        let rows = sqlx::query(&format!(
            "{PLAYLIST_SELECT} WHERE {mine} ORDER BY p.created_at DESC, p.id LIMIT $2 OFFSET $3"
        ))
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?;
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM playlists p WHERE {mine}"))
                .bind(user_id)
                .fetch_one(&self.read)
                .await?;
        Ok((rows.iter().map(playlist_row).collect::<Result<_>>()?, total))
    }

    async fn playlist_items(&self, id: &str, limit: i64, offset: i64) -> Result<Vec<PlaylistItem>> {
        let rows = sqlx::query(
            "SELECT position, track_id, added_at, added_by FROM playlist_items \
             WHERE playlist_id = $1 AND position >= $2 ORDER BY position LIMIT $3",
        )
        .bind(id)
        .bind(offset)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PlaylistItem {
                    position: r.try_get(0)?,
                    track_id: r.try_get(1)?,
                    added_at_ms: r.try_get(2)?,
                    added_by: r.try_get(3)?,
                })
            })
            .collect()
    }

    async fn edit_items(
        &self,
        id: &str,
        actor: &str,
        expected_snapshot: Option<&str>,
        edit: ItemsEdit,
        cap: i64,
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
        let playlist = load_playlist(&mut tx, id).await?;
        tx.commit().await?;
        Ok(EditOutcome {
            playlist,
            added,
            removed,
            reordered,
        })
    }

    async fn is_collaborator(&self, playlist_id: &str, user_id: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM playlist_collaborators WHERE playlist_id = $1 AND user_id = $2",
        )
        .bind(playlist_id)
        .bind(user_id)
        .fetch_one(&self.read)
        .await?;
        Ok(n > 0)
    }

    async fn collaborators(&self, playlist_id: &str) -> Result<Vec<Id>> {
        Ok(sqlx::query_scalar(
            "SELECT user_id FROM playlist_collaborators WHERE playlist_id = $1 ORDER BY user_id",
        )
        .bind(playlist_id)
        .fetch_all(&self.read)
        .await?)
    }

    async fn add_collaborators(&self, playlist_id: &str, ids: &[Id]) -> Result<()> {
        let mut tx = self.write.begin().await?;
        for user_id in ids {
            sqlx::query("INSERT INTO playlist_collaborators (playlist_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(playlist_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn remove_collaborators(&self, playlist_id: &str, ids: &[Id]) -> Result<()> {
        let mut tx = self.write.begin().await?;
        for user_id in ids {
            sqlx::query(
                "DELETE FROM playlist_collaborators WHERE playlist_id = $1 AND user_id = $2",
            )
            .bind(playlist_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn follow_playlist(&self, playlist_id: &str, user_id: &str, now_ms: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO playlist_followers (playlist_id, user_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(playlist_id)
        .bind(user_id)
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn unfollow_playlist(&self, playlist_id: &str, user_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM playlist_followers WHERE playlist_id = $1 AND user_id = $2")
            .bind(playlist_id)
            .bind(user_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn follows_playlist(&self, playlist_id: &str, user_ids: &[Id]) -> Result<Vec<bool>> {
        let mut out = Vec::with_capacity(user_ids.len());
        for user_id in user_ids {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM playlist_followers WHERE playlist_id = $1 AND user_id = $2",
            )
            .bind(playlist_id)
            .bind(user_id)
            .fetch_one(&self.read)
            .await?;
            out.push(n > 0);
        }
        Ok(out)
    }
}
