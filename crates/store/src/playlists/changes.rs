//! One change to a playlist's items, step by step inside its transaction: take the playlist's
//! version, apply the edit's inserts, moves and removals, and write the new snapshot.

use medley_domain::edit::{check_positions, insert_position, reorder_shifts, EditError};
use medley_domain::playlist::snapshot_id;
use medley_domain::{TrackId, UserId};
use sqlx::{Any, Row, Transaction};

use super::ItemsEdit;
use crate::error::{Result, StoreError};
use crate::sql::params;

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
    track_ids: &[TrackId],
    actor: &UserId,
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
        let mut q = sqlx::query(&sql).bind(id).bind(now_ms).bind(actor.as_str());
        let base = at + (chunk_no * 100) as i64;
        for (i, track_id) in chunk.iter().enumerate() {
            q = q.bind(base + i as i64).bind(track_id.as_str());
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
    values: &[TrackId],
) -> Result<Vec<TrackId>> {
    let mut removed = Vec::new();
    for chunk in values.chunks(500) {
        let sql = format!(
            "DELETE FROM playlist_items WHERE playlist_id = $1 AND {column} IN ({}) RETURNING track_id",
            params(2, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql).bind(id);
        for v in chunk {
            q = q.bind(v.as_str());
        }
        removed.extend(q.fetch_all(&mut **tx).await?.into_iter().map(TrackId::from));
    }
    Ok(removed)
}

pub(crate) async fn apply_edit(
    tx: &mut Transaction<'_, Any>,
    id: &str,
    len: i64,
    edit: ItemsEdit,
    cap: i64,
    actor: &UserId,
    now_ms: i64,
) -> Result<(Vec<TrackId>, Vec<TrackId>, bool)> {
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
                        && r.try_get::<String, _>(1)
                            .ok()
                            .is_some_and(|t| t == *track_id)
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
            (
                vec![],
                removed.into_iter().map(TrackId::from).collect(),
                false,
            )
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
            let removed = removed.into_iter().map(TrackId::from).collect();
            (track_ids, removed, false)
        }
    })
}
