//! The OpenSubsonic API at `/rest/{method}` (and `/rest/{method}.view`), for existing music
//! players: GET with a query, or POST with a form body (OpenSubsonic's `formPost`); XML by
//! default, JSON with `f=json`, JSONP with `f=jsonp&callback=`. Failures are HTTP 200 with
//! `status="failed"` and the specification's error code.
//!
//! Files by area: `response.rs` (envelope, XML and JSON), `model.rs` (the objects), `system.rs`
//! (ping, license, extensions, user, token info, music folders), `browse.rs` (indexes,
//! directories, artists, albums, songs, genres), `lists.rs` (album lists, random songs,
//! search, starred), `playlists.rs`, `media.rs` (stream, download, cover art), `annotate.rs`
//! (star, rating, scrobble, now playing); `keys.rs` is the `/v1` side: API keys and the
//! Subsonic password.

mod annotate;
mod browse;
pub mod keys;
mod lists;
mod media;
mod model;
mod playlists;
mod response;
mod system;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, Method};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use medley_app::subsonic::auth::{authenticate, AuthFailure, Credentials};
use medley_app::subsonic::browse::{marks, Marks};
use medley_app::subsonic::library::{current, Library};
use medley_domain::user::User;

use self::response::{render, Failure, Format, Reply};
use crate::state::AppState;
use crate::zero_copy::ZeroCopy;

pub fn routes() -> Router<AppState> {
    Router::new().route("/rest/{method}", get(rest).post(rest))
}

/// A request's parameters, from the query and a form body, in order; names may repeat.
pub struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: Option<&str>, form: Option<&[u8]>) -> Params {
        let mut all: Vec<(String, String)> = query
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        if let Some(body) = form {
            all.extend(url::form_urlencoded::parse(body).into_owned());
        }
        Params(all)
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, which must be there.
    pub fn required(&self, name: &str) -> Result<&str, Failure> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Failure::missing(name))
    }

    /// Every value of `name` (`songId=1&songId=2`), empty ones left out.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// An integer parameter, `default` when absent.
    pub fn int(&self, name: &str, default: i64) -> Result<i64, Failure> {
        Ok(self.opt_int(name)?.unwrap_or(default))
    }

    pub fn opt_int(&self, name: &str) -> Result<Option<i64>, Failure> {
        match self.get(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| {
                Failure::invalid(format!("`{name}` must be a whole number, not `{v}`"))
            }),
        }
    }

    /// A count or offset: a whole number from 0.
    pub fn count(&self, name: &str, default: usize) -> Result<usize, Failure> {
        let n = self.int(name, default as i64)?;
        usize::try_from(n)
            .map_err(|_| Failure::invalid(format!("`{name}` must not be negative, not {n}")))
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, Failure> {
        match self.get(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some("true") | Some("1") => Ok(Some(true)),
            Some("false") | Some("0") => Ok(Some(false)),
            Some(v) => Err(Failure::invalid(format!(
                "`{name}` must be true or false, not `{v}`"
            ))),
        }
    }

    fn credentials(&self) -> Credentials {
        let own = |n: &str| self.get(n).map(str::to_owned);
        Credentials {
            username: own("u"),
            password: own("p"),
            token: own("t"),
            salt: own("s"),
            api_key: own("apiKey"),
        }
    }
}

/// Everything a method gets: the state, the signed-in user, the parameters, the request.
pub struct Call {
    pub state: AppState,
    pub user: User,
    pub params: Params,
    pub method: Method,
    pub headers: HeaderMap,
    /// How the connection sends audio files without a copy, where it can.
    pub zero_copy: Option<ZeroCopy>,
}

impl Call {
    /// The library and the user's marks.
    async fn library(&self) -> Result<(Arc<Library>, Marks), Failure> {
        let lib = current(&self.state.app).await?;
        let marks = marks(&self.state.app, &self.user, &lib).await?;
        Ok((lib, marks))
    }
}

fn auth_failure(e: AuthFailure) -> Failure {
    let code = match &e {
        AuthFailure::Missing(_) => 10,
        AuthFailure::WrongCredentials => 40,
        AuthFailure::TokenUnavailable => 41,
        AuthFailure::Conflicting(_) => 43,
        AuthFailure::InvalidKey => 44,
        AuthFailure::App(_) => 0,
    };
    match e {
        AuthFailure::App(e) => Failure::from(e),
        e => Failure::new(code, e.to_string()),
    }
}

/// One handler for every method: parses, signs in, dispatches, renders.
async fn rest(
    State(state): State<AppState>,
    Path(name): Path<String>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    zero_copy: Option<Extension<ZeroCopy>>,
    body: Bytes,
) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let params = Params::parse(
        query.as_deref(),
        (method == Method::POST && is_form).then_some(&body[..]),
    );
    let format = Format::from_params(params.get("f"), params.get("callback"));
    let name = name.strip_suffix(".view").unwrap_or(&name).to_owned();
    if name == "getOpenSubsonicExtensions" {
        return render(&format, Ok(system::extensions()));
    }
    let user = match authenticate(&state.app, &params.credentials()).await {
        Ok(user) => user,
        Err(e) => return render(&format, Err(auth_failure(e))),
    };
    let call = Call {
        state,
        user,
        params,
        method,
        headers,
        zero_copy: zero_copy.map(|Extension(z)| z),
    };
    let result = dispatch(&name, call).await;
    render(&format, result)
}

async fn dispatch(name: &str, c: Call) -> Result<Reply, Failure> {
    match name {
        "ping" => Ok(Reply::Empty),
        "getLicense" => Ok(system::license(&c)),
        "getUser" => system::user(&c).await,
        "tokenInfo" => Ok(system::token_info(&c)),
        "getMusicFolders" => Ok(system::music_folders()),
        "getIndexes" => browse::indexes(&c).await,
        "getMusicDirectory" => browse::directory(&c).await,
        "getArtists" => browse::artists(&c).await,
        "getArtist" => browse::artist(&c).await,
        "getAlbum" => browse::album(&c).await,
        "getSong" => browse::song(&c).await,
        "getGenres" => browse::genres(&c).await,
        "getAlbumList2" => lists::album_list(&c, "albumList2").await,
        "getAlbumList" => lists::album_list(&c, "albumList").await,
        "getRandomSongs" => lists::random_songs(&c).await,
        "search3" => lists::search(&c).await,
        "getStarred2" => lists::starred(&c, "starred2").await,
        "getStarred" => lists::starred(&c, "starred").await,
        "getPlaylists" => playlists::list(&c).await,
        "getPlaylist" => playlists::get(&c).await,
        "createPlaylist" => playlists::create(&c).await,
        "updatePlaylist" => playlists::update(&c).await,
        "deletePlaylist" => playlists::delete(&c).await,
        "stream" => media::stream(&c).await,
        "download" => media::download(&c).await,
        "getCoverArt" => media::cover_art(&c).await,
        "star" => annotate::star(&c, true).await,
        "unstar" => annotate::star(&c, false).await,
        "setRating" => annotate::set_rating(&c).await,
        "scrobble" => annotate::scrobble(&c).await,
        "getNowPlaying" => annotate::now_playing(&c).await,
        other => Err(Failure::new(
            70,
            format!("Medley does not implement the Subsonic method `{other}`"),
        )),
    }
}
