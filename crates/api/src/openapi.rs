//! The OpenAPI document, generated from the handlers' annotations, served at
//! `/v1/openapi.json` and browsable at `/docs`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    accounts, admin_users, album_covers, catalog, catalog_many, compositions, connections,
    following, imports, items, library, ops, playlist_covers, playlists, plays, saved_albums,
    search, shows, shows_live, spotify_sign_in, stats, sync_jobs, tokens, web_session,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Medley API", description = "A self-hosted music server. Where Spotify's Web API has the same concept, \
        Medley uses its paths, parameters and object shapes, so Spotify client libraries work against it."),
    paths(
        accounts::register, accounts::login, accounts::logout, accounts::me, accounts::delete_me, accounts::change_password,
        accounts::profile, following::follow, following::unfollow, following::following_contains,
        following::followed,
        tokens::list, tokens::create, tokens::revoke, admin_users::list, admin_users::change, admin_users::delete_user,
        admin_users::settings,
        catalog::track, catalog::several_tracks, catalog::album, catalog::album_tracks, catalog::artist,
        catalog::artist_albums, catalog::add, search::search,
        catalog_many::several_albums, catalog_many::several_artists, catalog_many::top_tracks,
        saved_albums::saved, saved_albums::save, saved_albums::unsave, saved_albums::contains,
        playlist_covers::images, playlist_covers::upload, album_covers::image,
        playlists::mine, playlists::create, playlists::create_for_user, playlists::playlist, playlists::change_details,
        playlists::follow, playlists::unfollow, playlists::followers_contains, playlists::collaborators,
        playlists::add_collaborators, playlists::remove_collaborators,
        items::list,
        compositions::read, compositions::configure, compositions::remove, compositions::preview,
        compositions::sync, compositions::suppressed, compositions::restore,
        sync_jobs::create, sync_jobs::list, sync_jobs::read, sync_jobs::remove, sync_jobs::pause,
        sync_jobs::resume, sync_jobs::run_now, sync_jobs::runs, sync_jobs::next_runs, items::add, items::reorder_or_replace, items::remove,
        library::saved, library::save, library::unsave, library::contains,
        imports::upload, imports::list, imports::show, plays::play, plays::recently_played,
        stats::rank::top, stats::calendar::totals, stats::calendar::timeline, stats::calendar::heatmap,
        stats::calendar::streaks, stats::calendar::discoveries, stats::rank::skips, stats::rank::compare,
        stats::rank::forgotten, stats::rank::spotify_top,
        connections::begin, connections::callback, connections::list, connections::remove,
        shows::create, shows::list, shows::read, shows::edit, shows::start, shows::end,
        shows::comments, shows::history, shows::invite, shows::redeem, shows_live::live,
        ops::healthz, ops::readyz, ops::metrics,
        web_session::sign_in, web_session::current, web_session::sign_out, web_session::config,
        spotify_sign_in::begin,
        crate::routes::library_scans::start, crate::routes::library_scans::show,
        crate::routes::library_scans::list, crate::routes::stream::stream,
        crate::routes::stream::stream_url, crate::routes::library_files::upload,
        crate::routes::library_files::show, crate::routes::library_files::remove,
        crate::routes::subsonic::keys::create_key, crate::routes::subsonic::keys::list_keys,
        crate::routes::subsonic::keys::revoke_key, crate::routes::subsonic::keys::password_status,
        crate::routes::subsonic::keys::set_password, crate::routes::subsonic::keys::clear_password,
    ),
    modifiers(&Bearer),
    tags(
        (name = "accounts", description = "Users, sessions and following"),
        (name = "catalog", description = "Tracks, albums, artists and search"),
        (name = "playlists", description = "Playlists and their items"),
        (name = "composites", description = "Playlists built from playlists"),
        (name = "library", description = "Liked songs; the audio library (scans, uploads)"),
        (name = "connections", description = "Linked Spotify accounts"),
        (name = "stats", description = "Listening history: imports, plays, statistics (ListenBrainz submissions at /1/submit-listens)"),
        (name = "shows", description = "Live shows (the WebSocket protocol is docs/LIVE.md)"),
        (name = "operations", description = "Health and metrics"),
        (name = "subsonic", description = "Letting existing music players in: API keys and the Subsonic password for the OpenSubsonic API at /rest (described in docs/API.md)"),
    )
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
