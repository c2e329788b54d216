//! The audio library: files found by scanning folders or uploaded, matched to catalog tracks,
//! kept in the audio storage (or read in place), and streamed.
//!
//! Layout: [`matching`] (pure: which track a file is), [`ingest`] (a batch of files written
//! with their tracks), [`walk`] and [`scan`] (a scan of folders: new, changed, moved, missing
//! files), [`scans`] (scans as queued work, with progress and a report), [`uploads`] (files
//! sent through the API, and their deletion), [`streams`] (which file plays, signed URLs),
//! [`transcodes`] (a stream in another format, bit rate or from an offset, through ffmpeg),
//! [`covers`] (album covers found in and beside files, stored once, served resized),
//! [`watch`] (watched folders: changes scanned as they happen), [`generated`] (audio made for
//! tracks: the demo's clips).

use std::time::Duration;

use std::sync::Arc;

use medley_audio::hot::HotCache;
use medley_audio::{Storage, Transcoder, UrlSigner};

pub mod covers;
pub mod generated;
pub mod ingest;
pub mod matching;
pub mod scan;
pub mod scans;
pub mod streams;
pub mod transcodes;
pub mod uploads;
pub mod walk;
pub mod watch;

/// Who may upload audio (`MEDLEY_UPLOADERS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Uploaders {
    /// Administrators only (the default).
    Admins,
    /// Every signed-in user.
    Everyone,
    /// Administrators and these usernames.
    Users(Vec<String>),
}

/// Settings of the audio library.
#[derive(Clone, Debug)]
pub struct AudioSettings {
    pub uploaders: Uploaders,
    /// Largest upload accepted, in bytes.
    pub upload_max_bytes: u64,
    /// How long a signed stream URL is valid.
    pub stream_url_ttl: Duration,
    /// Where resized covers are kept on this node (`<data-dir>/cache/covers`).
    pub cover_cache_dir: std::path::PathBuf,
    /// Folders `serve` scans at start and then watches (absolute paths).
    pub watch_folders: Vec<String>,
    /// The internal location of a front server (nginx) that sends local files itself: a
    /// stream of a file on this node's disk is answered with `X-Accel-Redirect:
    /// <prefix><path>` once authorized, and nginx sends the bytes (`sendfile`, no copy
    /// through Medley), ranges and validators included. `None`: Medley sends them.
    pub offload_prefix: Option<String>,
}

impl Default for AudioSettings {
    fn default() -> Self {
        AudioSettings {
            uploaders: Uploaders::Admins,
            upload_max_bytes: 2 * 1024 * 1024 * 1024,
            stream_url_ttl: Duration::from_secs(3600),
            cover_cache_dir: std::env::temp_dir().join("medley-covers"),
            watch_folders: Vec::new(),
            offload_prefix: None,
        }
    }
}

/// The audio side of the application: where bytes live, who signs stream URLs, the settings.
#[derive(Clone, Debug)]
pub struct Audio {
    pub storage: Storage,
    pub signer: UrlSigner,
    pub settings: AudioSettings,
    /// ffmpeg and the cache of transcodes (disabled unless configured).
    pub transcoder: Arc<Transcoder>,
    /// Local copies of objects streamed lately from a remote store (S3), when configured.
    pub hot: Option<Arc<HotCache>>,
}

impl Audio {
    pub fn new(storage: Storage, signer: UrlSigner, settings: AudioSettings) -> Audio {
        Audio {
            storage,
            signer,
            settings,
            transcoder: Arc::new(Transcoder::disabled("no transcoder configured")),
            hot: None,
        }
    }

    /// The same, transcoding with `transcoder`.
    pub fn with_transcoder(self, transcoder: Transcoder) -> Audio {
        Audio {
            transcoder: Arc::new(transcoder),
            ..self
        }
    }

    /// The same, keeping hot objects of a remote store in `hot` (ignored for a local folder:
    /// its objects are on this disk already).
    pub fn with_hot_cache(self, hot: HotCache) -> Audio {
        let hot = self.storage.is_remote().then(|| Arc::new(hot));
        Audio { hot, ..self }
    }

    /// Objects in the folder `dir`, a random signing key, default settings (tests; the binary
    /// builds its own from the configuration).
    pub fn local(dir: &std::path::Path) -> Audio {
        Audio::new(
            Storage::local(dir),
            UrlSigner::random(),
            AudioSettings::default(),
        )
    }
}
