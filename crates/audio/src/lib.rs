//! Medley's audio files, below the use cases: where their bytes live and what a file holds.
//!
//! Layout:
//! - [`settings`]: the storage settings (`MEDLEY_STORAGE_*`), with the secret redacted.
//! - [`storage`]: objects in a local folder or an S3-compatible bucket (through
//!   `object_store`), files read in place from scanned folders, ranged reads.
//! - [`cover`]: the cover picture embedded in a file; [`art`]: cover pictures beside the
//!   files, their storage key, and resizing them (JPEG).
//! - [`format`]: the formats Medley plays, recognised from content, and their media types.
//! - [`probe`] and [`tags`]: what a file holds (properties, tags, content hash), through lofty.
//! - [`signing`]: short-lived signed stream URLs (HMAC-SHA256).
//! - [`hot`]: whole copies of objects streamed lately from S3, on this node's disk.
//! - [`transcode`]: ffmpeg, when installed: transcodes streamed as they are made and kept in
//!   a [`disk_cache`] (a folder bounded in size, least recently used evicted first).
//! - [`testing`]: audio generated at test time (WAV written here, other formats by ffmpeg), and
//!   the S3 settings of tests.
//!
//! Must not import: storage of rows (`medley-store`), HTTP serving, Medley's catalog. Callers
//! decide what a file becomes.
#![forbid(unsafe_code)]

pub mod art;
pub mod cover;
pub mod disk_cache;
pub mod format;
pub mod hot;
pub mod local;
pub mod probe;
pub mod settings;
pub mod signing;
pub mod storage;
pub mod tags;
pub mod testing;
pub mod transcode;

pub use cover::{embedded_cover, embedded_cover_file, CoverImage};
pub use format::Format;
pub use local::{read_range_if_unchanged, LocalRange};
pub use probe::{probe, AudioProperties, ProbeError, Probed};
pub use settings::{Secret, StorageConfig};
pub use signing::{SignatureError, UrlSigner};
pub use storage::{Location, ObjectMeta, Storage, StorageError, ONE_READ};
pub use tags::AudioTags;
pub use transcode::{Spec, Target, TranscodeSettings, Transcoder};

/// The object key of a file with content hash `hash` in `format`: content-addressed, so the
/// same bytes uploaded twice are one object, and an object never changes once written.
pub fn object_key(hash: &str, format: Format) -> String {
    format!(
        "{}/{hash}.{}",
        &hash[..2.min(hash.len())],
        format.extension()
    )
}
