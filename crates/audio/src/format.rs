//! The formats Medley plays in their original bytes, as recognised from a file's content (never
//! from its name), with the media type a player is told.

use serde::{Deserialize, Serialize};

/// A container format of audio.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Flac,
    Mp3,
    /// Ogg Vorbis.
    Vorbis,
    /// Ogg Opus.
    Opus,
    /// Ogg Speex.
    Speex,
    /// MPEG-4 audio (`.m4a`: AAC or ALAC).
    Mp4,
    /// Raw AAC in ADTS frames.
    Aac,
    Wav,
    Aiff,
    Ape,
    WavPack,
    Musepack,
}

impl Format {
    pub const ALL: [Format; 12] = [
        Format::Flac,
        Format::Mp3,
        Format::Vorbis,
        Format::Opus,
        Format::Speex,
        Format::Mp4,
        Format::Aac,
        Format::Wav,
        Format::Aiff,
        Format::Ape,
        Format::WavPack,
        Format::Musepack,
    ];

    /// The stored name (and the one shown in the API).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Flac => "flac",
            Format::Mp3 => "mp3",
            Format::Vorbis => "vorbis",
            Format::Opus => "opus",
            Format::Speex => "speex",
            Format::Mp4 => "mp4",
            Format::Aac => "aac",
            Format::Wav => "wav",
            Format::Aiff => "aiff",
            Format::Ape => "ape",
            Format::WavPack => "wavpack",
            Format::Musepack => "musepack",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The `Content-Type` of the original bytes.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Flac => "audio/flac",
            Format::Mp3 => "audio/mpeg",
            Format::Vorbis | Format::Speex => "audio/ogg",
            Format::Opus => "audio/ogg; codecs=opus",
            Format::Mp4 => "audio/mp4",
            Format::Aac => "audio/aac",
            Format::Wav => "audio/wav",
            Format::Aiff => "audio/aiff",
            Format::Ape => "audio/x-ape",
            Format::WavPack => "audio/x-wavpack",
            Format::Musepack => "audio/x-musepack",
        }
    }

    /// The usual file extension, for object keys and downloads.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Flac => "flac",
            Format::Mp3 => "mp3",
            Format::Vorbis | Format::Speex => "ogg",
            Format::Opus => "opus",
            Format::Mp4 => "m4a",
            Format::Aac => "aac",
            Format::Wav => "wav",
            Format::Aiff => "aiff",
            Format::Ape => "ape",
            Format::WavPack => "wv",
            Format::Musepack => "mpc",
        }
    }

    pub(crate) fn from_lofty(t: lofty::file::FileType) -> Option<Format> {
        use lofty::file::FileType as T;
        Some(match t {
            T::Flac => Format::Flac,
            T::Mpeg => Format::Mp3,
            T::Vorbis => Format::Vorbis,
            T::Opus => Format::Opus,
            T::Speex => Format::Speex,
            T::Mp4 => Format::Mp4,
            T::Aac => Format::Aac,
            T::Wav => Format::Wav,
            T::Aiff => Format::Aiff,
            T::Ape => Format::Ape,
            T::WavPack => Format::WavPack,
            T::Mpc => Format::Musepack,
            _ => return None,
        })
    }
}

/// Extensions of the files a scan reads; anything else in a folder (covers, playlists, cue
/// sheets) is passed over.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "flac", "mp3", "ogg", "oga", "opus", "spx", "m4a", "m4b", "mp4", "aac", "wav", "aif", "aiff",
    "aifc", "ape", "wv", "mpc",
];

/// Whether a file name has one of [`AUDIO_EXTENSIONS`] (case-insensitive).
pub fn has_audio_extension(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, ext)| {
        AUDIO_EXTENSIONS
            .iter()
            .any(|known| known.eq_ignore_ascii_case(ext))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_types_are_audio() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.as_str()), Some(f));
            assert!(f.mime().starts_with("audio/"), "{f:?}");
        }
    }

    #[test]
    fn audio_extensions_are_recognised_in_any_case() {
        assert!(has_audio_extension("01 Intro.FLAC"));
        assert!(has_audio_extension("a.b.mp3"));
        assert!(!has_audio_extension("cover.jpg"));
        assert!(!has_audio_extension("flac"));
    }
}
