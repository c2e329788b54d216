//! Medley's Spotify Web API client.
//!
//! - [`auth`]: connecting an account (authorization code with PKCE) and keeping its tokens
//!   fresh, storing every rotated refresh token.
//! - [`client`]: one connection's requests: the app's [`limits::Gate`] before each, the daily
//!   budget, renewal on 401, `Retry-After` on 429, retries with jitter for reads only.
//! - [`playlists`], [`library`]: the operations Medley needs, paged at 50 and batched at 100.
//! - [`limits`]: rate-limit and quota deadlines, the fair share of a daily budget, the meter.
//! - [`objects`]: the Web API objects, read leniently. [`uri`]: Spotify URIs.
//!
//! Why not rspotify: Medley needs the 2026 `/items` endpoints, `Retry-After` and
//! `QUOTA_EXCEEDED` turned into persisted pauses, a shared budget, every request counted, and
//! writes that are never retried blind; rspotify hides its HTTP loop and retries on its own.
//! OAuth itself is the `oauth2` crate's.
#![forbid(unsafe_code)]

pub mod auth;
pub mod client;
pub mod error;
pub mod library;
pub mod limits;
pub mod objects;
pub mod playlists;
pub mod uri;

pub use auth::{App, Authorization, Keeper, OAuth, TokenSink, Tokens};
pub use client::{Api, Policy, Session};
pub use error::{Result, SinkError, SpotifyError};
pub use limits::{allowance, Gate, GateState, Meter};
pub use playlists::{Contents, Item, Kind};
pub use uri::Collection;
