//! Spotify connections: each user's linked accounts with their sealed tokens, authorizations
//! waiting for the browser to come back, each app's pauses, and the requests it sent.
//!
//! Tokens and PKCE verifiers arrive here already sealed; the store never sees them in clear.

use std::collections::BTreeMap;

use async_trait::async_trait;
use medley_domain::text::TextEnum;
use medley_domain::{Id, UserId};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::sql::SqlStore;

medley_domain::text_enum! {
    /// Whether Medley can use a connection (stored as this text).
    pub enum ConnectionStatus {
        /// Its tokens work (as far as Medley knows).
        Active = "active",
        /// Spotify refused its refresh token: its owner must link the account again.
        Reconnect = "reconnect",
    }
}

/// A connected Spotify account.
#[derive(Clone, Debug, PartialEq)]
pub struct Connection {
    pub id: Id,
    pub user_id: UserId,
    pub client_id: String,
    pub spotify_user_id: String,
    pub display_name: Option<String>,
    pub scopes: Vec<String>,
    pub sealed_tokens: String,
    pub status: ConnectionStatus,
    pub status_reason: Option<String>,
    pub consented_at_ms: i64,
    /// Recently played: the latest `played_at` (Unix ms) already recorded.
    pub plays_cursor_ms: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// An account to link (or link again: a user connecting the same Spotify account twice
/// refreshes the one connection).
pub struct NewConnection<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub client_id: &'a str,
    pub spotify_user_id: &'a str,
    pub display_name: Option<&'a str>,
    pub scopes: &'a [String],
    pub sealed_tokens: &'a str,
    pub now_ms: i64,
}

/// An authorization waiting for Spotify's redirect.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingAuthorization {
    pub user_id: UserId,
    pub sealed_verifier: String,
    pub redirect_uri: String,
}

/// What Medley knows of one Spotify collection (see the `spotify_collections` table).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CollectionState {
    /// The snapshot the latest sweep saw.
    pub seen_snapshot: Option<String>,
    /// The snapshot `items` were read at.
    pub read_snapshot: Option<String>,
    /// The items as of the last complete read (JSON, written by the caller).
    pub items: Option<String>,
    pub read_at_ms: Option<i64>,
}

impl CollectionState {
    /// Whether the stored items are the collection as the latest sweep saw it.
    pub fn fresh(&self) -> bool {
        self.items.is_some()
            && self.read_snapshot.is_some()
            && self.read_snapshot == self.seen_snapshot
    }
}

/// Requests an app sent since some time: in all, and per connection.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Usage {
    pub total: i64,
    pub by_connection: BTreeMap<String, i64>,
}

