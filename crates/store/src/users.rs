//! Users, their access tokens and who follows whom.

use async_trait::async_trait;
use medley_domain::user::User;
use medley_domain::{new_id, Id, UserId};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::sql::{params, SqlStore};

/// A user to create. The first user ever created becomes an administrator.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub id: UserId,
    pub username: String,
    pub password_hash: String,
    pub display_name: Option<String>,
    pub now_ms: i64,
}

/// A bearer token as stored: only its hash is kept.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub token_hash: String,
    pub user_id: UserId,
    /// `session` (from a login) or `api` (long-lived, from the CLI).
    pub kind: String,
    pub label: Option<String>,
    pub now_ms: i64,
    pub expires_at_ms: Option<i64>,
}

/// An API token as its owner sees it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub id: Id,
    pub label: Option<String>,
    pub created_at_ms: i64,
    pub last_used_at_ms: Option<i64>,
    pub expires_at_ms: Option<i64>,
}

/// How often the time a token was last used is written at most.
pub const TOKEN_USE_PRECISION_MS: i64 = 60_000;

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Fails with `Conflict` when the username is taken.
    async fn create_user(&self, new: NewUser) -> Result<User>;
    async fn user(&self, id: &UserId) -> Result<Option<User>>;
    /// The user and their password hash.
    async fn user_by_username(&self, username: &str) -> Result<Option<(User, String)>>;
    async fn users(&self) -> Result<Vec<User>>;
    async fn user_count(&self) -> Result<i64>;
    async fn set_password_hash(&self, user_id: &UserId, hash: &str) -> Result<()>;

    /// Stores a token; returns the id it is named by.
    async fn insert_token(&self, token: NewToken) -> Result<Id>;
    /// A user's tokens of `kind` (`api`), oldest first.
    async fn tokens_of(&self, user_id: &UserId, kind: &str) -> Result<Vec<ApiToken>>;
    /// Deletes the user's token of `kind` named `id`; false when they have none by that id.
    async fn revoke_token_by_id(&self, user_id: &UserId, kind: &str, id: &str) -> Result<bool>;
    /// Records that a token was used at `now_ms` (written when the last record is older than
    /// [`TOKEN_USE_PRECISION_MS`]).
    async fn touch_token(&self, token_hash: &str, now_ms: i64) -> Result<()>;
    /// The user a token belongs to, if it exists and has not expired at `now_ms`.
    async fn user_for_token(&self, token_hash: &str, now_ms: i64) -> Result<Option<User>>;
    /// Whether a token was revoked (false if it did not exist).
    async fn revoke_token(&self, token_hash: &str) -> Result<bool>;
    /// Revokes every token of a user except `keep`; returns how many were revoked.
    async fn revoke_user_tokens(&self, user_id: &UserId, keep: Option<&str>) -> Result<u64>;
    /// A counter that every revocation moves on, in the revocation's own transaction: a node
    /// that sees it move drops the tokens it cached.
    async fn auth_epoch(&self) -> Result<i64>;

    /// Every user with the time their account was disabled (`None`: enabled).
    async fn users_with_state(&self) -> Result<Vec<(User, Option<i64>)>>;
    /// When the user's account was disabled; `None` when it is enabled.
    async fn disabled_at(&self, user_id: &UserId) -> Result<Option<i64>>;
    /// Disables (`Some(now)`) or enables (`None`) an account; false when there is no such user.
    async fn set_disabled(&self, user_id: &UserId, at_ms: Option<i64>) -> Result<bool>;
    /// Makes a user an administrator or not; false when there is no such user.
    async fn set_admin(&self, user_id: &UserId, admin: bool) -> Result<bool>;

    /// Follows users; unknown ids fail with `NotFound` and nothing is written.
    async fn follow_users(&self, follower: &UserId, ids: &[UserId], now_ms: i64) -> Result<()>;
    async fn unfollow_users(&self, follower: &UserId, ids: &[UserId]) -> Result<()>;
    /// For each id, whether `follower` follows it.
    async fn follows_users(&self, follower: &UserId, ids: &[UserId]) -> Result<Vec<bool>>;
    async fn follower_count(&self, user_id: &UserId) -> Result<i64>;
    /// How many of `ids` exist.
    async fn existing_users(&self, ids: &[UserId]) -> Result<Vec<UserId>>;
}

