//! The audio settings, layered like the rest (defaults < file < environment < flags):
//!
//! | flag | environment | file key | default |
//! |---|---|---|---|
//! | `--storage-url` | `MEDLEY_STORAGE_URL` | `storage_url` | `<data-dir>/audio` (a folder; or `s3://BUCKET/PREFIX`) |
//! | `--storage-endpoint` | `MEDLEY_STORAGE_ENDPOINT` | `storage_endpoint` | AWS (set it for other S3-compatible stores) |
//! | `--storage-region` | `MEDLEY_STORAGE_REGION` | `storage_region` | `us-east-1` |
//! | `--storage-access-key-id` | `MEDLEY_STORAGE_ACCESS_KEY_ID` | `storage_access_key_id` | none (then `AWS_ACCESS_KEY_ID`, an instance role…) |
//! | | `MEDLEY_STORAGE_SECRET_ACCESS_KEY` | `storage_secret_access_key` | none (never a flag: flags show in `ps`) |
//! | `--uploaders` | `MEDLEY_UPLOADERS` | `uploaders` | `admins` (or `everyone`, or usernames `ana,bob`) |
//! | `--upload-max-bytes` | `MEDLEY_UPLOAD_MAX_BYTES` | `upload_max_bytes` | 2147483648 (uploads to `POST /v1/library/files`) |
//! | `--stream-url-ttl-secs` | `MEDLEY_STREAM_URL_TTL_SECS` | `stream_url_ttl_secs` | 3600 (signed stream URLs) |
//! | `--stream-offload` | `MEDLEY_STREAM_OFFLOAD` | `stream_offload` | none; an nginx `internal` location (`/internal/files/`) that sends local audio files once Medley authorized the stream (`X-Accel-Redirect`, docs/OPERATIONS.md) |
//! | `--library-folder` (repeated) | `MEDLEY_LIBRARY_FOLDERS` (comma-separated) | `library_folders` (array) | none (folders `serve` scans at start, then watches) |
//!
//! The secret access key is held in a [`Secret`], which prints as `<redacted>`.

use std::path::Path;

use std::time::Duration;

use anyhow::bail;
use clap::Args;
use medley_app::library::{AudioSettings, Uploaders};
use medley_audio::{Secret, StorageConfig};

/// Flags and variables of the audio storage (shared by every command).
#[derive(Args, Debug, Clone, Default)]
pub struct StorageFlags {
    /// Where audio objects are kept: a folder, or s3://BUCKET/PREFIX.
    #[arg(long, env = "MEDLEY_STORAGE_URL", global = true)]
    pub storage_url: Option<String>,
    /// The S3 endpoint of a store other than AWS, e.g. http://127.0.0.1:8333.
    #[arg(long, env = "MEDLEY_STORAGE_ENDPOINT", global = true)]
    pub storage_endpoint: Option<String>,
    #[arg(long, env = "MEDLEY_STORAGE_REGION", global = true)]
    pub storage_region: Option<String>,
    #[arg(long, env = "MEDLEY_STORAGE_ACCESS_KEY_ID", global = true)]
    pub storage_access_key_id: Option<String>,
}

/// Flags and variables of uploads and streams (`serve`).
#[derive(Args, Debug, Clone, Default)]
pub struct LibraryFlags {
    /// Who may upload audio: `admins`, `everyone`, or usernames (`ana,bob`) besides admins.
    #[arg(long, env = "MEDLEY_UPLOADERS")]
    pub uploaders: Option<String>,
    /// Largest upload accepted by `POST /v1/library/files`.
    #[arg(long, env = "MEDLEY_UPLOAD_MAX_BYTES")]
    pub upload_max_bytes: Option<u64>,
    /// How long a signed stream URL is valid, in seconds.
    #[arg(long, env = "MEDLEY_STREAM_URL_TTL_SECS")]
    pub stream_url_ttl_secs: Option<u64>,
    /// The internal location of the nginx in front that sends local audio files itself
    /// (`X-Accel-Redirect`), e.g. /internal/files/.
    #[arg(long, env = "MEDLEY_STREAM_OFFLOAD")]
    pub stream_offload: Option<String>,
    /// A folder of music `serve` scans at start and then watches (changes are picked up
    /// within seconds). Repeat it for several folders.
    #[arg(
        long = "library-folder",
        env = "MEDLEY_LIBRARY_FOLDERS",
        value_delimiter = ','
    )]
    pub library_folders: Vec<String>,
}

