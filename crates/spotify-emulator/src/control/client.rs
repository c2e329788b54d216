//! [`Control`]: a typed client of the control API, for tests that act as the user in the
//! Spotify app or steer the emulator.

use anyhow::{bail, Context};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::types::*;

#[derive(Debug, Clone)]
pub struct Control {
    base: String,
    http: reqwest::Client,
}

impl Control {
    /// `base` is the emulator's root URL (`Running::url()`).
    pub fn new(base: impl Into<String>) -> Control {
        Control {
            base: base.into().trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
        }
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> anyhow::Result<T> {
        let url = format!("{}/control{path}", self.base);
        let mut req = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req
            .send()
            .await
            .with_context(|| format!("{method} {url}"))?;
        let status = resp.status();
        let text = resp.text().await?;
        if !status.is_success() {
            bail!("{method} {url}: {status}: {text}");
        }
        let text = if text.is_empty() { "null" } else { &text };
        serde_json::from_str(text).with_context(|| format!("{method} {url}: {text}"))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        self.call(Method::GET, path, None::<&()>).await
    }

    pub async fn create_user(&self, user: &NewUser) -> anyhow::Result<UserState> {
        self.call(Method::POST, "/users", Some(user)).await
    }

    /// Creates a user with defaults (display name = id, premium, SE).
    pub async fn user(&self, id: &str) -> anyhow::Result<UserState> {
        self.create_user(&NewUser {
            id: id.into(),
            ..Default::default()
        })
        .await
    }

    pub async fn sign_in(&self, user_id: &str) -> anyhow::Result<()> {
        let body = BrowserUser {
            user_id: user_id.into(),
            deny: false,
        };
        self.call(Method::PUT, "/browser", Some(&body)).await
    }

    pub async fn set_browser(&self, browser: &BrowserUser) -> anyhow::Result<()> {
        self.call(Method::PUT, "/browser", Some(browser)).await
    }

    pub async fn configure_app(
        &self,
        client_id: &str,
        settings: &AppSettings,
    ) -> anyhow::Result<serde_json::Value> {
        self.call(Method::PUT, &format!("/apps/{client_id}"), Some(settings))
            .await
    }

    pub async fn mint_token(
        &self,
        user_id: &str,
        client_id: &str,
        scopes: &[&str],
    ) -> anyhow::Result<TokenGrant> {
        let body = MintToken {
            user_id: user_id.into(),
            client_id: client_id.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        };
        self.call(Method::POST, "/tokens", Some(&body)).await
    }

    pub async fn revoke(&self, user_id: &str, client_id: Option<&str>) -> anyhow::Result<Revoked> {
        let body = Revoke {
            client_id: client_id.map(str::to_string),
        };
        self.call(
            Method::POST,
            &format!("/users/{user_id}/revoke"),
            Some(&body),
        )
        .await
    }

    pub async fn add_tracks(&self, tracks: &[NewTrack]) -> anyhow::Result<Created> {
        let body = NewTracks {
            tracks: tracks.to_vec(),
        };
        self.call(Method::POST, "/catalog/tracks", Some(&body))
            .await
    }

    pub async fn generate(&self, count: usize, seed: u64) -> anyhow::Result<Created> {
        self.call(
            Method::POST,
            "/catalog/generate",
            Some(&Generate { count, seed }),
        )
        .await
    }

    pub async fn add_episodes(&self, episodes: &[NewEpisode]) -> anyhow::Result<Created> {
        let body = NewEpisodes {
            episodes: episodes.to_vec(),
        };
        self.call(Method::POST, "/catalog/episodes", Some(&body))
            .await
    }

    pub async fn change_track(&self, id: &str, change: &TrackChange) -> anyhow::Result<()> {
        self.call(Method::PATCH, &format!("/tracks/{id}"), Some(change))
            .await
    }

    pub async fn make_unavailable(&self, id: &str) -> anyhow::Result<()> {
        self.change_track(
            id,
            &TrackChange {
                available: Some(false),
                relinked_to: None,
            },
        )
        .await
    }

    pub async fn relink(&self, id: &str, to: &str) -> anyhow::Result<()> {
        self.change_track(
            id,
            &TrackChange {
                available: None,
                relinked_to: Some(to.into()),
            },
        )
        .await
    }

    pub async fn create_playlist(
        &self,
        owner: &str,
        playlist: &NewPlaylist,
    ) -> anyhow::Result<PlaylistState> {
        self.call(
            Method::POST,
            &format!("/users/{owner}/playlists"),
            Some(playlist),
        )
        .await
    }

    /// A private playlist named `name` owned by `owner`.
    pub async fn playlist(&self, owner: &str, name: &str) -> anyhow::Result<PlaylistState> {
        let body = NewPlaylist {
            name: name.into(),
            public: Some(false),
            ..Default::default()
        };
        self.create_playlist(owner, &body).await
    }

    pub async fn get_playlist(&self, id: &str) -> anyhow::Result<PlaylistState> {
        self.get(&format!("/playlists/{id}")).await
    }

    /// Adds URIs as the owner, at the end.
    pub async fn add_items(
        &self,
        playlist: &str,
        uris: &[impl AsRef<str>],
    ) -> anyhow::Result<Snapshot> {
        let edit = ItemsEdit {
            uris: strings(uris),
            ..Default::default()
        };
        self.edit_items(Method::POST, playlist, &edit).await
    }

    /// `POST` adds, `PUT` replaces, `DELETE` removes every occurrence.
    pub async fn edit_items(
        &self,
        method: Method,
        playlist: &str,
        edit: &ItemsEdit,
    ) -> anyhow::Result<Snapshot> {
        self.call(method, &format!("/playlists/{playlist}/items"), Some(edit))
            .await
    }

    pub async fn remove_items(
        &self,
        playlist: &str,
        uris: &[impl AsRef<str>],
    ) -> anyhow::Result<Snapshot> {
        let edit = ItemsEdit {
            uris: strings(uris),
            ..Default::default()
        };
        self.edit_items(Method::DELETE, playlist, &edit).await
    }

    pub async fn replace_items(
        &self,
        playlist: &str,
        uris: &[impl AsRef<str>],
    ) -> anyhow::Result<Snapshot> {
        let edit = ItemsEdit {
            uris: strings(uris),
            ..Default::default()
        };
        self.edit_items(Method::PUT, playlist, &edit).await
    }

    pub async fn reorder(&self, playlist: &str, reorder: &Reorder) -> anyhow::Result<Snapshot> {
        self.call(
            Method::POST,
            &format!("/playlists/{playlist}/reorder"),
            Some(reorder),
        )
        .await
    }

    pub async fn change_details(
        &self,
        playlist: &str,
        edit: &DetailsEdit,
    ) -> anyhow::Result<Snapshot> {
        self.call(Method::PATCH, &format!("/playlists/{playlist}"), Some(edit))
            .await
    }

    pub async fn rename(&self, playlist: &str, name: &str) -> anyhow::Result<Snapshot> {
        let details = Details {
            name: Some(name.into()),
            ..Default::default()
        };
        self.change_details(
            playlist,
            &DetailsEdit {
                user_id: None,
                details,
            },
        )
        .await
    }

    pub async fn add_collaborator(
        &self,
        playlist: &str,
        user_id: &str,
    ) -> anyhow::Result<Snapshot> {
        let body = UserRef {
            user_id: user_id.into(),
        };
        self.call(
            Method::POST,
            &format!("/playlists/{playlist}/collaborators"),
            Some(&body),
        )
        .await
    }

    pub async fn follow(&self, playlist: &str, user_id: &str) -> anyhow::Result<()> {
        let body = UserRef {
            user_id: user_id.into(),
        };
        self.call(
            Method::POST,
            &format!("/playlists/{playlist}/followers"),
            Some(&body),
        )
        .await
    }

    pub async fn like(&self, user_id: &str, track_ids: &[impl AsRef<str>]) -> anyhow::Result<()> {
        let body = Ids {
            ids: strings(track_ids),
        };
        self.call(Method::PUT, &format!("/users/{user_id}/liked"), Some(&body))
            .await
    }

    pub async fn unlike(&self, user_id: &str, track_ids: &[impl AsRef<str>]) -> anyhow::Result<()> {
        let body = Ids {
            ids: strings(track_ids),
        };
        self.call(
            Method::DELETE,
            &format!("/users/{user_id}/liked"),
            Some(&body),
        )
        .await
    }

    pub async fn liked(&self, user_id: &str) -> anyhow::Result<Liked> {
        self.get(&format!("/users/{user_id}/liked")).await
    }

    pub async fn record_plays(&self, user_id: &str, plays: &[NewPlay]) -> anyhow::Result<()> {
        let body = NewPlays {
            plays: plays.to_vec(),
        };
        self.call(
            Method::POST,
            &format!("/users/{user_id}/plays"),
            Some(&body),
        )
        .await
    }

    pub async fn clock(&self) -> anyhow::Result<ClockState> {
        self.get("/clock").await
    }

    pub async fn advance(&self, secs: i64) -> anyhow::Result<ClockState> {
        self.call(
            Method::POST,
            "/clock",
            Some(&Advance { advance_secs: secs }),
        )
        .await
    }

    pub async fn set_faults(&self, settings: &FaultSettings) -> anyhow::Result<()> {
        self.call(Method::PUT, "/faults", Some(settings)).await
    }

    pub async fn clear_faults(&self) -> anyhow::Result<()> {
        self.call(Method::DELETE, "/faults", None::<&()>).await
    }

    pub async fn next_faults(&self, fault: &ScriptedFault) -> anyhow::Result<()> {
        self.call(Method::POST, "/faults/next", Some(fault)).await
    }

    pub async fn requests(&self) -> anyhow::Result<Counts> {
        self.get("/requests").await
    }

    pub async fn requests_matching(&self, filter: &CountFilter) -> anyhow::Result<Counts> {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(s) = filter.since_ms {
            q.append_pair("since_ms", &s.to_string());
        }
        if let Some(a) = &filter.app {
            q.append_pair("app", a);
        }
        if let Some(u) = &filter.user {
            q.append_pair("user", u);
        }
        self.get(&format!("/requests?{}", q.finish())).await
    }

    pub async fn reset_requests(&self) -> anyhow::Result<()> {
        self.call(Method::DELETE, "/requests", None::<&()>).await
    }
}

fn strings(items: &[impl AsRef<str>]) -> Vec<String> {
    items.iter().map(|s| s.as_ref().to_string()).collect()
}