#[async_trait]
pub trait ConnectionStore: Send + Sync {
    async fn put_authorization(
        &self,
        state_hash: &str,
        user_id: &UserId,
        sealed_verifier: &str,
        redirect_uri: &str,
        expires_at_ms: i64,
    ) -> Result<()>;
    /// Takes (and deletes) an authorization; `None` if unknown, already used or expired.
    async fn take_authorization(
        &self,
        state_hash: &str,
        now_ms: i64,
    ) -> Result<Option<PendingAuthorization>>;
    /// Links an account, or refreshes the user's existing link to the same Spotify account
    /// (new tokens, active again). Returns the stored connection.
    async fn upsert_connection(&self, new: NewConnection<'_>) -> Result<Connection>;
    async fn connection(&self, id: &str) -> Result<Option<Connection>>;
    /// The user's connections, oldest first.
    async fn connections(&self, user_id: &UserId) -> Result<Vec<Connection>>;
    /// Every connection of an app (for sharing its budget fairly).
    async fn app_connections(&self, client_id: &str) -> Result<Vec<Connection>>;
    async fn set_connection_tokens(&self, id: &str, sealed_tokens: &str, now_ms: i64)
        -> Result<()>;
    async fn set_connection_status(
        &self,
        id: &str,
        status: ConnectionStatus,
        reason: Option<&str>,
        now_ms: i64,
    ) -> Result<()>;
    /// Moves the recently-played cursor forward (never back).
    async fn advance_plays_cursor(&self, id: &str, played_at_ms: i64) -> Result<()>;
    /// Deletes the user's connection and its tokens. False if it was not theirs.
    async fn delete_connection(&self, user_id: &UserId, id: &str) -> Result<bool>;
    /// An app's pauses (Unix ms): `(rate_until, quota_until)`, zero when none was recorded.
    async fn app_pauses(&self, client_id: &str) -> Result<(i64, i64)>;
    async fn set_app_pauses(
        &self,
        client_id: &str,
        rate_until_ms: i64,
        quota_until_ms: i64,
        now_ms: i64,
    ) -> Result<()>;
    /// Adds `requests` to the count of the minute containing `at_ms`.
    async fn record_usage(
        &self,
        client_id: &str,
        connection_id: &str,
        at_ms: i64,
        requests: i64,
    ) -> Result<()>;
    /// Requests of the app since `since_ms`, in all and per connection; older counts are
    /// forgotten on the way.
    async fn usage(&self, client_id: &str, since_ms: i64) -> Result<Usage>;
    async fn collection(&self, connection_id: &str, uri: &str) -> Result<CollectionState>;
    /// Records what a sweep saw: `(uri, snapshot)` pairs.
    async fn saw_snapshots(&self, connection_id: &str, seen: &[(String, String)]) -> Result<()>;
    /// Records a complete read (or the state after Medley's own write) at `snapshot`.
    async fn put_collection_read(
        &self,
        connection_id: &str,
        uri: &str,
        snapshot: Option<&str>,
        items: &str,
        now_ms: i64,
    ) -> Result<()>;
    /// The Spotify URIs (sources and targets) a user's composites and sync jobs use.
    async fn spotify_uris_in_use(&self, user_id: &UserId) -> Result<Vec<String>>;
}

const SELECT: &str = "SELECT id, user_id, client_id, spotify_user_id, display_name, scopes, \
     sealed_tokens, status, status_reason, consented_at, plays_cursor, created_at, updated_at \
     FROM spotify_connections";

fn connection_row(r: &AnyRow) -> Result<Connection> {
    let scopes: String = r.try_get("scopes")?;
    Ok(Connection {
        id: r.try_get("id")?,
        user_id: r.try_get::<String, _>("user_id")?.into(),
        client_id: r.try_get("client_id")?,
        spotify_user_id: r.try_get("spotify_user_id")?,
        display_name: r.try_get("display_name")?,
        scopes: scopes.split_whitespace().map(str::to_owned).collect(),
        sealed_tokens: r.try_get("sealed_tokens")?,
        status: stored_status(r.try_get("status")?)?,
        status_reason: r.try_get("status_reason")?,
        consented_at_ms: r.try_get("consented_at")?,
        plays_cursor_ms: r.try_get("plays_cursor")?,
        created_at_ms: r.try_get("created_at")?,
        updated_at_ms: r.try_get("updated_at")?,
    })
}

fn stored_status(text: String) -> Result<ConnectionStatus> {
    ConnectionStatus::parse(&text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown connection status `{text}`")))
}

const MINUTE_MS: i64 = 60_000;

#[async_trait]
impl ConnectionStore for SqlStore {
    async fn put_authorization(
        &self,
        state_hash: &str,
        user_id: &UserId,
        sealed_verifier: &str,
        redirect_uri: &str,
        expires_at_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO spotify_authorizations (state_hash, user_id, sealed_verifier, redirect_uri, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(state_hash)
        .bind(user_id.as_str())
        .bind(sealed_verifier)
        .bind(redirect_uri)
        .bind(expires_at_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn take_authorization(
        &self,
        state_hash: &str,
        now_ms: i64,
    ) -> Result<Option<PendingAuthorization>> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM spotify_authorizations WHERE expires_at <= $1")
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(
            "DELETE FROM spotify_authorizations WHERE state_hash = $1 \
             RETURNING user_id, sealed_verifier, redirect_uri",
        )
        .bind(state_hash)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.map(|r| {
            Ok(PendingAuthorization {
                user_id: r.try_get::<String, _>(0)?.into(),
                sealed_verifier: r.try_get(1)?,
                redirect_uri: r.try_get(2)?,
            })
        })
        .transpose()
    }

    async fn upsert_connection(&self, new: NewConnection<'_>) -> Result<Connection> {
        let row = sqlx::query(&format!(
            "INSERT INTO spotify_connections (id, user_id, client_id, spotify_user_id, display_name, \
             scopes, sealed_tokens, status, consented_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $9, $8, $8, $8) \
             ON CONFLICT (user_id, spotify_user_id) DO UPDATE SET client_id = excluded.client_id, \
             display_name = excluded.display_name, scopes = excluded.scopes, \
             sealed_tokens = excluded.sealed_tokens, status = excluded.status, status_reason = NULL, \
             consented_at = excluded.consented_at, updated_at = excluded.updated_at \
             RETURNING {}",
            SELECT
                .trim_start_matches("SELECT ")
                .trim_end_matches(" FROM spotify_connections")
        ))
        .bind(new.id)
        .bind(new.user_id)
        .bind(new.client_id)
        .bind(new.spotify_user_id)
        .bind(new.display_name)
        .bind(new.scopes.join(" "))
        .bind(new.sealed_tokens)
        .bind(new.now_ms)
        .bind(ConnectionStatus::Active.as_str())
        .fetch_one(&self.write)
        .await?;
        connection_row(&row)
    }

    async fn connection(&self, id: &str) -> Result<Option<Connection>> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(connection_row).transpose()
    }

    async fn connections(&self, user_id: &UserId) -> Result<Vec<Connection>> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE user_id = $1 ORDER BY created_at, id"
        ))
        .bind(user_id.as_str())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(connection_row).collect()
    }

