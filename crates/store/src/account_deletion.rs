//! Deleting an account: everything of the user goes in one transaction, or nothing does.
//!
//! Most of it follows from the schema: every table that names a user does so with
//! `REFERENCES users (id) ON DELETE CASCADE` (tokens, follows both ways, playlists with their
//! items, collaborators, followers, covers and composites, liked songs and saved albums,
//! followed artists, sync jobs and their runs, imports, plays through `listeners`, Spotify
//! connections with their sealed tokens and stored reads, Spotify sign-ins and
//! authorizations, live shows with their invites, guests, comments, bans and history, and
//! the user's comments, bans and guest passes in other people's shows, Subsonic keys,
//! passwords, stars, ratings and what they are playing now). What the schema cannot say is
//! done here, in the same transaction:
//!
//! - the composites of other users that read one of the user's playlists are queued for a
//!   resync (the work queue), which finds the source gone: their contributions are frozen and
//!   the source is reported unhealthy, as for any deleted playlist;
//! - the audio files the user uploaded are deleted (their tracks stay in the catalog and in
//!   playlists, without this audio); the storage keys no other file uses are returned, for
//!   the caller to delete the bytes after the commit;
//! - queued work about the user's jobs, composites, connections and imports is dropped;
//! - the revocation counter (`auth_epoch`) moves on, so every node drops the tokens it
//!   cached;
//! - the last administrator who can sign in is not deleted (`Conflict`).

use async_trait::async_trait;
use medley_domain::user::User;
use medley_domain::{ImportId, PlaylistId, ShowId, UserId};
use sqlx::{Any, Row, Transaction};

use crate::error::{Result, StoreError};
use crate::sql::{Backend, SqlStore};

/// What went with an account, for the caller to finish outside the database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeletedAccount {
    /// The user's playlists, now gone: caches of them are to be dropped.
    pub playlists: Vec<PlaylistId>,
    /// The user's shows that were still live when the transaction ran (the caller ends them
    /// before deleting, so normally none): their actors are to be stopped.
    pub live_shows: Vec<ShowId>,
    /// The user's imports that had not finished (their spooled uploads are to be removed).
    pub unfinished_imports: Vec<ImportId>,
    /// Storage keys of uploaded audio that no remaining file uses: the caller deletes the
    /// bytes once the transaction is committed.
    pub unused_objects: Vec<String>,
}

/// The message of the refusal to delete the last administrator.
pub const LAST_ADMIN: &str = "this is the only administrator account that can sign in, and a \
     server must keep one: make another account an administrator first (Administration in the \
     web app, or PATCH /v1/admin/users/{id} with {\"is_admin\": true}), then delete this one";

async fn ids(tx: &mut Transaction<'_, Any>, sql: &str, user_id: &UserId) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar::<_, String>(sql)
        .bind(user_id.as_str())
        .fetch_all(&mut **tx)
        .await?)
}

/// Queued work whose subject belongs to the user (see [`delete_user`]).
const USER_WORK: &str = "DELETE FROM work_queue WHERE \
     (kind = 'sync_job' AND subject IN (SELECT id FROM sync_jobs WHERE owner_id = $1)) \
     OR (kind = 'composite' AND subject IN (SELECT id FROM playlists WHERE owner_id = $1)) \
     OR (kind IN ('spotify_watch', 'spotify_plays') \
         AND subject IN (SELECT id FROM spotify_connections WHERE user_id = $1)) \
     OR (kind = 'import' AND subject IN (SELECT id FROM imports WHERE user_id = $1))";

/// Deleting accounts; above [`UserStore`](crate::UserStore), whose rows it reads.
#[async_trait]
pub trait AccountDeletionStore: Send + Sync {
    /// Deletes an account and everything of it, in one transaction
    /// (this module): `NotFound` when there is no such user, `Conflict` when
    /// it is the last administrator who can sign in. Answers who it was and what the caller
    /// must finish outside the database.
    async fn delete_user(&self, user_id: &UserId, now_ms: i64) -> Result<(User, DeletedAccount)>;
}

