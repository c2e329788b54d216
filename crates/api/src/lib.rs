//! Medley's HTTP API.
//!
//! Layout:
//! - [`app`]: the router with its middleware, and `serve(listener, state, shutdown)`.
//! - [`routes`]: thin handlers, one file per area: extract, call the use case in `medley-app`
//!   (which authorizes), render.
//! - [`objects`]: the JSON objects in Spotify's shapes.
//! - [`error`]: the one error type at the edge, rendered as problem+json, and the one mapping
//!   from the application's errors to statuses.
//! - [`extract`]: extractors that turn rejections into precise 4xx answers, and auth (bearer
//!   token or the browser session cookie).
//! - [`cookie`]: the browser session cookie and its CSRF token.
//! - [`edge`]: what every request passes through: declared lengths, body and request
//!   timeouts, panics, request logs without secrets.
//! - [`server`]: connections (header and idle timeout, connection cap, graceful stop).
//! - [`cache`]: rendered pages of playlist items.
//! - [`docs`]: the `/docs` page (Swagger UI, embedded).
//! - [`jpeg`]: checking an uploaded playlist cover and reading its size.
//! - [`openapi`], [`metrics`], [`state`]; [`text_enums`]: the OpenAPI schema of enums written
//!   as text.
//!
//! Must not import: the binary's configuration or CLI (it receives an [`ApiConfig`]). Use cases,
//! scheduling and background work belong in `medley-app`, not here.
#![forbid(unsafe_code)]

pub mod app;
pub mod cache;
pub mod cookie;
pub mod docs;
pub mod edge;
pub mod error;
pub mod extract;
pub mod jpeg;
pub mod live_socket;
pub mod metrics;
pub mod objects;
pub mod openapi;
pub mod routes;
pub mod server;
pub mod state;
pub mod text_enums;
pub mod zero_copy;

pub use app::{router, serve};
pub use error::{ApiError, ApiResult};
pub use state::{ApiConfig, AppState, ConnectionLimits};
