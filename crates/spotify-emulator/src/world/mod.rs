//! The emulated Spotify as plain data with pure methods. Nothing here does I/O or reads the
//! clock: every method that depends on time takes `now` (Unix ms on the virtual clock).
//!
//! - [`catalog`]: tracks and episodes, availability and relinking, the seeded generator.
//! - [`users`]: accounts, Liked Songs, recently played, the signed-in browser user.
//! - [`playlists`]: playlists and every edit of their items, with snapshot ids.
//! - [`auth`]: apps, authorization codes, access and refresh tokens.
//! - [`limits`]: the rolling rate limit and the daily quota per app.
//! - [`faults`]: random and scripted faults.
//! - [`requests`]: request counts by app, user and endpoint.

pub mod auth;
pub mod catalog;
pub mod faults;
pub mod limits;
pub mod playlists;
pub mod requests;
pub mod users;

use std::collections::{BTreeMap, HashMap};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use auth::{App, Caller, TokenGrant};
pub use catalog::{Episode, Named, Track};
pub use playlists::{Entry, Playlist};
pub use users::User;

/// A failure of a world operation; the HTTP layers map it to a status and Spotify's error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorldError {
    BadRequest(String),
    Forbidden(String),
    NotFound(String),
}

impl WorldError {
    pub fn bad(msg: impl Into<String>) -> Self {
        WorldError::BadRequest(msg.into())
    }
    pub fn forbidden(msg: impl Into<String>) -> Self {
        WorldError::Forbidden(msg.into())
    }
    pub fn not_found(msg: impl Into<String>) -> Self {
        WorldError::NotFound(msg.into())
    }
}

impl std::fmt::Display for WorldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorldError::BadRequest(m) | WorldError::Forbidden(m) | WorldError::NotFound(m) => {
                f.write_str(m)
            }
        }
    }
}

impl std::error::Error for WorldError {}

pub type WorldResult<T> = Result<T, WorldError>;

/// Limits given to apps that are registered without their own.
#[derive(Debug, Clone, Copy)]
pub struct AppDefaults {
    pub rate_limit_per_30s: u32,
    pub daily_quota: Option<u32>,
    pub ban_extension_ms: i64,
}

pub struct World {
    pub rng: ChaCha8Rng,
    pub defaults: AppDefaults,
    pub users: BTreeMap<String, User>,
    /// The user the emulated browser is signed in as; `/authorize` approves as them.
    pub browser_user: Option<String>,
    /// When set, `/authorize` answers `error=access_denied` as if the user refused.
    pub browser_denies: bool,
    pub tracks: HashMap<String, Track>,
    pub episodes: HashMap<String, Episode>,
    pub playlists: HashMap<String, Playlist>,
    pub apps: BTreeMap<String, App>,
    pub auth: auth::Tokens,
    pub faults: faults::Faults,
    pub requests: requests::RequestLog,
}

impl World {
    pub fn new(seed: u64, defaults: AppDefaults) -> World {
        World {
            rng: ChaCha8Rng::seed_from_u64(seed),
            defaults,
            users: BTreeMap::new(),
            browser_user: None,
            browser_denies: false,
            tracks: HashMap::new(),
            episodes: HashMap::new(),
            playlists: HashMap::new(),
            apps: BTreeMap::new(),
            auth: auth::Tokens::default(),
            faults: faults::Faults::default(),
            requests: requests::RequestLog::default(),
        }
    }
}
