//! `ShowStore` on SQLite and PostgreSQL (tables `live_show*`, migrations 0009, 0020–0023).

use async_trait::async_trait;
use medley_domain::{PlaylistId, ShowId, UserId};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::NewShow;
use super::{
    HistoryEntry, LiveEvent, LiveState, LiveWrite, SessionChange, ShowBan, ShowChange, ShowComment,
    ShowState, ShowStore, ShowVisibility, StoredShow,
};
use crate::error::{stored_enum, Result, StoreError};
use crate::sql::SqlStore;

const SHOW_COLUMNS: &str = "id, creator_id, title, description, playlist_id, visibility, state, \
     scheduled_for, started_at, ended_at, created_at, updated_at";

fn show_row(row: &AnyRow) -> Result<StoredShow> {
    Ok(StoredShow {
        id: row.try_get::<String, _>("id")?.into(),
        creator_id: row.try_get::<String, _>("creator_id")?.into(),
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        playlist_id: row
            .try_get::<Option<String>, _>("playlist_id")?
            .map(PlaylistId::from),
        visibility: stored_enum(&row.try_get::<String, _>("visibility")?, "show visibility")?,
        state: stored_enum(&row.try_get::<String, _>("state")?, "show state")?,
        scheduled_for_ms: row.try_get("scheduled_for")?,
        started_at_ms: row.try_get("started_at")?,
        ended_at_ms: row.try_get("ended_at")?,
        created_at_ms: row.try_get("created_at")?,
        updated_at_ms: row.try_get("updated_at")?,
    })
}

/// Who may see a show, as SQL over `s` (the show) for the viewer bound at `$1`.
const VISIBLE: &str = "(s.creator_id = $1 OR s.visibility = 'public' \
     OR (s.visibility = 'followers' AND EXISTS (SELECT 1 FROM follows f \
         WHERE f.follower_id = $1 AND f.followee_id = s.creator_id)) \
     OR (s.visibility = 'invite' AND EXISTS (SELECT 1 FROM live_show_guests g \
         WHERE g.show_id = s.id AND g.user_id = $1)))";

#[async_trait]
impl ShowStore for SqlStore {
    async fn create_show(&self, n: NewShow) -> Result<StoredShow> {
        let row = sqlx::query(&format!(
            "INSERT INTO live_shows (id, creator_id, title, description, playlist_id, visibility, \
             state, scheduled_for, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'scheduled', $7, $8, $8) RETURNING {SHOW_COLUMNS}"
        ))
        .bind(n.id.as_str())
        .bind(n.creator_id.as_str())
        .bind(&n.title)
        .bind(&n.description)
        .bind(n.playlist_id.as_deref())
        .bind(n.visibility.as_str())
        .bind(n.scheduled_for_ms)
        .bind(n.now_ms)
        .fetch_one(&self.write)
        .await?;
        show_row(&row)
    }

