//! The OpenAPI document, generated from the handlers' annotations, served at
//! `/v1/openapi.json` and browsable at `/docs`.

use axum::http::StatusCode;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Required, Response};
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
        admin_users::change_settings,
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
    components(schemas(crate::error::Problem)),
    modifiers(&Bearer, &CommonAnswers),
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

/// The answers that do not depend on the handler, added to every operation they apply to, so
/// that no operation leaves one out:
///
/// - 401 wherever a bearer token is accepted: a missing (where required), malformed, expired
///   or revoked token is refused before the handler runs ([`crate::extract::Auth`]);
/// - 400 wherever there are parameters: a query or path parameter that does not parse or is
///   out of its bounds;
/// - 400 and 413 wherever a request body is accepted (a body that is not what the operation
///   reads, or larger than the server's limit), and 415 wherever that body is JSON (one sent as
///   another media type);
/// - 503 on every operation: the server refuses connections over its cap and answers a request
///   that outlasts the request timeout with 503 ([`crate::edge`], [`crate::server`]).
///
/// And every error answer, whoever declared it, has the problem document as its body.
struct CommonAnswers;

const PROBLEM_TYPE: &str = "application/problem+json";

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ];
            for (method, operation) in operations {
                if let Some(operation) = operation {
                    operation.operation_id = Some(operation_id(method, path));
                    common_answers(operation);
                }
            }
        }
    }
}

/// An operation's id, unique as OpenAPI requires (handlers' names repeat across modules: every
/// module has its `list`): the method and the path, `get_playlists_id_items` for
/// `GET /v1/playlists/{id}/items`.
fn operation_id(method: &str, path: &str) -> String {
    let words = path
        .trim_start_matches("/v1")
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| segment.trim_matches(['{', '}']).replace(['-', '.'], "_"));
    std::iter::once(method.to_owned())
        .chain(words)
        .collect::<Vec<_>>()
        .join("_")
}

fn common_answers(operation: &mut Operation) {
    let token = operation.security.iter().flatten().any(|requirement| {
        serde_json::to_value(requirement)
            .is_ok_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
    });
    let json_body = operation
        .request_body
        .as_ref()
        .is_some_and(|body| body.content.keys().any(|t| t.contains("json")));
    if let Some(body) = operation.request_body.as_mut() {
        if body.required != Some(Required::True) {
            for content in body.content.values_mut() {
                optional_is_absent(content);
            }
        }
    }
    let responses = &mut operation.responses.responses;
    let mut add = |status: StatusCode, description: &str| {
        responses
            .entry(status.as_u16().to_string())
            .or_insert_with(|| RefOr::T(Response::new(description)));
    };
    if token {
        add(
            StatusCode::UNAUTHORIZED,
            "The access token is missing, malformed, expired or revoked.",
        );
    }
    if operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
        add(
            StatusCode::BAD_REQUEST,
            "A parameter is not what this operation reads (the detail names it and why).",
        );
    }
    if operation.request_body.is_some() {
        add(
            StatusCode::BAD_REQUEST,
            "The body is not what this operation reads (the detail names the problem).",
        );
        add(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The body is larger than this server accepts.",
        );
    }
    if json_body {
        add(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The body is not sent as `application/json`.",
        );
    }
    add(
        StatusCode::SERVICE_UNAVAILABLE,
        "The server is at a limit (too many connections, or the request outlasted its time \
         limit) or a service it needs is unavailable; try again shortly.",
    );
    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        let Some(code) = status
            .parse::<u16>()
            .ok()
            .and_then(|c| StatusCode::from_u16(c).ok())
        else {
            continue;
        };
        if !(code.is_client_error() || code.is_server_error()) {
            continue;
        }
        if response.description.is_empty() {
            response.description = code.canonical_reason().unwrap_or("Error").to_owned();
        }
        if response.content.is_empty() {
            response.content.insert(
                PROBLEM_TYPE.to_owned(),
                Content::new(Some(Ref::from_schema_name("Problem"))),
            );
        }
    }
}

/// An optional body is declared as `Option<Body>`, which the generator writes as "`null` or a
/// body"; but what is optional is the body itself (an empty request), and a JSON `null` is no
/// body the server reads. So the schema is the body's own.
fn optional_is_absent(content: &mut Content) {
    let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema else {
        return;
    };
    let body = one_of
        .items
        .iter()
        .find(|item| matches!(item, RefOr::Ref(_)))
        .cloned();
    if let Some(body) = body {
        content.schema = Some(body);
    }
}
