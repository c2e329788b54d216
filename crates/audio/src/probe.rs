//! What one audio file holds: its format (from its content), properties (duration, bitrate,
//! sample rate, channels, codec), tags, size, modification time and content hash. Blocking:
//! callers run it on a blocking thread.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use lofty::config::ParseOptions;
use lofty::file::{AudioFile, FileType, TaggedFile, TaggedFileExt};
use lofty::probe::Probe;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::format::Format;
use crate::tags::{self, AudioTags};

/// Properties of the audio stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioProperties {
    /// `flac`, `mp3`, `vorbis`, `opus`, `aac`, `alac`, `pcm`…
    pub codec: String,
    pub duration_ms: u64,
    pub bitrate_kbps: Option<u32>,
    pub sample_rate_hz: Option<u32>,
    pub channels: Option<u8>,
    pub bit_depth: Option<u8>,
}

/// Everything Medley reads from one file.
#[derive(Clone, Debug, PartialEq)]
pub struct Probed {
    pub format: Format,
    pub properties: AudioProperties,
    pub tags: AudioTags,
    pub size: u64,
    pub mtime_ms: i64,
    /// SHA-256 of the bytes, lower-case hex.
    pub content_hash: String,
    /// The format the file's extension claims, when its content is another.
    pub mislabelled_as: Option<String>,
}

/// Why a file cannot be used; the text is shown to users (scan reports, upload errors).
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("the file is empty")]
    Empty,
    #[error("not an audio format Medley reads (FLAC, MP3, Ogg Vorbis or Opus, M4A, AAC, WAV, AIFF, APE, WavPack, Musepack)")]
    Unknown,
    #[error("the file looks like {format} but cannot be read: {reason}")]
    Corrupt {
        format: &'static str,
        reason: String,
    },
    #[error("the file looks like {0} but holds no playable audio (no duration: truncated?)")]
    NoAudio(&'static str),
    #[error("the file cannot be read: {0}")]
    Io(#[from] std::io::Error),
}

impl ProbeError {
    /// Whether the file is of no known format (as opposed to a known one, damaged).
    pub fn is_unknown_format(&self) -> bool {
        matches!(self, ProbeError::Unknown)
    }
}

/// Modification time of a file in Unix milliseconds (0 when the platform has none).
pub fn mtime_ms(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as i64)
}

/// SHA-256 of a file's bytes, lower-case hex.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        match file.read(&mut buf)? {
            0 => break,
            n => hasher.update(&buf[..n]),
        }
    }
    Ok(hex(&hasher.finalize()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the file at `path`: format, properties, tags, hash.
pub fn probe(path: &Path) -> Result<Probed, ProbeError> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if meta.len() == 0 {
        return Err(ProbeError::Empty);
    }
    let options = ParseOptions::new();
    let mut reader = BufReader::new(file);
    let file_type = Probe::new(&mut reader)
        .options(options)
        .guess_file_type()?
        .file_type();
    let format = file_type
        .and_then(Format::from_lofty)
        .ok_or(ProbeError::Unknown)?;
    let file_type = file_type.expect("a known format has a type");
    reader.seek(SeekFrom::Start(0))?;
    let corrupt = |e: lofty::error::FileParseError| ProbeError::Corrupt {
        format: format.as_str(),
        reason: e.to_string(),
    };
    let (tagged, codec): (TaggedFile, String) = if file_type == FileType::Mp4 {
        // The container's codec (AAC or ALAC) is only in MP4's own properties.
        let mp4 = lofty::mp4::Mp4File::read_from(&mut reader, options).map_err(corrupt)?;
        let codec = match mp4.properties().codec() {
            Some(lofty::mp4::Mp4Codec::ALAC) => "alac",
            Some(lofty::mp4::Mp4Codec::MP3) => "mp3",
            Some(lofty::mp4::Mp4Codec::FLAC) => "flac",
            _ => "aac",
        };
        (mp4.into(), codec.to_owned())
    } else {
        let tagged = Probe::with_file_type(&mut reader, file_type)
            .options(options)
            .read()
            .map_err(corrupt)?;
        (tagged, codec_of(format).to_owned())
    };
    let props = tagged.properties();
    let duration_ms = props.duration().as_millis() as u64;
    if duration_ms == 0 {
        return Err(ProbeError::NoAudio(format.as_str()));
    }
    let properties = AudioProperties {
        codec,
        duration_ms,
        bitrate_kbps: props
            .audio_bitrate()
            .or(props.overall_bitrate())
            .filter(|b| *b > 0),
        sample_rate_hz: props.sample_rate().filter(|r| *r > 0),
        channels: props.channels().filter(|c| *c > 0),
        bit_depth: props.bit_depth().filter(|d| *d > 0),
    };
    let mut all: Vec<&lofty::tag::Tag> = tagged.primary_tag().into_iter().collect();
    all.extend(
        tagged
            .tags()
            .iter()
            .filter(|t| Some(t.tag_type()) != tagged.primary_tag().map(|p| p.tag_type())),
    );
    let tags = tags::read(&all);
    let claimed = FileType::from_path(path).and_then(Format::from_lofty);
    Ok(Probed {
        format,
        properties,
        tags,
        size: meta.len(),
        mtime_ms: mtime_ms(&meta),
        content_hash: hash_file(path)?,
        mislabelled_as: claimed
            .filter(|c| !same_family(*c, format))
            .map(|c| c.as_str().to_owned()),
    })
}

/// Ogg files are named `.ogg` whatever their codec: no mislabelling among them.
fn same_family(a: Format, b: Format) -> bool {
    let ogg = |f| matches!(f, Format::Vorbis | Format::Opus | Format::Speex);
    a == b || (ogg(a) && ogg(b))
}

fn codec_of(format: Format) -> &'static str {
    match format {
        Format::Flac => "flac",
        Format::Mp3 => "mp3",
        Format::Vorbis => "vorbis",
        Format::Opus => "opus",
        Format::Speex => "speex",
        Format::Mp4 | Format::Aac => "aac",
        Format::Wav | Format::Aiff => "pcm",
        Format::Ape => "ape",
        Format::WavPack => "wavpack",
        Format::Musepack => "musepack",
    }
}
