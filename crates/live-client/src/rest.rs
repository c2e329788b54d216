//! The REST side of live shows (`/v1/shows`, API.md "Live shows"): create, edit, start, end,
//! list and read shows, and look users up by id, as one user (a Bearer token).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::live::{Live, LiveOptions};

/// A Medley server, spoken to as the user whose token it holds. Cheap to clone.
///
/// ```no_run
/// # async fn example() -> Result<(), medley_live_client::Error> {
/// use medley_live_client::{Api, NewShow, Visibility};
///
/// let api = Api::new("http://127.0.0.1:8080", "<token>")?;
/// let show = api
///     .create_show(&NewShow {
///         visibility: Some(Visibility::Public),
///         ..NewShow::titled("Friday night")
///     })
///     .await?;
/// let show = api.start_show(&show.id).await?;
/// println!("{} is {:?}; join at {}", show.title, show.state, api.live_url(&show.id));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("base", &self.base)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// A show's state on REST.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShowState {
    Scheduled,
    Live,
    Ended,
}

impl ShowState {
    pub fn as_str(self) -> &'static str {
        match self {
            ShowState::Scheduled => "scheduled",
            ShowState::Live => "live",
            ShowState::Ended => "ended",
        }
    }
}

/// Who may see a show: everyone, the creator's followers, or guests with an invite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Followers,
    Invite,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Followers => "followers",
            Visibility::Invite => "invite",
        }
    }
}

impl std::str::FromStr for Visibility {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "public" => Ok(Visibility::Public),
            "followers" => Ok(Visibility::Followers),
            "invite" => Ok(Visibility::Invite),
            other => Err(format!(
                "visibility is `public`, `followers` or `invite`, not `{other}`"
            )),
        }
    }
}

/// A show, as `GET /v1/shows/{id}` answers it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Show {
    pub id: String,
    /// `medley:show:<id>`.
    pub uri: String,
    pub title: String,
    pub description: Option<String>,
    pub state: ShowState,
    pub creator: UserRef,
    pub playlist: Option<PlaylistRef>,
    pub visibility: Visibility,
    /// RFC 3339 times.
    pub scheduled_for: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    /// People in the show now.
    pub audience: usize,
    pub href: String,
    /// Where to join (`ws://` or `wss://`), as the server sees itself.
    #[serde(default)]
    pub live_url: Option<String>,
}

/// A user as a show names its creator.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct UserRef {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// The playlist a show plays.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PlaylistRef {
    pub id: String,
    pub name: String,
    pub uri: String,
}

/// A user's public profile (`GET /v1/users/{id}`): the protocol names users by `id`; people
/// know them by `username`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct User {
    pub id: String,
    pub username: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// A page of a list.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
    pub next: Option<String>,
}

/// `POST /v1/shows`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NewShow {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `medley:playlist:<id>`: a playlist the creator may see.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playlist: Option<String>,
    /// RFC 3339, e.g. `2026-12-05T20:00:00Z`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

impl NewShow {
    /// A public show with only a title.
    pub fn titled(title: impl Into<String>) -> NewShow {
        NewShow {
            title: title.into(),
            ..NewShow::default()
        }
    }
}

/// `PUT /v1/shows/{id}`: `None` keeps a field; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ShowEdit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playlist: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

