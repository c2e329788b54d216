//! The use cases behind the OpenSubsonic API (`/rest`), which existing music players speak.
//! What they see is Medley's own: the catalog tracks that have audio, Medley's playlists
//! (composites included, edited through [`crate::playlists`]), liked songs as starred songs,
//! plays recorded through [`crate::plays`].
//!
//! Layout: [`auth`] (API keys, the optional Subsonic password, signing a request in),
//! [`library`] (the library as players browse it, kept in memory while it does not change),
//! [`browse`] (artists, albums, songs, lists, genres, search), [`annotate`] (stars, ratings,
//! scrobbles, now playing), [`covers`] (embedded cover art), [`playlists`] (playlists as players list and edit them).

pub mod annotate;
pub mod auth;
pub mod browse;
pub mod covers;
pub mod library;
pub mod playlists;

pub use auth::{AuthFailure, Credentials};
pub use library::{AlbumEntry, ArtistEntry, Library, Song};
