//! Fresh, isolated databases for tests: every test gets its own.

use crate::{Result, SqlStore};

/// The environment variable naming a PostgreSQL server for tests (any database on it; a new
/// database is created per test).
pub const POSTGRES_ENV: &str = "MEDLEY_TEST_DATABASE_URL";

/// A database made for one test. Keep it alive as long as the store is used: for SQLite it
/// owns the temporary directory.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A new SQLite database in a temporary directory.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("medley.db").display());
        TestDb {
            url,
            _dir: Some(dir),
        }
    }

    /// A new, empty PostgreSQL database, if `MEDLEY_TEST_DATABASE_URL` is set.
    pub async fn postgres() -> Option<TestDb> {
        let base = std::env::var(POSTGRES_ENV).ok()?;
        Some(TestDb {
            url: create_postgres_database(&base).await,
            _dir: None,
        })
    }

    pub async fn connect(&self) -> Result<SqlStore> {
        SqlStore::connect(&self.url).await
    }
}

/// Creates a uniquely named database on the server of `base_url` and returns its URL.
pub async fn create_postgres_database(base_url: &str) -> String {
    use sqlx::Connection;
    let name = format!("medley_test_{}", medley_domain::new_id().to_lowercase());
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(base_url)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL is unreachable: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    let _ = conn.close().await;
    let (prefix, _) = base_url
        .rsplit_once('/')
        .expect("a database URL ends in /DBNAME");
    let query = base_url
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    format!("{prefix}/{name}{query}")
}
