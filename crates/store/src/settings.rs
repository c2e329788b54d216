//! Server-wide settings an administrator changes while the server runs, one row each, kept as
//! text: the use cases give them their types and their defaults. Every node reads the same
//! rows, so a change made through one node holds on all of them at once.

use async_trait::async_trait;

use crate::error::Result;
use crate::sql::SqlStore;

#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// The value of the setting `name`, if it was ever set.
    async fn setting(&self, name: &str) -> Result<Option<String>>;
    /// Sets `name` to `value`, replacing what it was.
    async fn set_setting(&self, name: &str, value: &str, now_ms: i64) -> Result<()>;
}

#[async_trait]
impl SettingsStore for SqlStore {
    async fn setting(&self, name: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM server_settings WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.read)
                .await?,
        )
    }

    async fn set_setting(&self, name: &str, value: &str, now_ms: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO server_settings (name, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, \
             updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(value)
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }
}