    async fn app_connections(&self, client_id: &str) -> Result<Vec<Connection>> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE client_id = $1 ORDER BY created_at, id"
        ))
        .bind(client_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(connection_row).collect()
    }

    async fn set_connection_tokens(
        &self,
        id: &str,
        sealed_tokens: &str,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE spotify_connections SET sealed_tokens = $2, updated_at = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(sealed_tokens)
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn set_connection_status(
        &self,
        id: &str,
        status: ConnectionStatus,
        reason: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE spotify_connections SET status = $2, status_reason = $3, updated_at = $4 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(reason)
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn advance_plays_cursor(&self, id: &str, played_at_ms: i64) -> Result<()> {
        sqlx::query(
            "UPDATE spotify_connections SET plays_cursor = $2 \
             WHERE id = $1 AND (plays_cursor IS NULL OR plays_cursor < $2)",
        )
        .bind(id)
        .bind(played_at_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn delete_connection(&self, user_id: &UserId, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM spotify_connections WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id.as_str())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn app_pauses(&self, client_id: &str) -> Result<(i64, i64)> {
        let row =
            sqlx::query("SELECT rate_until, quota_until FROM spotify_apps WHERE client_id = $1")
                .bind(client_id)
                .fetch_optional(&self.read)
                .await?;
        Ok(match row {
            Some(r) => (r.try_get(0)?, r.try_get(1)?),
            None => (0, 0),
        })
    }

    async fn set_app_pauses(
        &self,
        client_id: &str,
        rate_until_ms: i64,
        quota_until_ms: i64,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO spotify_apps (client_id, rate_until, quota_until, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (client_id) DO UPDATE SET rate_until = excluded.rate_until, \
             quota_until = excluded.quota_until, updated_at = excluded.updated_at",
        )
        .bind(client_id)
        .bind(rate_until_ms)
        .bind(quota_until_ms)
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn record_usage(
        &self,
        client_id: &str,
        connection_id: &str,
        at_ms: i64,
        requests: i64,
    ) -> Result<()> {
        if requests == 0 {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO spotify_usage (client_id, connection_id, minute, requests) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (client_id, connection_id, minute) DO UPDATE SET \
             requests = spotify_usage.requests + excluded.requests",
        )
        .bind(client_id)
        .bind(connection_id)
        .bind(at_ms.div_euclid(MINUTE_MS))
        .bind(requests)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn usage(&self, client_id: &str, since_ms: i64) -> Result<Usage> {
        let since_minute = since_ms.div_euclid(MINUTE_MS);
        // Counts older than two days serve no window Medley reports.
        sqlx::query("DELETE FROM spotify_usage WHERE minute < $1")
            .bind(since_minute - 2 * 24 * 60)
            .execute(&self.write)
            .await?;
        let rows = sqlx::query(
            "SELECT connection_id, CAST(SUM(requests) AS BIGINT) FROM spotify_usage \
             WHERE client_id = $1 AND minute >= $2 GROUP BY connection_id",
        )
        .bind(client_id)
        .bind(since_minute)
        .fetch_all(&self.read)
        .await?;
        let mut usage = Usage::default();
        for r in rows {
            let n: i64 = r.try_get(1)?;
            usage.total += n;
            usage.by_connection.insert(r.try_get(0)?, n);
        }
        Ok(usage)
    }

    async fn collection(&self, connection_id: &str, uri: &str) -> Result<CollectionState> {
        let row = sqlx::query(
            "SELECT seen_snapshot, read_snapshot, items, read_at FROM spotify_collections \
             WHERE connection_id = $1 AND uri = $2",
        )
        .bind(connection_id)
        .bind(uri)
        .fetch_optional(&self.read)
        .await?;
        Ok(match row {
            None => CollectionState::default(),
            Some(r) => CollectionState {
                seen_snapshot: r.try_get(0)?,
                read_snapshot: r.try_get(1)?,
                items: r.try_get(2)?,
                read_at_ms: r.try_get(3)?,
            },
        })
    }

    async fn saw_snapshots(&self, connection_id: &str, seen: &[(String, String)]) -> Result<()> {
        let mut tx = self.write.begin().await?;
        for (uri, snapshot) in seen {
            sqlx::query(
                "INSERT INTO spotify_collections (connection_id, uri, seen_snapshot) VALUES ($1, $2, $3) \
                 ON CONFLICT (connection_id, uri) DO UPDATE SET seen_snapshot = excluded.seen_snapshot",
            )
            .bind(connection_id)
            .bind(uri)
            .bind(snapshot)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn put_collection_read(
        &self,
        connection_id: &str,
        uri: &str,
        snapshot: Option<&str>,
        items: &str,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO spotify_collections (connection_id, uri, seen_snapshot, read_snapshot, items, read_at) \
             VALUES ($1, $2, $3, $3, $4, $5) \
             ON CONFLICT (connection_id, uri) DO UPDATE SET read_snapshot = excluded.read_snapshot, \
             items = excluded.items, read_at = excluded.read_at, \
             seen_snapshot = COALESCE(excluded.seen_snapshot, spotify_collections.seen_snapshot)",
        )
        .bind(connection_id)
        .bind(uri)
        .bind(snapshot)
        .bind(items)
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn spotify_uris_in_use(&self, user_id: &UserId) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT s.uri FROM composite_sources s JOIN playlists p ON p.id = s.playlist_id \
             WHERE p.owner_id = $1 AND s.uri LIKE 'spotify:%' \
             UNION SELECT source_uri FROM sync_jobs WHERE owner_id = $1 AND source_uri LIKE 'spotify:%' \
             UNION SELECT target_uri FROM sync_jobs WHERE owner_id = $1 AND target_uri LIKE 'spotify:%'",
        )
        .bind(user_id.as_str())
        .fetch_all(&self.read)
        .await?;
        let mut uris: Vec<String> = rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;
        uris.sort();
        Ok(uris)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_stay_as_they_were() {
        let names: Vec<&str> = ConnectionStatus::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            names,
            ["active", "reconnect"],
            "rows already stored use these names"
        );
    }
}
