//! Signing in with Spotify: which Spotify account signs in to which Medley account, and the
//! sign-ins in flight (their `state`, bound to the browser that started them).

use async_trait::async_trait;
use medley_domain::user::User;
use medley_domain::UserId;
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::sql::SqlStore;
use crate::users::{insert_user, NewUser};

/// A sign-in waiting for Spotify to send the browser back.
#[derive(Clone, Debug)]
pub struct PendingSignIn {
    /// SHA-256 of the secret of the browser's sign-in cookie.
    pub browser_hash: String,
    pub sealed_verifier: String,
    pub redirect_uri: String,
}

#[async_trait]
pub trait SpotifyLoginStore: Send + Sync {
    async fn put_sign_in(
        &self,
        state_hash: &str,
        pending: &PendingSignIn,
        expires_at_ms: i64,
    ) -> Result<()>;
    /// Takes (deletes) a sign-in, if it exists and has not expired; expired ones go too.
    async fn take_sign_in(&self, state_hash: &str, now_ms: i64) -> Result<Option<PendingSignIn>>;
    /// The Medley user the Spotify account signs in to.
    async fn spotify_login(&self, spotify_user_id: &str) -> Result<Option<UserId>>;
    /// For a Spotify account that signs in to nobody yet: the Medley users who connected it
    /// (linking, `POST /v1/connections/spotify`). When exactly one did, the account now signs
    /// in to that user (stored, in one transaction with the check) and it is returned alone.
    async fn adopt_spotify_login(&self, spotify_user_id: &str, now_ms: i64) -> Result<Vec<UserId>>;
    /// Creates a user signed up with Spotify and links the Spotify account to it, in one
    /// transaction. `Conflict` when the username is taken or the account is linked already.
    async fn create_spotify_user(
        &self,
        new: NewUser,
        image_url: Option<&str>,
        spotify_user_id: &str,
    ) -> Result<User>;
}

#[async_trait]
impl SpotifyLoginStore for SqlStore {
    async fn put_sign_in(
        &self,
        state_hash: &str,
        p: &PendingSignIn,
        expires_at_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO spotify_sign_ins (state_hash, browser_hash, sealed_verifier, redirect_uri, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(state_hash)
        .bind(&p.browser_hash)
        .bind(&p.sealed_verifier)
        .bind(&p.redirect_uri)
        .bind(expires_at_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn take_sign_in(&self, state_hash: &str, now_ms: i64) -> Result<Option<PendingSignIn>> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM spotify_sign_ins WHERE expires_at <= $1")
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(
            "DELETE FROM spotify_sign_ins WHERE state_hash = $1 \
             RETURNING browser_hash, sealed_verifier, redirect_uri",
        )
        .bind(state_hash)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.map(|r| {
            Ok(PendingSignIn {
                browser_hash: r.try_get(0)?,
                sealed_verifier: r.try_get(1)?,
                redirect_uri: r.try_get(2)?,
            })
        })
        .transpose()
    }

    async fn spotify_login(&self, spotify_user_id: &str) -> Result<Option<UserId>> {
        let user: Option<String> =
            sqlx::query_scalar("SELECT user_id FROM spotify_logins WHERE spotify_user_id = $1")
                .bind(spotify_user_id)
                .fetch_optional(&self.read)
                .await?;
        Ok(user.map(UserId::from))
    }

    async fn adopt_spotify_login(&self, spotify_user_id: &str, now_ms: i64) -> Result<Vec<UserId>> {
        let mut tx = self.write.begin().await?;
        let users: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT user_id FROM spotify_connections WHERE spotify_user_id = $1 \
             ORDER BY user_id",
        )
        .bind(spotify_user_id)
        .fetch_all(&mut *tx)
        .await?;
        if let [user] = users.as_slice() {
            sqlx::query(
                "INSERT INTO spotify_logins (spotify_user_id, user_id, created_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (spotify_user_id) DO NOTHING",
            )
            .bind(spotify_user_id)
            .bind(user)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            let linked: String =
                sqlx::query_scalar("SELECT user_id FROM spotify_logins WHERE spotify_user_id = $1")
                    .bind(spotify_user_id)
                    .fetch_one(&mut *tx)
                    .await?;
            tx.commit().await?;
            return Ok(vec![UserId::from(linked)]);
        }
        tx.commit().await?;
        Ok(users.into_iter().map(UserId::from).collect())
    }

    async fn create_spotify_user(
        &self,
        new: NewUser,
        image_url: Option<&str>,
        spotify_user_id: &str,
    ) -> Result<User> {
        let mut tx = self.write.begin().await?;
        let user = insert_user(&mut tx, &new, image_url).await?;
        let linked = sqlx::query(
            "INSERT INTO spotify_logins (spotify_user_id, user_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(spotify_user_id)
        .bind(user.id.as_str())
        .bind(new.now_ms)
        .execute(&mut *tx)
        .await;
        match linked {
            Ok(_) => {}
            Err(e) if StoreError::is_unique_violation(&e) => {
                return Err(StoreError::Conflict(
                    "this Spotify account signs in to another Medley account already".into(),
                ))
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        Ok(user)
    }
}
