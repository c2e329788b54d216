//! Transcoding through ffmpeg, when it is installed: what a transcode is ([`Target`],
//! [`Spec`]), whether this machine can do it ([`Ffmpeg::detect`]), and the [`Transcoder`]
//! (`run.rs`) that runs ffmpeg a bounded number of times at once, streams its output as it is
//! made and keeps it in a bounded disk cache.

mod follow;
mod run;

use std::path::PathBuf;
use std::process::Command;

pub use run::{Source, TranscodeError, Transcoded, Transcoder};

/// The formats Medley transcodes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// Opus in Ogg.
    Opus,
    /// MP3 (constant bit rate).
    Mp3,
    /// AAC-LC in ADTS (a stream, playable as it arrives).
    Aac,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::Opus, Target::Mp3, Target::Aac];

    /// `opus`, `mp3` or `aac` (any case).
    pub fn parse(name: &str) -> Option<Target> {
        match name.to_ascii_lowercase().as_str() {
            "opus" => Some(Target::Opus),
            "mp3" => Some(Target::Mp3),
            "aac" => Some(Target::Aac),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Target::Opus => "opus",
            Target::Mp3 => "mp3",
            Target::Aac => "aac",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Target::Opus => "audio/ogg",
            Target::Mp3 => "audio/mpeg",
            Target::Aac => "audio/aac",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Target::Opus => "opus",
            Target::Mp3 => "mp3",
            Target::Aac => "aac",
        }
    }

    /// The bit rates (kbps) accepted for this format.
    pub fn bitrates(self) -> std::ops::RangeInclusive<u32> {
        match self {
            Target::Opus => 16..=256,
            Target::Mp3 | Target::Aac => 32..=320,
        }
    }

    /// The bit rate when none is asked for.
    pub fn default_bitrate(self) -> u32 {
        match self {
            Target::Opus => 128,
            Target::Mp3 | Target::Aac => 192,
        }
    }

    /// The ffmpeg encoder.
    fn encoder(self) -> &'static str {
        match self {
            Target::Opus => "libopus",
            Target::Mp3 => "libmp3lame",
            Target::Aac => "aac",
        }
    }

    /// The ffmpeg muxer.
    fn muxer(self) -> &'static str {
        match self {
            Target::Opus => "ogg",
            Target::Mp3 => "mp3",
            Target::Aac => "adts",
        }
    }
}

/// One transcode: a format, a bit rate and where in the track to start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Spec {
    pub target: Target,
    pub bitrate_kbps: u32,
    pub offset_ms: u64,
}

impl Spec {
    /// The cache key of this transcode of the source whose strong validator is `etag`; also
    /// what the transcode's own ETag is made from (outputs are bit-exact, so equal keys mean
    /// equal bytes).
    pub fn key(&self, etag: &str) -> String {
        crate::disk_cache::DiskCache::file_name(&format!(
            "{etag}-{}k-{}ms.{}",
            self.bitrate_kbps,
            self.offset_ms,
            self.target.extension()
        ))
    }

    /// ffmpeg's arguments reading `input` (a path, or `pipe:0`) and writing to stdout.
    fn args(&self, input: &std::ffi::OsStr, seekable: bool) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = ["-hide_banner", "-nostdin", "-loglevel", "error"]
            .iter()
            .map(Into::into)
            .collect();
        let offset = format!("{}.{:03}", self.offset_ms / 1000, self.offset_ms % 1000);
        // A file seeks before decoding; a pipe cannot, so ffmpeg decodes up to the offset.
        if seekable && self.offset_ms > 0 {
            args.extend(["-ss".into(), offset.clone().into()]);
        }
        args.extend(["-i".into(), input.to_owned()]);
        if !seekable && self.offset_ms > 0 {
            args.extend(["-ss".into(), offset.into()]);
        }
        let bitrate = format!("{}k", self.bitrate_kbps);
        for a in [
            "-map",
            "0:a:0",
            "-vn",
            "-sn",
            "-dn",
            "-map_metadata",
            "-1",
            "-c:a",
            self.target.encoder(),
            "-b:a",
            &bitrate,
            // Bit-exact output: the same request gives the same bytes, so an ETag holds.
            "-fflags",
            "+bitexact",
            "-flags:a",
            "+bitexact",
            "-flush_packets",
            "1",
            "-f",
            self.target.muxer(),
            "pipe:1",
        ] {
            args.push(a.into());
        }
        args
    }
}

