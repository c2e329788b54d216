//! The play writer on PostgreSQL: one sqlx transaction. Catalog items are resolved in bulk
//! ([`resolve`]: `… IN (…)` lookups, multi-row inserts, see [`bulk`]) and plays inserted many
//! rows per statement, since every statement is a round trip to the server.

use async_trait::async_trait;
use medley_domain::{ImportId, TrackId, UserId};
use sqlx::{AnyPool, Row};

use super::statements::{self, insert_plays_sql, PLAY_COLUMN_COUNT};
use super::{opt_flag, ItemRef, NewPlay, PlayStamp, PlayWriter, PlayedItem, Precision};
use super::{WantedTrack, LOOKUP_CHUNK};
use crate::error::Result;
use crate::sql::{params, Backend};
use bulk::{Tx, MAX_BINDS};
use resolve::{resolve_episodes, resolve_tracks};

mod bulk;
mod resolve;

/// Opens a writer for `user_id`, giving the user a listener number on first use.
pub(super) async fn open(
    pool: &AnyPool,
    backend: Backend,
    user_id: &UserId,
    import_id: Option<&ImportId>,
) -> Result<Box<dyn PlayWriter>> {
    let mut tx = pool.begin().await?;
    sqlx::query(statements::NEW_LISTENER)
        .bind(user_id.as_str())
        .execute(&mut *tx)
        .await?;
    let listener: i64 = sqlx::query_scalar(statements::LISTENER_NO)
        .bind(user_id.as_str())
        .fetch_one(&mut *tx)
        .await?;
    Ok(Box::new(SqlPlayWriter {
        tx,
        user_id: user_id.clone(),
        listener,
        import_id: import_id.cloned(),
        backend,
    }))
}

struct SqlPlayWriter {
    tx: Tx,
    user_id: UserId,
    listener: i64,
    import_id: Option<ImportId>,
    backend: Backend,
}

#[async_trait]
impl PlayWriter for SqlPlayWriter {
    async fn resolve(&mut self, items: &[PlayedItem], now_ms: i64) -> Result<Vec<ItemRef>> {
        let mut tracks = Vec::new();
        let mut episodes = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item {
                PlayedItem::Track { .. } => tracks.push(i),
                PlayedItem::Episode { .. } => episodes.push(i),
            }
        }
        let mut out: Vec<Option<ItemRef>> = vec![None; items.len()];
        let wants: Vec<WantedTrack> = tracks
            .iter()
            .map(|&i| items[i].as_track().expect("tracks only"))
            .collect();
        for (i, id) in tracks
            .iter()
            .zip(resolve_tracks(&mut self.tx, self.backend, &wants, now_ms).await?)
        {
            out[*i] = Some(ItemRef::Track(TrackId::from(id)));
        }
        let episode_items: Vec<&PlayedItem> = episodes.iter().map(|&i| &items[i]).collect();
        for (i, id) in episodes
            .iter()
            .zip(resolve_episodes(&mut self.tx, &episode_items, now_ms).await?)
        {
            out[*i] = Some(ItemRef::Episode(id));
        }
        Ok(out
            .into_iter()
            .map(|r| r.expect("every item resolved"))
            .collect())
    }

    async fn insert(&mut self, plays: Vec<NewPlay>) -> Result<u64> {
        let mut inserted = 0;
        for chunk in plays.chunks(MAX_BINDS / PLAY_COLUMN_COUNT) {
            let sql = insert_plays_sql(self.backend, chunk.len());
            let mut q = sqlx::query(&sql);
            for p in chunk {
                let (track_id, episode_id) = p.item_columns();
                q = q
                    .bind(self.listener)
                    .bind(p.dedup)
                    .bind(p.name_hash)
                    .bind(p.precision as i64)
                    .bind(p.started_at_ms)
                    .bind(p.ended_at_ms)
                    .bind(p.ms_played)
                    .bind(i64::from(p.measured))
                    .bind(p.kind as i64)
                    .bind(track_id)
                    .bind(episode_id)
                    .bind(p.source.as_str())
                    .bind(p.platform.as_deref())
                    .bind(p.country.as_deref())
                    .bind(p.reason_start.as_deref())
                    .bind(p.reason_end.as_deref())
                    .bind(opt_flag(p.shuffle))
                    .bind(opt_flag(p.skipped))
                    .bind(opt_flag(p.offline))
                    .bind(p.offline_at_ms)
                    .bind(self.import_id.as_deref());
            }
            inserted += q.execute(&mut *self.tx).await?.rows_affected();
        }
        Ok(inserted)
    }

    async fn last_seq(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar(statements::LAST_SEQ)
            .bind(self.listener)
            .fetch_one(&mut *self.tx)
            .await?)
    }

    async fn has_coarse_plays(&mut self, from_ms: i64, to_ms: i64) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(statements::COARSE_PLAY)
            .bind(self.listener)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(found.is_some())
    }

    async fn stamps(&mut self, from_ms: i64, to_ms: i64) -> Result<Vec<PlayStamp>> {
        let rows = sqlx::query(statements::STAMPS)
            .bind(self.listener)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PlayStamp {
                    seq: r.try_get(0)?,
                    name_hash: r.try_get(1)?,
                    precision: Precision::from_i64(r.try_get(2)?),
                    started_at_ms: r.try_get(3)?,
                    ended_at_ms: r.try_get(4)?,
                })
            })
            .collect()
    }

    async fn delete(&mut self, seqs: &[i64]) -> Result<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        sqlx::query(statements::COUNT_DELETION)
            .bind(self.user_id.as_str())
            .execute(&mut *self.tx)
            .await?;
        for chunk in seqs.chunks(LOOKUP_CHUNK) {
            let sql = format!(
                "DELETE FROM plays WHERE listener = $1 AND seq IN ({})",
                params(2, chunk.len())
            );
            let mut q = sqlx::query(&sql).bind(self.listener);
            for seq in chunk {
                q = q.bind(*seq);
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}
