//! Spotify fidelity: Medley's answers checked against Spotify's own OpenAPI description, and
//! the Spotify endpoints common clients call.

mod covers;
mod docs;
mod errors;
mod library;
mod spec;
mod walk;
