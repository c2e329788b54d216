//! Medley's HTTP API.
//!
//! Layout:
//! - [`app`]: the router with its middleware, and `serve(listener, state, shutdown)`.
//! - [`routes`]: thin handlers, one file per area (accounts, catalog, search, playlists, items,
//!   library, ops).
//! - [`service`]: what handlers and the CLI call: authorization, validation, storage, events.
//! - [`objects`]: the JSON objects in Spotify's shapes.
//! - [`error`]: the one error type at the edge, rendered as problem+json.
//! - [`extract`]: extractors that turn rejections into precise 4xx answers, and bearer auth.
//! - [`cache`]: the hot-item caches (tokens, playlist metadata, rendered tracks and pages).
//! - [`sealing`]: secrets at rest (OAuth tokens), sealed with a key kept outside the database.
//! - [`openapi`], [`metrics`], [`state`].
//!
//! Must not import: the binary's configuration or CLI (it receives an [`ApiConfig`]).
#![forbid(unsafe_code)]

pub mod app;
pub mod cache;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod objects;
pub mod openapi;
pub mod routes;
pub mod sealing;
pub mod service;
pub mod state;

pub use app::{router, serve};
pub use error::{ApiError, ApiResult};
pub use state::{ApiConfig, AppState};
