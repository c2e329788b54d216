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
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let name = format!(
        "medley_test_{now}_{}",
        medley_domain::new_id().to_lowercase()
    );
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(base_url)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL is unreachable: {e}"));
    drop_stale_databases(&mut conn, now).await;
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

/// Drops test databases left by runs that ended more than an hour ago (once per process), so a
/// shared test server does not fill up.
async fn drop_stale_databases(conn: &mut sqlx::AnyConnection, now: u64) {
    static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if DONE.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let Ok(names) = sqlx::query_scalar::<_, String>(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'medley_test_%'",
    )
    .fetch_all(&mut *conn)
    .await
    else {
        return;
    };
    for name in names {
        let created: Option<u64> = name
            .strip_prefix("medley_test_")
            .and_then(|rest| rest.split('_').next()?.parse().ok());
        if created.is_none_or(|secs| secs + 3600 < now) {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut *conn)
                .await;
        }
    }
}
