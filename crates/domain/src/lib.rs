//! Medley's domain: the types every other crate speaks, and the rules that need no I/O.
//!
//! Layout:
//! - [`id`]: 22-character base-62 ids (the shape Spotify clients expect), their generation, and
//!   one type per kind of object ([`UserId`], [`PlaylistId`], ...) so kinds are not mixed up.
//! - [`uri`]: `medley:track:<id>` / `spotify:track:<id>` style URIs and their parsing.
//! - [`catalog`]: artists, albums, tracks and the input shape for adding tracks.
//! - [`user`]: users, usernames and password rules.
//! - [`playlist`]: playlists, items, snapshots, limits.
//! - [`edit`]: playlist edit arithmetic (insert, remove, reorder) as pure functions.
//! - [`names`]: the rule for names and free text (no control characters).
//! - [`paging`]: limit/offset validation shared by every list endpoint.
//! - [`schedule`]: cron schedules in a time zone.
//! - [`text`]: enums written as text (stored, sent, read from parameters), spelled once.
//! - [`causes`]: an error and its causes on one line, for logs.
//!
//! Nothing here touches a database, the network or a clock it does not receive.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod causes;
pub mod edit;
pub mod id;
pub mod names;
pub mod paging;
pub mod playlist;
pub mod schedule;
pub mod text;
pub mod uri;
pub mod user;

pub use id::{
    new_id, AlbumId, ArtistId, AudioFileId, Id, ImportId, PlaylistId, ShowId, SyncJobId, TrackId,
    UserId,
};
pub use uri::Uri;