    async fn show(&self, id: &ShowId) -> Result<Option<StoredShow>> {
        let row = sqlx::query(&format!(
            "SELECT {SHOW_COLUMNS} FROM live_shows WHERE id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(show_row).transpose()
    }

    async fn update_show(&self, id: &ShowId, c: &ShowChange, now_ms: i64) -> Result<StoredShow> {
        // Each field: keep (flag 0) or set (flag 1) to the value bound beside it.
        let row = sqlx::query(&format!(
            "UPDATE live_shows SET \
             title = CASE WHEN $2 = 1 THEN $3 ELSE title END, \
             description = CASE WHEN $4 = 1 THEN $5 ELSE description END, \
             playlist_id = CASE WHEN $6 = 1 THEN $7 ELSE playlist_id END, \
             visibility = CASE WHEN $8 = 1 THEN $9 ELSE visibility END, \
             scheduled_for = CASE WHEN $10 = 1 THEN $11 ELSE scheduled_for END, \
             updated_at = $12 \
             WHERE id = $1 AND state <> 'ended' RETURNING {SHOW_COLUMNS}"
        ))
        .bind(id.as_str())
        .bind(i64::from(c.title.is_some()))
        .bind(c.title.clone())
        .bind(i64::from(c.description.is_some()))
        .bind(c.description.clone().flatten())
        .bind(i64::from(c.playlist_id.is_some()))
        .bind(c.playlist_id.clone().flatten().map(PlaylistId::into_string))
        .bind(i64::from(c.visibility.is_some()))
        .bind(c.visibility.map(ShowVisibility::as_str))
        .bind(i64::from(c.scheduled_for_ms.is_some()))
        .bind(c.scheduled_for_ms.flatten())
        .bind(now_ms)
        .fetch_optional(&self.write)
        .await?;
        match row {
            Some(row) => show_row(&row),
            None => Err(self
                .why_not(id, "edited", &[ShowState::Scheduled, ShowState::Live])
                .await),
        }
    }

    async fn start_show(&self, id: &ShowId, live: &LiveState, now_ms: i64) -> Result<StoredShow> {
        let row = sqlx::query(&format!(
            "UPDATE live_shows SET state = 'live', started_at = $2, updated_at = $2, \
             live_state = $3, live_seq = $4 \
             WHERE id = $1 AND state = 'scheduled' RETURNING {SHOW_COLUMNS}"
        ))
        .bind(id.as_str())
        .bind(now_ms)
        .bind(&live.state)
        .bind(live.seq)
        .fetch_optional(&self.write)
        .await?;
        match row {
            Some(row) => show_row(&row),
            None => Err(self.why_not(id, "started", &[ShowState::Scheduled]).await),
        }
    }

    async fn live_state(&self, id: &ShowId) -> Result<Option<LiveState>> {
        let row = sqlx::query(
            "SELECT live_state, live_seq FROM live_shows WHERE id = $1 AND live_state IS NOT NULL",
        )
        .bind(id.as_str())
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(LiveState {
                state: r.try_get(0)?,
                seq: r.try_get(1)?,
            })
        })
        .transpose()
    }

