//! Settings of the use cases (the HTTP edge and the binary have their own).

use std::path::PathBuf;
use std::time::Duration;

use medley_imports::ZipLimits;

use crate::logins::LoginSettings;

#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Whether anyone may register, when the server's configuration fixes it; `None`: an
    /// administrator decides in the app (open until closed). The first user always may.
    pub registration: Option<bool>,
    /// Most items a playlist may hold.
    pub max_playlist_items: i64,
    /// How long a session token lives.
    pub session_ttl: Duration,
    /// Where uploaded exports are kept until they are imported.
    pub spool_dir: PathBuf,
    /// Largest export upload accepted, in bytes.
    pub import_max_bytes: u64,
    /// What a zip archive must respect before anything in it is read.
    pub zip_limits: ZipLimits,
    /// How long a node holds queued work it leased before another node may take it over (a
    /// dead node's work waits this long). Renewed every quarter of it while the work runs.
    pub lease: Duration,
    /// How sign-ins are bounded and throttled.
    pub logins: LoginSettings,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            registration: None,
            max_playlist_items: medley_domain::playlist::DEFAULT_MAX_ITEMS,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            spool_dir: std::env::temp_dir().join("medley-uploads"),
            import_max_bytes: 4 * 1024 * 1024 * 1024,
            zip_limits: ZipLimits::default(),
            lease: Duration::from_secs(120),
            logins: LoginSettings::default(),
        }
    }
}
