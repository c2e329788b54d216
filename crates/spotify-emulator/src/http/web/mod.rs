//! The Web API under `/v1`: thin handlers that parse, check scope, call the world and render.

pub mod input;
pub mod items;
pub mod library;
pub mod me;
pub mod player;
pub mod playlists;
pub mod tracks;

use axum::middleware::from_fn_with_state;
use axum::routing::get;
use axum::Router;

use super::error::WebError;
use super::gate::gate;
use super::AppState;

pub fn router(state: AppState) -> Router<AppState> {
    let items = || {
        get(items::get_items)
            .post(items::add_items)
            .put(items::update_items)
            .delete(items::remove_items)
    };
    Router::new()
        .route("/me", get(me::get_me))
        .route(
            "/me/playlists",
            get(me::my_playlists).post(me::create_playlist),
        )
        .route(
            "/playlists/{id}",
            get(playlists::get_playlist).put(playlists::change_details),
        )
        .route("/playlists/{id}/items", items())
        .route("/playlists/{id}/tracks", items())
        .route(
            "/me/tracks",
            get(library::liked)
                .put(library::save)
                .delete(library::unsave),
        )
        .route("/me/player/recently-played", get(player::recently_played))
        .route("/tracks/{id}", get(tracks::get_track))
        .route_layer(from_fn_with_state(state, gate))
        .fallback(|| async { WebError::new(404, "Service not found") })
}
