//! Audio made at test time: WAV files written here byte by byte (a sine tone and a RIFF INFO
//! tag), and the other formats encoded from them by ffmpeg when it is installed.
//!
//! Tests that need ffmpeg ask [`ffmpeg`]: without it they skip, unless `MEDLEY_REQUIRE_FFMPEG`
//! is set (CI sets it), in which case they fail rather than pass without testing anything.
//! The S3 settings of tests are read here too ([`s3_settings`]), and [`nginx`] runs the
//! front server some of them put beside or before Medley.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::settings::{Secret, StorageConfig};

pub mod nginx;

/// The variable that turns a missing ffmpeg into a failure.
pub const REQUIRE_FFMPEG_ENV: &str = "MEDLEY_REQUIRE_FFMPEG";

/// Tags written into a generated file.
#[derive(Clone, Debug, Default)]
pub struct Written {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub track: Option<u32>,
    pub disc: Option<u32>,
    pub date: Option<String>,
    pub genre: Option<String>,
    pub isrc: Option<String>,
    pub track_gain: Option<String>,
    /// Written where ffmpeg can (not MP3, whose recording id lives in a UFID frame).
    pub musicbrainz_recording_id: Option<String>,
    pub musicbrainz_album_id: Option<String>,
}

impl Written {
    /// A fully tagged track.
    pub fn song(title: &str, artist: &str, album: &str) -> Written {
        Written {
            title: Some(title.into()),
            artist: Some(artist.into()),
            album: Some(album.into()),
            ..Default::default()
        }
    }
}

/// A 16-bit PCM WAV file: `duration_ms` of a sine at `freq_hz` (44.1 kHz, mono), with the
/// title, artist, album, date, genre and track number as a RIFF INFO list.
pub fn wav(duration_ms: u32, freq_hz: f64, tags: &Written) -> Vec<u8> {
    let rate = 44_100u32;
    let samples = (rate as u64 * duration_ms as u64 / 1000) as usize;
    let mut data = Vec::with_capacity(samples * 2);
    for i in 0..samples {
        let t = i as f64 / rate as f64;
        let v = (t * freq_hz * std::f64::consts::TAU).sin() * 0.4 * i16::MAX as f64;
        data.extend_from_slice(&(v as i16).to_le_bytes());
    }
    let mut info = b"INFO".to_vec();
    let track = tags.track.map(|n| n.to_string());
    for (id, value) in [
        (b"INAM", &tags.title),
        (b"IART", &tags.artist),
        (b"IPRD", &tags.album),
        (b"ICRD", &tags.date),
        (b"IGNR", &tags.genre),
        (b"ITRK", &track),
    ] {
        if let Some(value) = value {
            let mut text = value.as_bytes().to_vec();
            text.push(0);
            info.extend_from_slice(id);
            info.extend_from_slice(&(text.len() as u32).to_le_bytes());
            if text.len() % 2 == 1 {
                text.push(0);
            }
            info.extend_from_slice(&text);
        }
    }
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&1u16.to_le_bytes()); // PCM
    fmt.extend_from_slice(&1u16.to_le_bytes()); // mono
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&(rate * 2).to_le_bytes()); // bytes a second
    fmt.extend_from_slice(&2u16.to_le_bytes()); // block align
    fmt.extend_from_slice(&16u16.to_le_bytes()); // bits a sample
    let mut body = b"WAVE".to_vec();
    for (id, chunk) in [(b"fmt ", &fmt), (b"data", &data), (b"LIST", &info)] {
        if id == b"LIST" && info.len() == 4 {
            continue;
        }
        body.extend_from_slice(id);
        body.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        body.extend_from_slice(chunk);
        if chunk.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// The formats ffmpeg makes for tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Flac,
    Mp3,
    Vorbis,
    Opus,
    M4a,
}