impl Api {
    /// A client of the server at `base` (`http://host:port` or `https://…`, Medley's root, not
    /// `/v1`), as the user of `token` (an access or API token).
    pub fn new(base: &str, token: &str) -> Result<Api, Error> {
        let base = base.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::BadUrl(format!(
                "`{base}` is not a server URL: give http://HOST:PORT or https://HOST"
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("medley-live-client/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Api {
            http,
            base,
            token: token.to_owned(),
        })
    }

    /// The server's root URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The live show's WebSocket URL (`ws://` for `http://`, `wss://` for `https://`).
    pub fn live_url(&self, show: &str) -> String {
        let ws = match self.base.strip_prefix("https://") {
            Some(rest) => format!("wss://{rest}"),
            None => format!("ws://{}", self.base.trim_start_matches("http://")),
        };
        format!("{ws}/v1/shows/{show}/live")
    }

    /// Creates a show (scheduled until it starts).
    pub async fn create_show(&self, show: &NewShow) -> Result<Show, Error> {
        self.call(Method::POST, "/v1/shows", Some(show)).await
    }

    /// Changes a show's details (its creator, before it ends).
    pub async fn edit_show(&self, id: &str, edit: &ShowEdit) -> Result<Show, Error> {
        self.call(Method::PUT, &format!("/v1/shows/{}", path(id)), Some(edit))
            .await
    }

    /// Starts a show: it goes live and people may join.
    pub async fn start_show(&self, id: &str) -> Result<Show, Error> {
        self.call::<(), _>(Method::POST, &format!("/v1/shows/{}/start", path(id)), None)
            .await
    }

    /// Ends a show: everyone connected gets `show.ended`, then close 4010.
    pub async fn end_show(&self, id: &str) -> Result<Show, Error> {
        self.call::<(), _>(Method::POST, &format!("/v1/shows/{}/end", path(id)), None)
            .await
    }

    /// One show.
    pub async fn show(&self, id: &str) -> Result<Show, Error> {
        self.call::<(), _>(Method::GET, &format!("/v1/shows/{}", path(id)), None)
            .await
    }

    /// The shows the user may see, in `state` (all when `None`), `limit` (1–50) from `offset`.
    pub async fn list_shows(
        &self,
        state: Option<ShowState>,
        limit: u32,
        offset: u32,
    ) -> Result<Page<Show>, Error> {
        let mut query = format!("/v1/shows?limit={limit}&offset={offset}");
        if let Some(state) = state {
            query.push_str("&state=");
            query.push_str(state.as_str());
        }
        self.call::<(), _>(Method::GET, &query, None).await
    }

    /// A user's public profile, by id.
    pub async fn user(&self, id: &str) -> Result<User, Error> {
        self.call::<(), _>(Method::GET, &format!("/v1/users/{}", path(id)), None)
            .await
    }

    /// The token's own user.
    pub async fn me(&self) -> Result<User, Error> {
        self.call::<(), _>(Method::GET, "/v1/me", None).await
    }

    /// Joins a live show over its WebSocket (see [`Live`]). Fails when the server refuses the
    /// `hello` (a bad token: close 4001; no such live show: 4004; banned: 4012…).
    pub async fn join(&self, show: &str, options: LiveOptions) -> Result<Live, Error> {
        Live::connect(&self.live_url(show), &self.token, options).await
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&B>,
    ) -> Result<T, Error> {
        let mut request = self
            .http
            .request(method, format!("{}{path_and_query}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.json().await?);
        }
        let text = response.text().await.unwrap_or_default();
        Err(Error::Http {
            status: status.as_u16(),
            message: problem_message(status, &text),
        })
    }
}

/// An id as one path segment: ids are Medley's own (letters and digits), but a typed id may
/// hold anything.
fn path(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The message of an error answer: the problem's `detail`, Spotify's `error.message`, or the
/// status itself.
fn problem_message(status: StatusCode, body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    value["detail"]
        .as_str()
        .or_else(|| value["error"]["message"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("unexpected answer")
                .to_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_the_base() {
        let api = Api::new("http://127.0.0.1:8080/", "t").unwrap();
        assert_eq!(api.live_url("abc"), "ws://127.0.0.1:8080/v1/shows/abc/live");
        let api = Api::new("https://music.example", "t").unwrap();
        assert_eq!(api.live_url("abc"), "wss://music.example/v1/shows/abc/live");
        assert!(!format!("{api:?}").contains("\"t\""));
        assert!(matches!(
            Api::new("music.example", "t"),
            Err(Error::BadUrl(_))
        ));
        assert_eq!(path("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn requests_and_answers_have_the_apis_shapes() {
        let new = NewShow {
            visibility: Some(Visibility::Invite),
            ..NewShow::titled("Late")
        };
        assert_eq!(
            serde_json::to_value(&new).unwrap(),
            serde_json::json!({"title": "Late", "visibility": "invite"})
        );
        let edit = ShowEdit {
            description: Some(None),
            title: Some("New".into()),
            ..ShowEdit::default()
        };
        assert_eq!(
            serde_json::to_value(&edit).unwrap(),
            serde_json::json!({"title": "New", "description": null})
        );
        let show: Show = serde_json::from_value(serde_json::json!({
            "id": "s1", "uri": "medley:show:s1", "title": "T", "description": null,
            "state": "live", "creator": {"id": "u1", "display_name": "ana", "href": "h",
            "type": "user", "uri": "spotify:user:u1", "external_urls": {}},
            "playlist": null, "visibility": "public", "scheduled_for": null,
            "started_at": "2026-12-05T20:00:00Z", "ended_at": null, "audience": 2,
            "href": "http://x/v1/shows/s1", "live_url": "ws://x/v1/shows/s1/live"
        }))
        .unwrap();
        assert_eq!(
            (show.state, show.visibility, show.audience),
            (ShowState::Live, Visibility::Public, 2)
        );
        assert_eq!(
            problem_message(
                StatusCode::CONFLICT,
                r#"{"detail": "the show is already live"}"#
            ),
            "the show is already live"
        );
        assert_eq!(problem_message(StatusCode::NOT_FOUND, ""), "Not Found");
        assert_eq!("followers".parse::<Visibility>(), Ok(Visibility::Followers));
        assert!("friends".parse::<Visibility>().is_err());
    }
}
