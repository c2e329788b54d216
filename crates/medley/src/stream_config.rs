//! The settings of transcoding and of the stream caches, layered like the rest (defaults <
//! file < environment < flags):
//!
//! | flag | environment | file key | default |
//! |---|---|---|---|
//! | `--ffmpeg` | `MEDLEY_FFMPEG` | `ffmpeg` | `ffmpeg` (found in `PATH`); a path, or `off` for originals only |
//! | `--transcode-cache-bytes` | `MEDLEY_TRANSCODE_CACHE_BYTES` | `transcode_cache_bytes` | 2147483648 (`<data-dir>/transcodes`, least recently used evicted) |
//! | `--transcode-jobs` | `MEDLEY_TRANSCODE_JOBS` | `transcode_jobs` | the number of cores (ffmpeg processes at once; more get 503) |
//! | `--hot-cache-bytes` | `MEDLEY_HOT_CACHE_BYTES` | `hot_cache_bytes` | 1073741824 (copies of S3 objects streamed lately, in `<data-dir>/hot`; 0: none) |

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Args;
use medley_audio::TranscodeSettings;

/// Flags and variables of transcoding and stream caches (`serve`).
#[derive(Args, Debug, Clone, Default)]
pub struct StreamFlags {
    /// The ffmpeg program for transcodes: a name in PATH, a path, or `off`.
    #[arg(long, env = "MEDLEY_FFMPEG")]
    pub ffmpeg: Option<String>,
    /// The most the transcode cache (<data-dir>/transcodes) holds, in bytes.
    #[arg(long, env = "MEDLEY_TRANSCODE_CACHE_BYTES")]
    pub transcode_cache_bytes: Option<u64>,
    /// The most ffmpeg processes running at once.
    #[arg(long, env = "MEDLEY_TRANSCODE_JOBS")]
    pub transcode_jobs: Option<usize>,
    /// The most the hot-object cache (<data-dir>/hot, S3 storage only) holds; 0 turns it off.
    #[arg(long, env = "MEDLEY_HOT_CACHE_BYTES")]
    pub hot_cache_bytes: Option<u64>,
}

/// Everything about streams that `serve` needs beyond the storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamSettings {
    pub transcode: TranscodeSettings,
    /// The hot-object cache's folder and bound (`None`: off).
    pub hot: Option<(PathBuf, u64)>,
}

/// Resolves the settings; `file` holds the config file's values (same names).
pub fn resolve(
    flags: &StreamFlags,
    file: StreamFlags,
    data_dir: &Path,
) -> anyhow::Result<StreamSettings> {
    let mut transcode = TranscodeSettings::in_data_dir(data_dir);
    match flags
        .ffmpeg
        .clone()
        .or(file.ffmpeg)
        .as_deref()
        .map(str::trim)
    {
        None | Some("") => {}
        Some("off") => transcode.ffmpeg = None,
        Some(program) => transcode.ffmpeg = Some(PathBuf::from(program)),
    }
    if let Some(bytes) = flags.transcode_cache_bytes.or(file.transcode_cache_bytes) {
        if bytes < 1024 * 1024 {
            bail!("the transcode cache must hold at least 1048576 bytes (1 MiB), not {bytes}");
        }
        transcode.cache_max_bytes = bytes;
    }
    if let Some(jobs) = flags.transcode_jobs.or(file.transcode_jobs) {
        if !(1..=256).contains(&jobs) {
            bail!("transcode jobs must be between 1 and 256, not {jobs}");
        }
        transcode.max_jobs = jobs;
    }
    let hot_bytes = flags
        .hot_cache_bytes
        .or(file.hot_cache_bytes)
        .unwrap_or(1024 * 1024 * 1024);
    let hot = (hot_bytes > 0).then(|| (data_dir.join("hot"), hot_bytes));
    Ok(StreamSettings { transcode, hot })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_live_in_the_data_folder_and_flags_win() {
        let d = resolve(
            &StreamFlags::default(),
            StreamFlags::default(),
            Path::new("/srv/m"),
        )
        .unwrap();
        assert_eq!(d.transcode.ffmpeg, Some(PathBuf::from("ffmpeg")));
        assert_eq!(d.transcode.cache_dir, Path::new("/srv/m/transcodes"));
        assert_eq!(d.transcode.cache_max_bytes, 2 * 1024 * 1024 * 1024);
        assert_eq!(
            d.hot,
            Some((PathBuf::from("/srv/m/hot"), 1024 * 1024 * 1024))
        );
        let flags = StreamFlags {
            ffmpeg: Some("off".into()),
            transcode_jobs: Some(3),
            ..Default::default()
        };
        let file = StreamFlags {
            ffmpeg: Some("/opt/ffmpeg".into()),
            transcode_cache_bytes: Some(50_000_000),
            transcode_jobs: Some(9),
            hot_cache_bytes: Some(0),
        };
        let s = resolve(&flags, file, Path::new("/d")).unwrap();
        assert_eq!(s.transcode.ffmpeg, None, "`off`: originals only");
        assert_eq!(
            (s.transcode.cache_max_bytes, s.transcode.max_jobs),
            (50_000_000, 3)
        );
        assert_eq!(s.hot, None, "0 turns the hot cache off");
    }

    #[test]
    fn bad_settings_name_what_is_wrong() {
        let tiny = StreamFlags {
            transcode_cache_bytes: Some(10),
            ..Default::default()
        };
        let e = resolve(&tiny, StreamFlags::default(), Path::new("/d")).unwrap_err();
        assert!(e.to_string().contains("transcode cache"), "{e}");
        let none = StreamFlags {
            transcode_jobs: Some(0),
            ..Default::default()
        };
        let e = resolve(&none, StreamFlags::default(), Path::new("/d")).unwrap_err();
        assert!(e.to_string().contains("transcode jobs"), "{e}");
    }
}
