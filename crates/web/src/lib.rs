//! Medley's web app, shipped inside the binary.
//!
//! Layout:
//! - `assets/` (beside `src/`): the app itself — `index.html`, `app.css` and plain ES modules
//!   under `js/`. No build step: the files are what the browser runs.
//! - [`assets`]: the files embedded at compile time with their content types, and the version
//!   (a hash of them all) that names the immutable asset URLs.
//! - [`serve`]: the routes for `/assets/{version}/…`, the app shell answered for the app's
//!   own paths, and the headers every web response carries (Content-Security-Policy).
//!
//! Must not import: any other Medley crate. The app talks to the server only through the
//! public JSON API under `/v1`; `medley-api` mounts [`routes`] and asks [`is_app_path`].
#![forbid(unsafe_code)]

pub mod assets;
pub mod serve;

pub use serve::{is_app_path, routes, shell};