/// The same settings as read from the config file.
#[derive(Debug, Default)]
pub struct LibraryFile {
    pub uploaders: Option<String>,
    pub upload_max_bytes: Option<u64>,
    pub stream_url_ttl_secs: Option<u64>,
    pub stream_offload: Option<String>,
    pub library_folders: Option<Vec<String>>,
}

/// Resolves the settings of uploads and streams.
pub fn library(flags: &LibraryFlags, file: LibraryFile) -> anyhow::Result<AudioSettings> {
    let defaults = AudioSettings::default();
    let uploaders = match flags
        .uploaders
        .clone()
        .or(file.uploaders)
        .as_deref()
        .map(str::trim)
    {
        None | Some("admins") => Uploaders::Admins,
        Some("everyone") => Uploaders::Everyone,
        Some(list) => {
            let names: Vec<String> = list
                .split(',')
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect();
            if names.is_empty() {
                bail!(
                    "uploaders must be `admins`, `everyone` or a list of usernames, not `{list}`"
                );
            }
            Uploaders::Users(names)
        }
    };
    let upload_max_bytes = flags
        .upload_max_bytes
        .or(file.upload_max_bytes)
        .unwrap_or(defaults.upload_max_bytes);
    if upload_max_bytes < 1024 {
        bail!("the upload limit must be at least 1024 bytes");
    }
    let ttl = flags
        .stream_url_ttl_secs
        .or(file.stream_url_ttl_secs)
        .unwrap_or(defaults.stream_url_ttl.as_secs());
    if !(10..=7 * 24 * 3600).contains(&ttl) {
        bail!("the stream URL lifetime must be between 10 seconds and 7 days, not {ttl} s");
    }
    let offload_prefix = match flags.stream_offload.clone().or(file.stream_offload) {
        None => None,
        Some(prefix) => Some(offload_prefix(prefix.trim())?),
    };
    let folders = if flags.library_folders.is_empty() {
        file.library_folders.unwrap_or_default()
    } else {
        flags.library_folders.clone()
    };
    let mut watch_folders = Vec::new();
    for folder in folders.iter().map(|f| f.trim()).filter(|f| !f.is_empty()) {
        if !Path::new(folder).is_absolute() {
            bail!("library folders are absolute paths (/srv/music), not `{folder}`");
        }
        watch_folders.push(folder.to_owned());
    }
    Ok(AudioSettings {
        uploaders,
        watch_folders,
        upload_max_bytes,
        stream_url_ttl: Duration::from_secs(ttl),
        offload_prefix,
        ..defaults
    })
}

/// The front server's internal location for files: a path (`/internal/files/`), ending in `/`
/// (added when missing), which the file's absolute path follows.
fn offload_prefix(prefix: &str) -> anyhow::Result<String> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/-_.~".contains(c);
    if !prefix.starts_with('/') || prefix.len() < 2 || !prefix.chars().all(plain) {
        bail!(
            "the stream offload must be a path on the front server such as /internal/files/ \
             (letters, digits, `/-_.~`), not `{prefix}`"
        );
    }
    Ok(if prefix.ends_with('/') {
        prefix.to_owned()
    } else {
        format!("{prefix}/")
    })
}