pub(crate) const BUMP_EPOCH: &str = "UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1";

pub(crate) const USER_COLUMNS: &str = "id, username, display_name, is_admin, created_at, image_url";

pub(crate) fn user_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: UserId::from(row.try_get::<String, _>("id")?),
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        is_admin: row.try_get::<i64, _>("is_admin")? != 0,
        created_at_ms: row.try_get("created_at")?,
        image_url: row.try_get("image_url")?,
    })
}

/// Inserts a user in `tx` (an administrator when it is the first); `Conflict` when the
/// username is taken.
pub(crate) async fn insert_user(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    new: &NewUser,
    image_url: Option<&str>,
) -> Result<User> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut **tx)
        .await?;
    let inserted = sqlx::query(&format!(
        "INSERT INTO users (id, username, password_hash, display_name, is_admin, created_at, image_url) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {USER_COLUMNS}"
    ))
    .bind(new.id.as_str())
    .bind(&new.username)
    .bind(&new.password_hash)
    .bind(&new.display_name)
    .bind(i64::from(count == 0))
    .bind(new.now_ms)
    .bind(image_url)
    .fetch_one(&mut **tx)
    .await;
    match inserted {
        Ok(row) => user_row(&row),
        Err(e) if StoreError::is_unique_violation(&e) => Err(StoreError::Conflict(format!(
            "the username `{}` is taken",
            new.username
        ))),
        Err(e) => Err(e.into()),
    }
}

