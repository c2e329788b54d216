//! The control API (`/control/...`, JSON, no auth): what tests and demos use to act as users
//! in the Spotify app and to steer the emulator. Routes are listed in the crate README.

pub mod accounts;
pub mod catalog;
pub mod ops;
pub mod playlists;
pub mod users;

use axum::routing::{get, patch, post, put};
use axum::Router;

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", post(users::create))
        .route("/users/{id}", get(users::get))
        .route("/browser", put(users::browser))
        .route(
            "/users/{id}/liked",
            get(users::liked).put(users::like).delete(users::unlike),
        )
        .route("/users/{id}/plays", post(users::plays))
        .route("/users/{id}/playlists", post(playlists::create))
        .route("/users/{id}/revoke", post(accounts::revoke))
        .route(
            "/apps/{client_id}",
            put(accounts::configure).get(accounts::get),
        )
        .route("/tokens", post(accounts::mint))
        .route("/catalog/tracks", post(catalog::tracks))
        .route("/catalog/generate", post(catalog::generate))
        .route("/catalog/episodes", post(catalog::episodes))
        .route("/tracks/{id}", patch(catalog::change_track))
        .route(
            "/playlists/{id}",
            get(playlists::get).patch(playlists::details),
        )
        .route(
            "/playlists/{id}/items",
            post(playlists::add)
                .put(playlists::replace)
                .delete(playlists::remove),
        )
        .route("/playlists/{id}/reorder", post(playlists::reorder))
        .route(
            "/playlists/{id}/collaborators",
            post(playlists::collaborator),
        )
        .route("/playlists/{id}/followers", post(playlists::follower))
        .route("/clock", get(ops::clock).post(ops::advance))
        .route(
            "/faults",
            get(ops::faults)
                .put(ops::set_faults)
                .delete(ops::clear_faults),
        )
        .route("/faults/next", post(ops::next_fault))
        .route("/requests", get(ops::requests).delete(ops::reset_requests))
}