#[async_trait]
impl AccountDeletionStore for SqlStore {
    async fn delete_user(&self, user_id: &UserId, now_ms: i64) -> Result<(User, DeletedAccount)> {
        delete_user(self, user_id, now_ms).await
    }
}

async fn delete_user(
    store: &SqlStore,
    user_id: &UserId,
    now_ms: i64,
) -> Result<(User, DeletedAccount)> {
    let mut tx = store.write.begin().await?;
    // A write first: on SQLite it takes the database's write lock at once, so another process
    // sharing the file (the command line) cannot slip a write in between our reads and
    // writes. It is also the revocation every node's token cache watches.
    sqlx::query(crate::users::BUMP_EPOCH)
        .execute(&mut *tx)
        .await?;
    if store.backend() == Backend::Postgres {
        // Two administrators deleting themselves at once must not both see the other stay.
        sqlx::query("SELECT id FROM users WHERE id = $1 OR is_admin <> 0 ORDER BY id FOR UPDATE")
            .bind(user_id.as_str())
            .fetch_all(&mut *tx)
            .await?;
    }
    let row = sqlx::query(&format!(
        "SELECT {}, disabled_at FROM users WHERE id = $1",
        crate::users::USER_COLUMNS
    ))
    .bind(user_id.as_str())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let user = crate::users::user_row(&row)?;
    let disabled = row.try_get::<Option<i64>, _>("disabled_at")?.is_some();
    if user.is_admin && !disabled {
        let others: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE is_admin <> 0 AND disabled_at IS NULL AND id <> $1",
        )
        .bind(user_id.as_str())
        .fetch_one(&mut *tx)
        .await?;
        if others == 0 {
            return Err(StoreError::Conflict(LAST_ADMIN.into()));
        }
    }

    let playlists: Vec<PlaylistId> = ids(
        &mut tx,
        "SELECT id FROM playlists WHERE owner_id = $1 ORDER BY id",
        user_id,
    )
    .await?
    .into_iter()
    .map(PlaylistId::from)
    .collect();
    let live_shows: Vec<ShowId> = ids(
        &mut tx,
        "SELECT id FROM live_shows WHERE creator_id = $1 AND state = 'live' ORDER BY id",
        user_id,
    )
    .await?
    .into_iter()
    .map(ShowId::from)
    .collect();
    let unfinished_imports: Vec<ImportId> = ids(
        &mut tx,
        "SELECT id FROM imports WHERE user_id = $1 AND status = 'running' ORDER BY id",
        user_id,
    )
    .await?
    .into_iter()
    .map(ImportId::from)
    .collect();
    let uploaded = ids(
        &mut tx,
        "SELECT DISTINCT object_key FROM audio_files \
         WHERE uploaded_by = $1 AND origin = 'upload' AND object_key IS NOT NULL",
        user_id,
    )
    .await?;

    // Work about what is going, before the playlists go (their own composites included).
    sqlx::query(USER_WORK)
        .bind(user_id.as_str())
        .execute(&mut *tx)
        .await?;
    // Other users' composites that read these playlists look again, and find them gone.
    for id in &playlists {
        crate::jobs::queue_dependents(&mut tx, id, false, now_ms).await?;
    }
    sqlx::query("DELETE FROM audio_files WHERE uploaded_by = $1 AND origin = 'upload'")
        .bind(user_id.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id.as_str())
        .execute(&mut *tx)
        .await?;

    let mut unused_objects = Vec::new();
    for key in uploaded {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audio_files WHERE object_key = $1")
            .bind(&key)
            .fetch_one(&mut *tx)
            .await?;
        if n == 0 {
            unused_objects.push(key);
        }
    }
    tx.commit().await?;
    Ok((
        user,
        DeletedAccount {
            playlists,
            live_shows,
            unfinished_imports,
            unused_objects,
        },
    ))
}