#[async_trait]
impl UserStore for SqlStore {
    async fn create_user(&self, new: NewUser) -> Result<User> {
        let mut tx = self.write.begin().await?;
        let user = insert_user(&mut tx, &new, None).await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn user(&self, id: &UserId) -> Result<Option<User>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(user_row).transpose()
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.read)
        .await?;
        match row {
            Some(row) => Ok(Some((user_row(&row)?, row.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY created_at, username"
        ))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(user_row).collect()
    }

    async fn user_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.read)
            .await?)
    }

    async fn set_password_hash(&self, user_id: &UserId, hash: &str) -> Result<()> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id.as_str())
            .execute(&self.write)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn insert_token(&self, t: NewToken) -> Result<Id> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO tokens (token_hash, user_id, kind, label, created_at, expires_at, id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&t.token_hash)
        .bind(t.user_id.as_str())
        .bind(&t.kind)
        .bind(&t.label)
        .bind(t.now_ms)
        .bind(t.expires_at_ms)
        .bind(&id)
        .execute(&self.write)
        .await?;
        Ok(id)
    }

    async fn tokens_of(&self, user_id: &UserId, kind: &str) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, label, created_at, last_used_at, expires_at FROM tokens \
             WHERE user_id = $1 AND kind = $2 ORDER BY created_at, id",
        )
        .bind(user_id.as_str())
        .bind(kind)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ApiToken {
                    id: row.try_get("id")?,
                    label: row.try_get("label")?,
                    created_at_ms: row.try_get("created_at")?,
                    last_used_at_ms: row.try_get("last_used_at")?,
                    expires_at_ms: row.try_get("expires_at")?,
                })
            })
            .collect()
    }

    async fn revoke_token_by_id(&self, user_id: &UserId, kind: &str, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM tokens WHERE id = $1 AND user_id = $2 AND kind = $3")
            .bind(id)
            .bind(user_id.as_str())
            .bind(kind)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn touch_token(&self, token_hash: &str, now_ms: i64) -> Result<()> {
        sqlx::query(
            "UPDATE tokens SET last_used_at = $2 WHERE token_hash = $1 \
             AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(token_hash)
        .bind(now_ms)
        .bind(now_ms - TOKEN_USE_PRECISION_MS)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn user_for_token(&self, token_hash: &str, now_ms: i64) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.is_admin, u.created_at, u.image_url FROM tokens t \
             JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)",
        )
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(user_row).transpose()
    }

    async fn revoke_token(&self, token_hash: &str) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query("DELETE FROM tokens WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query(BUMP_EPOCH).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn revoke_user_tokens(&self, user_id: &UserId, keep: Option<&str>) -> Result<u64> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query("DELETE FROM tokens WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id.as_str())
            .bind(keep.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        sqlx::query(BUMP_EPOCH).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    async fn auth_epoch(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT epoch FROM auth_epoch WHERE id = 1")
                .fetch_one(&self.read)
                .await?,
        )
    }

    async fn users_with_state(&self) -> Result<Vec<(User, Option<i64>)>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, disabled_at FROM users ORDER BY created_at, username"
        ))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| Ok((user_row(row)?, row.try_get("disabled_at")?)))
            .collect()
    }

    async fn disabled_at(&self, user_id: &UserId) -> Result<Option<i64>> {
        let at: Option<Option<i64>> =
            sqlx::query_scalar("SELECT disabled_at FROM users WHERE id = $1")
                .bind(user_id.as_str())
                .fetch_optional(&self.read)
                .await?;
        Ok(at.flatten())
    }

    async fn set_disabled(&self, user_id: &UserId, at_ms: Option<i64>) -> Result<bool> {
        let done = sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
            .bind(at_ms)
            .bind(user_id.as_str())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn set_admin(&self, user_id: &UserId, admin: bool) -> Result<bool> {
        let done = sqlx::query("UPDATE users SET is_admin = $1 WHERE id = $2")
            .bind(i64::from(admin))
            .bind(user_id.as_str())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn follow_users(&self, follower: &UserId, ids: &[UserId], now_ms: i64) -> Result<()> {
        if self.existing_users(ids).await?.len() != dedup_len(ids) {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.write.begin().await?;
        for id in ids {
            sqlx::query(
                "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(follower.as_str())
            .bind(id.as_str())
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn unfollow_users(&self, follower: &UserId, ids: &[UserId]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "DELETE FROM follows WHERE follower_id = $1 AND followee_id IN ({})",
            params(2, ids.len())
        );
        let mut q = sqlx::query(&sql).bind(follower.as_str());
        for id in ids {
            q = q.bind(id.as_str());
        }
        q.execute(&self.write).await?;
        Ok(())
    }

    async fn follows_users(&self, follower: &UserId, ids: &[UserId]) -> Result<Vec<bool>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT followee_id FROM follows WHERE follower_id = $1 AND followee_id IN ({})",
            params(2, ids.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql).bind(follower.as_str());
        for id in ids {
            q = q.bind(id.as_str());
        }
        let followed: Vec<String> = q.fetch_all(&self.read).await?;
        Ok(ids
            .iter()
            .map(|id| followed.iter().any(|f| f == id))
            .collect())
    }

    async fn follower_count(&self, user_id: &UserId) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM follows WHERE followee_id = $1")
                .bind(user_id.as_str())
                .fetch_one(&self.read)
                .await?,
        )
    }

    async fn existing_users(&self, ids: &[UserId]) -> Result<Vec<UserId>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT id FROM users WHERE id IN ({})",
            params(1, ids.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for id in ids {
            q = q.bind(id.as_str());
        }
        let found: Vec<String> = q.fetch_all(&self.read).await?;
        Ok(found.into_iter().map(UserId::from).collect())
    }
}

pub(crate) fn dedup_len<T: Ord>(ids: &[T]) -> usize {
    let mut v: Vec<&T> = ids.iter().collect();
    v.sort();
    v.dedup();
    v.len()
}