impl Encoding {
    pub const ALL: [Encoding; 5] = [
        Encoding::Flac,
        Encoding::Mp3,
        Encoding::Vorbis,
        Encoding::Opus,
        Encoding::M4a,
    ];

    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Flac => "flac",
            Encoding::Mp3 => "mp3",
            Encoding::Vorbis => "ogg",
            Encoding::Opus => "opus",
            Encoding::M4a => "m4a",
        }
    }

    fn args(self) -> &'static [&'static str] {
        match self {
            Encoding::Flac => &["-c:a", "flac"],
            Encoding::Mp3 => &["-c:a", "libmp3lame", "-b:a", "128k", "-id3v2_version", "4"],
            Encoding::Vorbis => &["-c:a", "libvorbis", "-q:a", "2"],
            Encoding::Opus => &["-c:a", "libopus", "-b:a", "64k"],
            Encoding::M4a => &["-c:a", "aac", "-b:a", "128k"],
        }
    }

    /// ffmpeg's metadata keys for this format (its MP3 writer takes ID3 frame names as they
    /// are; MP4 has no place for an ISRC or ReplayGain that ffmpeg writes).
    fn metadata(self, tags: &Written) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut put = |key: &str, value: &Option<String>| {
            if let Some(v) = value {
                out.push((key.to_owned(), v.clone()));
            }
        };
        put("title", &tags.title);
        put("artist", &tags.artist);
        put("album", &tags.album);
        put("album_artist", &tags.album_artist);
        put("date", &tags.date);
        put("genre", &tags.genre);
        put("track", &tags.track.map(|n| n.to_string()));
        put("disc", &tags.disc.map(|n| n.to_string()));
        match self {
            Encoding::Mp3 => {
                put("TSRC", &tags.isrc);
                put("REPLAYGAIN_TRACK_GAIN", &tags.track_gain);
                put("MusicBrainz Album Id", &tags.musicbrainz_album_id);
            }
            Encoding::M4a => {}
            _ => {
                put("ISRC", &tags.isrc);
                put("REPLAYGAIN_TRACK_GAIN", &tags.track_gain);
                put("MUSICBRAINZ_TRACKID", &tags.musicbrainz_recording_id);
                put("MUSICBRAINZ_ALBUMID", &tags.musicbrainz_album_id);
            }
        }
        out
    }

    /// Whether ffmpeg writes an ISRC and ReplayGain into this format.
    pub fn carries_isrc(self) -> bool {
        self != Encoding::M4a
    }
}

/// ffmpeg and ffprobe, when installed.
pub struct Ffmpeg;

