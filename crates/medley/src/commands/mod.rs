//! CLI commands other than `serve`.

pub mod import;
pub mod stats;
pub mod sync_jobs;
pub mod user;

use std::sync::Arc;

use anyhow::Context;
use medley_store::SqlStore;

use crate::config::Config;

/// Opens the configured database (creating the data folder), running migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<SqlStore>> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data folder {}", config.data_dir.display()))?;
    let store = SqlStore::connect(&config.database_url)
        .await
        .with_context(|| {
            format!(
                "opening the database {}",
                medley_store::sql::redact(&config.database_url)
            )
        })?;
    Ok(Arc::new(store))
}