    async fn live_events(&self, id: &ShowId, up_to_seq: i64) -> Result<Vec<LiveEvent>> {
        let rows = sqlx::query(
            "SELECT seq, at, event FROM live_show_events WHERE show_id = $1 AND seq <= $2 \
             ORDER BY seq",
        )
        .bind(id.as_str())
        .bind(up_to_seq)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LiveEvent {
                    seq: r.try_get(0)?,
                    at_ms: r.try_get(1)?,
                    event: r.try_get(2)?,
                })
            })
            .collect()
    }

    async fn live_sessions(&self, id: &ShowId) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT session_id, user_id FROM live_show_sessions WHERE show_id = $1 \
             ORDER BY session_id",
        )
        .bind(id.as_str())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    async fn write_live(&self, id: &ShowId, w: &LiveWrite) -> Result<()> {
        let mut tx = self.write.begin().await?;
        if let Some(owner) = &w.owner {
            // Locks the lease row until the commit (on PostgreSQL), so no other node takes
            // the show over in the middle of this write.
            let held = sqlx::query(
                "UPDATE live_show_owners SET node_id = node_id WHERE show_id = $1 AND node_id = $2",
            )
            .bind(id.as_str())
            .bind(owner)
            .execute(&mut *tx)
            .await?;
            if held.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!(
                    "node {owner} no longer holds live show {id}"
                )));
            }
        }
        for c in &w.comments {
            sqlx::query(
                "INSERT INTO live_show_comments (show_id, id, seq, user_id, body, at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(id.as_str())
            .bind(&c.id)
            .bind(c.seq)
            .bind(&c.user_id)
            .bind(&c.text)
            .bind(c.at_ms)
            .execute(&mut *tx)
            .await?;
        }
        for (comment, by, at) in &w.deleted {
            sqlx::query(
                "UPDATE live_show_comments SET deleted_at = $3, deleted_by = $4 \
                 WHERE show_id = $1 AND id = $2 AND deleted_at IS NULL",
            )
            .bind(id.as_str())
            .bind(comment)
            .bind(*at)
            .bind(by)
            .execute(&mut *tx)
            .await?;
        }
        for user in &w.unbans {
            sqlx::query("DELETE FROM live_show_bans WHERE show_id = $1 AND user_id = $2")
                .bind(id.as_str())
                .bind(user)
                .execute(&mut *tx)
                .await?;
        }
        for b in &w.bans {
            sqlx::query(
                "INSERT INTO live_show_bans (show_id, user_id, by_id, at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (show_id, user_id) DO UPDATE SET by_id = $3, at = $4",
            )
            .bind(id.as_str())
            .bind(&b.user_id)
            .bind(&b.by_id)
            .bind(b.at_ms)
            .execute(&mut *tx)
            .await?;
        }
        for h in &w.history {
            sqlx::query(
                "INSERT INTO live_show_history (show_id, seq, at, op, data) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (show_id, seq) DO UPDATE SET at = $3, op = $4, data = $5",
            )
            .bind(id.as_str())
            .bind(h.seq)
            .bind(h.at_ms)
            .bind(&h.op)
            .bind(&h.data)
            .execute(&mut *tx)
            .await?;
        }
        for e in &w.events {
            sqlx::query(
                "INSERT INTO live_show_events (show_id, seq, at, event) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (show_id, seq) DO UPDATE SET at = $3, event = $4",
            )
            .bind(id.as_str())
            .bind(e.seq)
            .bind(e.at_ms)
            .bind(&e.event)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(from) = w.events_from {
            sqlx::query("DELETE FROM live_show_events WHERE show_id = $1 AND seq < $2")
                .bind(id.as_str())
                .bind(from)
                .execute(&mut *tx)
                .await?;
        }
        for change in &w.sessions {
            match change {
                SessionChange::Opened { session, user } => sqlx::query(
                    "INSERT INTO live_show_sessions (show_id, session_id, user_id) \
                     VALUES ($1, $2, $3) ON CONFLICT (show_id, session_id) DO UPDATE SET user_id = $3",
                )
                .bind(id.as_str())
                .bind(session)
                .bind(user),
                SessionChange::Closed { session } => sqlx::query(
                    "DELETE FROM live_show_sessions WHERE show_id = $1 AND session_id = $2",
                )
                .bind(id.as_str())
                .bind(session),
            }
            .execute(&mut *tx)
            .await?;
        }
        if let Some(live) = &w.snapshot {
            sqlx::query("UPDATE live_shows SET live_state = $2, live_seq = $3 WHERE id = $1")
                .bind(id.as_str())
                .bind(&live.state)
                .bind(live.seq)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(at) = w.ended_at_ms {
            sqlx::query(
                "UPDATE live_shows SET state = 'ended', ended_at = $2, updated_at = $2 \
                 WHERE id = $1 AND state = 'live'",
            )
            .bind(id.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await?;
            // Nobody resumes an ended show.
            for table in ["live_show_events", "live_show_sessions"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE show_id = $1"))
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn claim_show(
        &self,
        show: &ShowId,
        node: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO live_show_owners (show_id, node_id, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (show_id) DO UPDATE SET node_id = $2, expires_at = $3 \
             WHERE live_show_owners.expires_at < $4 OR live_show_owners.node_id = $2",
        )
        .bind(show.as_str())
        .bind(node)
        .bind(until_ms)
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn renew_show(
        &self,
        show: &ShowId,
        node: &str,
        until_ms: i64,
        audience: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE live_show_owners SET expires_at = $3, audience = $4 \
             WHERE show_id = $1 AND node_id = $2",
        )
        .bind(show.as_str())
        .bind(node)
        .bind(until_ms)
        .bind(audience)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn show_audience(&self, show: &ShowId, now_ms: i64) -> Result<Option<i64>> {
        let audience: Option<i64> = sqlx::query_scalar(
            "SELECT audience FROM live_show_owners WHERE show_id = $1 AND expires_at >= $2",
        )
        .bind(show.as_str())
        .bind(now_ms)
        .fetch_optional(&self.read)
        .await?;
        Ok(audience)
    }

    async fn release_show(&self, show: &ShowId, node: &str) -> Result<()> {
        sqlx::query("DELETE FROM live_show_owners WHERE show_id = $1 AND node_id = $2")
            .bind(show.as_str())
            .bind(node)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn visible_shows(
        &self,
        viewer: &UserId,
        state: Option<ShowState>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<StoredShow>, i64)> {
        let order = match state {
            Some(ShowState::Live) => "s.started_at DESC, s.id",
            Some(ShowState::Scheduled) => "COALESCE(s.scheduled_for, s.created_at), s.id",
            Some(ShowState::Ended) => "s.ended_at DESC, s.id",
            None => "s.created_at DESC, s.id",
        };
        let filter = format!("{VISIBLE} AND ($2 = '' OR s.state = $2)");
        let state = state.map_or("", ShowState::as_str);
        let columns = SHOW_COLUMNS
            .split(", ")
            .map(|c| format!("s.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT {columns} FROM live_shows s WHERE {filter} ORDER BY {order} LIMIT $3 OFFSET $4"
        ))
        .bind(viewer.as_str())
        .bind(state)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?;
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM live_shows s WHERE {filter}"))
                .bind(viewer.as_str())
                .bind(state)
                .fetch_one(&self.read)
                .await?;
        Ok((rows.iter().map(show_row).collect::<Result<_>>()?, total))
    }

    async fn add_show_invite(
        &self,
        show: &ShowId,
        code_hash: &str,
        by: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO live_show_invites (code_hash, show_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(code_hash)
        .bind(show.as_str())
        .bind(by)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn redeem_show_invite(
        &self,
        show: &ShowId,
        code_hash: &str,
        user: &str,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO live_show_guests (show_id, user_id, created_at) \
             SELECT i.show_id, $3, $4 FROM live_show_invites i \
             WHERE i.show_id = $1 AND i.code_hash = $2 ON CONFLICT DO NOTHING",
        )
        .bind(show.as_str())
        .bind(code_hash)
        .bind(user)
        .bind(now)
        .execute(&self.write)
        .await?;
        if done.rows_affected() > 0 {
            return Ok(true);
        }
        // Already a guest, or a wrong code: only the code says which.
        let known: Option<String> = sqlx::query_scalar(
            "SELECT show_id FROM live_show_invites WHERE show_id = $1 AND code_hash = $2",
        )
        .bind(show.as_str())
        .bind(code_hash)
        .fetch_optional(&self.read)
        .await?;
        Ok(known.is_some())
    }

    async fn is_show_guest(&self, show: &ShowId, user: &UserId) -> Result<bool> {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT user_id FROM live_show_guests WHERE show_id = $1 AND user_id = $2",
        )
        .bind(show.as_str())
        .bind(user.as_str())
        .fetch_optional(&self.read)
        .await?;
        Ok(found.is_some())
    }

    async fn show_comments(
        &self,
        show: &ShowId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ShowComment>, i64)> {
        let rows = sqlx::query(
            "SELECT id, seq, user_id, body, at FROM live_show_comments \
             WHERE show_id = $1 AND deleted_at IS NULL ORDER BY seq LIMIT $2 OFFSET $3",
        )
        .bind(show.as_str())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?;
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM live_show_comments WHERE show_id = $1 AND deleted_at IS NULL",
        )
        .bind(show.as_str())
        .fetch_one(&self.read)
        .await?;
        let comments = rows
            .iter()
            .map(|r| {
                Ok(ShowComment {
                    id: r.try_get(0)?,
                    seq: r.try_get(1)?,
                    user_id: r.try_get(2)?,
                    text: r.try_get(3)?,
                    at_ms: r.try_get(4)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok((comments, total))
    }

    async fn show_history(
        &self,
        show: &ShowId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<HistoryEntry>, i64)> {
        let rows = sqlx::query(
            "SELECT seq, at, op, data FROM live_show_history WHERE show_id = $1 \
             ORDER BY seq LIMIT $2 OFFSET $3",
        )
        .bind(show.as_str())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?;
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM live_show_history WHERE show_id = $1")
                .bind(show.as_str())
                .fetch_one(&self.read)
                .await?;
        let entries = rows
            .iter()
            .map(|r| {
                Ok(HistoryEntry {
                    seq: r.try_get(0)?,
                    at_ms: r.try_get(1)?,
                    op: r.try_get(2)?,
                    data: r.try_get(3)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok((entries, total))
    }

    async fn show_bans(&self, show: &ShowId) -> Result<Vec<ShowBan>> {
        let rows = sqlx::query(
            "SELECT user_id, by_id, at FROM live_show_bans WHERE show_id = $1 ORDER BY at, user_id",
        )
        .bind(show.as_str())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ShowBan {
                    user_id: r.try_get(0)?,
                    by_id: r.try_get(1)?,
                    at_ms: r.try_get(2)?,
                })
            })
            .collect()
    }
}

impl SqlStore {
    /// Why a conditional update of a show changed nothing: there is no such show, or it is
    /// not in one of `states`.
    async fn why_not(&self, id: &ShowId, verb: &str, states: &[ShowState]) -> StoreError {
        let state: std::result::Result<Option<String>, _> =
            sqlx::query_scalar("SELECT state FROM live_shows WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(&self.read)
                .await;
        match state {
            Ok(None) => StoreError::NotFound,
            Ok(Some(state)) => StoreError::Conflict(format!(
                "the show is {state}: only a {} show can be {verb}",
                states
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )),
            Err(e) => e.into(),
        }
    }
}