/// ffmpeg if it is installed; `None` (the test skips) if not, or a panic when
/// `MEDLEY_REQUIRE_FFMPEG` is set.
pub fn ffmpeg() -> Option<Ffmpeg> {
    let works = |tool: &str| {
        Command::new(tool)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works("ffmpeg") && works("ffprobe") {
        return Some(Ffmpeg);
    }
    if std::env::var_os(REQUIRE_FFMPEG_ENV).is_some_and(|v| !v.is_empty()) {
        panic!("{REQUIRE_FFMPEG_ENV} is set but ffmpeg or ffprobe is not installed");
    }
    eprintln!("skipped: ffmpeg is not installed (set {REQUIRE_FFMPEG_ENV}=1 to make this fail)");
    None
}

impl Ffmpeg {
    /// Encodes `duration_ms` of a sine at `freq_hz` as `encoding` with `tags`, into `dir`;
    /// returns the file's path.
    pub fn make(
        &self,
        dir: &Path,
        name: &str,
        encoding: Encoding,
        duration_ms: u32,
        freq_hz: f64,
        tags: &Written,
    ) -> PathBuf {
        let source = dir.join(format!(".{name}.source.wav"));
        std::fs::write(&source, wav(duration_ms, freq_hz, &Written::default())).unwrap();
        let out = dir.join(format!("{name}.{}", encoding.extension()));
        let mut cmd = Command::new("ffmpeg");
        cmd.args(["-hide_banner", "-loglevel", "error", "-y", "-i"])
            .arg(&source)
            .args(encoding.args());
        for (key, value) in encoding.metadata(tags) {
            cmd.arg("-metadata").arg(format!("{key}={value}"));
        }
        run(cmd.arg(&out));
        std::fs::remove_file(&source).unwrap();
        out
    }

    /// A copy of `audio` (MP3 or FLAC) with a 16x16 PNG embedded as its front cover.
    pub fn with_cover(&self, audio: &Path) -> PathBuf {
        self.with_picture(audio, 16, 16)
    }

    /// A picture of `width`×`height` pixels (a test pattern) written at `path`, in the format
    /// its extension names (`.jpg`, `.png`).
    pub fn picture(&self, path: &Path, width: u32, height: u32) {
        run(Command::new("ffmpeg")
            .args([
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
            ])
            .arg(format!("testsrc=s={width}x{height}"))
            .args(["-frames:v", "1"])
            .arg(path));
    }

    /// A copy of `audio` (MP3 or FLAC) with a `width`×`height` PNG embedded as its front
    /// cover.
    pub fn with_picture(&self, audio: &Path, width: u32, height: u32) -> PathBuf {
        let dir = audio.parent().expect("a file in a folder");
        let cover = dir.join(".cover.png");
        self.picture(&cover, width, height);
        let out = dir.join(format!(
            "covered-{}",
            audio.file_name().unwrap().to_string_lossy()
        ));
        run(Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-y", "-i"])
            .arg(audio)
            .arg("-i")
            .arg(&cover)
            .args([
                "-map",
                "0:a",
                "-map",
                "1",
                "-c",
                "copy",
                "-disposition:v",
                "attached_pic",
            ])
            .args(["-metadata:s:v", "comment=Cover (front)"])
            .arg(&out));
        std::fs::remove_file(cover).unwrap();
        out
    }

    /// What ffprobe, a reader independent of Medley's, says of a file: `format.tags` (keys in
    /// lower case), `format.duration` in ms and the first stream's codec.
    pub fn probe(&self, path: &Path) -> FfprobeView {
        let done = Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
            ])
            .arg(path)
            .output()
            .expect("ffprobe runs");
        assert!(
            done.status.success(),
            "ffprobe failed on {}",
            path.display()
        );
        let v: serde_json::Value = serde_json::from_slice(&done.stdout).expect("ffprobe JSON");
        let mut tags = std::collections::BTreeMap::new();
        for source in [&v["format"]["tags"], &v["streams"][0]["tags"]] {
            if let Some(map) = source.as_object() {
                for (k, val) in map {
                    if let Some(s) = val.as_str() {
                        tags.entry(k.to_lowercase()).or_insert_with(|| s.to_owned());
                    }
                }
            }
        }
        let seconds: f64 = v["format"]["duration"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.0);
        let number = |v: &serde_json::Value| v.as_str().and_then(|s| s.parse::<u64>().ok());
        FfprobeView {
            tags,
            duration_ms: (seconds * 1000.0).round() as u64,
            bit_rate: number(&v["streams"][0]["bit_rate"]).or(number(&v["format"]["bit_rate"])),
            sample_rate: number(&v["streams"][0]["sample_rate"]),
            container: v["format"]["format_name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            codec: v["streams"][0]["codec_name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

fn run(cmd: &mut Command) {
    let done = cmd.output().expect("ffmpeg runs");
    assert!(
        done.status.success(),
        "ffmpeg failed: {}",
        String::from_utf8_lossy(&done.stderr)
    );
}

/// ffprobe's reading of a file.
#[derive(Debug)]
pub struct FfprobeView {
    pub tags: std::collections::BTreeMap<String, String>,
    pub duration_ms: u64,
    pub codec: String,
    /// The stream's bit rate (bits a second), else the whole file's.
    pub bit_rate: Option<u64>,
    pub sample_rate: Option<u64>,
    /// ffprobe's `format_name` (`ogg`, `mp3`, `aac`…).
    pub container: String,
}

/// The variable naming the S3 endpoint of the storage tests (`http://127.0.0.1:8333`).
pub const S3_ENDPOINT_ENV: &str = "MEDLEY_TEST_S3_ENDPOINT";

/// The S3 store for tests, when `MEDLEY_TEST_S3_ENDPOINT` is set: bucket
/// `MEDLEY_TEST_S3_BUCKET` (default `medley-test`), credentials from
/// `MEDLEY_TEST_S3_ACCESS_KEY_ID` and `MEDLEY_TEST_S3_SECRET_ACCESS_KEY`, and a fresh prefix so
/// that tests never see each other's objects. `None` (the test skips) when unset, unless
/// `MEDLEY_REQUIRE_S3` is set.
pub fn s3_settings() -> Option<StorageConfig> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let Some(endpoint) = var(S3_ENDPOINT_ENV) else {
        if var("MEDLEY_REQUIRE_S3").is_some() {
            panic!("MEDLEY_REQUIRE_S3 is set but {S3_ENDPOINT_ENV} is not");
        }
        eprintln!("skipped: {S3_ENDPOINT_ENV} is not set");
        return None;
    };
    let bucket = var("MEDLEY_TEST_S3_BUCKET").unwrap_or_else(|| "medley-test".into());
    let prefix = format!("t{}", crate::probe::hex(&rand::random::<[u8; 8]>()));
    Some(StorageConfig {
        url: format!("s3://{bucket}/{prefix}"),
        endpoint: Some(endpoint),
        region: var("MEDLEY_TEST_S3_REGION"),
        access_key_id: var("MEDLEY_TEST_S3_ACCESS_KEY_ID"),
        secret_access_key: var("MEDLEY_TEST_S3_SECRET_ACCESS_KEY").map(Secret::new),
    })
}