/// The ffmpeg found at start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ffmpeg {
    pub path: PathBuf,
    /// `6.1.1-3ubuntu5`, say.
    pub version: String,
    /// The targets whose encoder this build has.
    pub targets: Vec<Target>,
}

impl Ffmpeg {
    /// Runs `path -version` and `path -encoders`: `Err` says why transcoding is unavailable.
    pub fn detect(path: &std::path::Path) -> Result<Ffmpeg, String> {
        let run = |arg: &str| {
            Command::new(path)
                .args(["-hide_banner", arg])
                .output()
                .map_err(|e| format!("ffmpeg not found at `{}` ({e})", path.display()))
                .and_then(|o| {
                    if o.status.success() {
                        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
                    } else {
                        Err(format!("`{} {arg}` failed", path.display()))
                    }
                })
        };
        let version = run("-version")?;
        let version = version
            .split_whitespace()
            .skip_while(|w| *w != "version")
            .nth(1)
            .unwrap_or("unknown")
            .to_owned();
        let encoders = run("-encoders")?;
        let targets: Vec<Target> = Target::ALL
            .into_iter()
            .filter(|t| {
                encoders
                    .lines()
                    .any(|l| l.split_whitespace().nth(1) == Some(t.encoder()))
            })
            .collect();
        if targets.is_empty() {
            return Err(format!(
                "ffmpeg at `{}` has none of the encoders libopus, libmp3lame and aac",
                path.display()
            ));
        }
        Ok(Ffmpeg {
            path: path.to_owned(),
            version,
            targets,
        })
    }
}

/// The settings of transcoding (`MEDLEY_FFMPEG`, `MEDLEY_TRANSCODE_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscodeSettings {
    /// The ffmpeg program (a name looked up in `PATH`, or a path); `None`: transcoding is off.
    pub ffmpeg: Option<PathBuf>,
    /// The cache folder (`<data-dir>/transcodes`).
    pub cache_dir: PathBuf,
    /// The most the cache holds, in bytes.
    pub cache_max_bytes: u64,
    /// The most ffmpeg processes running at once.
    pub max_jobs: usize,
}

impl TranscodeSettings {
    /// The defaults for a data folder: ffmpeg from `PATH`, a 2 GiB cache, one job per core.
    pub fn in_data_dir(data_dir: &std::path::Path) -> TranscodeSettings {
        TranscodeSettings {
            ffmpeg: Some(PathBuf::from("ffmpeg")),
            cache_dir: data_dir.join("transcodes"),
            cache_max_bytes: 2 * 1024 * 1024 * 1024,
            max_jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_every_parameter_and_are_safe_file_names() {
        let spec = Spec {
            target: Target::Opus,
            bitrate_kbps: 96,
            offset_ms: 1500,
        };
        assert_eq!(spec.key("abc123"), "abc123-96k-1500ms.opus");
        assert_eq!(spec.key("a/b"), "a_b-96k-1500ms.opus");
        assert_eq!(Target::parse("MP3"), Some(Target::Mp3));
        assert_eq!(Target::parse("flac"), None);
    }

    #[test]
    fn a_file_seeks_before_decoding_and_a_pipe_after() {
        let spec = Spec {
            target: Target::Mp3,
            bitrate_kbps: 128,
            offset_ms: 61_005,
        };
        let text = |seekable| {
            spec.args("in".as_ref(), seekable)
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert!(text(true).contains("-ss 61.005 -i in"), "{}", text(true));
        assert!(text(false).contains("-i in -ss 61.005"), "{}", text(false));
        assert!(text(true).contains("-c:a libmp3lame -b:a 128k"));
        assert!(text(true).ends_with("-f mp3 pipe:1"));
    }
}