/// The storage settings as read from the config file.
#[derive(Debug, Default)]
pub struct StorageFile {
    pub url: Option<String>,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

/// Resolves the storage settings; the secret comes from the environment or the file only.
pub fn storage(
    flags: &StorageFlags,
    file: StorageFile,
    data_dir: &Path,
) -> anyhow::Result<StorageConfig> {
    let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let url = non_empty(flags.storage_url.clone().or(file.url))
        .unwrap_or_else(|| data_dir.join("audio").display().to_string());
    let endpoint = non_empty(flags.storage_endpoint.clone().or(file.endpoint));
    if let Some(e) = &endpoint {
        if !(e.starts_with("http://") || e.starts_with("https://")) {
            bail!("the storage endpoint must be an http:// or https:// URL, not `{e}`");
        }
    }
    let secret = non_empty(std::env::var("MEDLEY_STORAGE_SECRET_ACCESS_KEY").ok())
        .or(non_empty(file.secret_access_key));
    let config = StorageConfig {
        url,
        endpoint,
        region: non_empty(flags.storage_region.clone().or(file.region)),
        access_key_id: non_empty(flags.storage_access_key_id.clone().or(file.access_key_id)),
        secret_access_key: secret.map(Secret::new),
    };
    // Opening checks the URL's shape without reaching the store.
    medley_audio::Storage::open(&config)?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_lives_in_the_data_folder_by_default() {
        let c = storage(
            &StorageFlags::default(),
            StorageFile::default(),
            Path::new("/srv/m"),
        )
        .unwrap();
        assert_eq!(c.url, "/srv/m/audio");
        assert_eq!(c.endpoint, None);
    }

    #[test]
    fn flags_win_over_the_file_and_the_secret_never_shows() {
        let flags = StorageFlags {
            storage_url: Some("s3://music/medley".into()),
            ..Default::default()
        };
        let file = StorageFile {
            url: Some("/ignored".into()),
            endpoint: Some("http://127.0.0.1:8333".into()),
            access_key_id: Some("AKID".into()),
            secret_access_key: Some("hunter2".into()),
            ..Default::default()
        };
        let c = storage(&flags, file, Path::new("/srv/m")).unwrap();
        assert_eq!(c.url, "s3://music/medley");
        assert_eq!(c.endpoint.as_deref(), Some("http://127.0.0.1:8333"));
        assert_eq!(
            c.secret_access_key.as_ref().map(Secret::expose),
            Some("hunter2")
        );
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn upload_and_stream_settings_resolve_or_say_what_is_wrong() {
        let d = library(&LibraryFlags::default(), LibraryFile::default()).unwrap();
        assert_eq!(d.uploaders, Uploaders::Admins);
        assert_eq!(d.stream_url_ttl, Duration::from_secs(3600));
        let flags = LibraryFlags {
            uploaders: Some("ana, bob".into()),
            ..Default::default()
        };
        let file = LibraryFile {
            uploaders: Some("everyone".into()),
            upload_max_bytes: Some(5_000_000),
            stream_url_ttl_secs: Some(60),
            stream_offload: Some("/internal/files".into()),
            library_folders: Some(vec!["/srv/music".into()]),
        };
        let s = library(&flags, file).unwrap();
        assert_eq!(
            s.uploaders,
            Uploaders::Users(vec!["ana".into(), "bob".into()])
        );
        assert_eq!(
            (s.upload_max_bytes, s.stream_url_ttl.as_secs()),
            (5_000_000, 60)
        );
        assert_eq!(s.watch_folders, ["/srv/music"]);
        assert_eq!(s.offload_prefix.as_deref(), Some("/internal/files/"));
        for bad in ["internal", "/", "/files?x=1", "http://nginx/files/"] {
            let flags = LibraryFlags {
                stream_offload: Some(bad.into()),
                ..Default::default()
            };
            let e = library(&flags, LibraryFile::default()).unwrap_err();
            assert!(e.to_string().contains("stream offload"), "{bad}: {e}");
        }
        let relative = LibraryFlags {
            library_folders: vec!["music".into()],
            ..Default::default()
        };
        let e = library(&relative, LibraryFile::default()).unwrap_err();
        assert!(e.to_string().contains("absolute"), "{e}");
        let bad = LibraryFlags {
            stream_url_ttl_secs: Some(1),
            ..Default::default()
        };
        let e = library(&bad, LibraryFile::default()).unwrap_err();
        assert!(e.to_string().contains("stream URL"), "{e}");
        let bad = LibraryFlags {
            uploaders: Some(" , ".into()),
            ..Default::default()
        };
        assert!(library(&bad, LibraryFile::default())
            .unwrap_err()
            .to_string()
            .contains("uploaders"));
    }

    #[test]
    fn bad_storage_settings_are_refused_with_the_setting_named() {
        let bad_url = StorageFlags {
            storage_url: Some("ftp://x/y".into()),
            ..Default::default()
        };
        let e = storage(&bad_url, StorageFile::default(), Path::new("/d")).unwrap_err();
        assert!(e.to_string().contains("ftp://x/y"), "{e}");
        let bad_endpoint = StorageFlags {
            storage_endpoint: Some("127.0.0.1:8333".into()),
            ..Default::default()
        };
        let e = storage(&bad_endpoint, StorageFile::default(), Path::new("/d")).unwrap_err();
        assert!(e.to_string().contains("endpoint"), "{e}");
    }
}
