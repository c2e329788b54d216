//! JSON in the shapes of Spotify's OpenAPI description (and of what Spotify really sends
//! where the two differ; see the README). Pure functions of world data and the base URL.

pub mod catalog;
pub mod paging;
pub mod playlist;
pub mod user;

/// Where hrefs point: the emulator's `/v1` base.
#[derive(Debug, Clone, Copy)]
pub struct Links<'a> {
    pub api: &'a str,
}

impl Links<'_> {
    pub fn href(&self, kind: &str, id: &str) -> String {
        format!("{}/{kind}s/{id}", self.api)
    }
}

pub fn external_urls(kind: &str, id: &str) -> serde_json::Value {
    serde_json::json!({ "spotify": format!("https://open.spotify.com/{kind}/{id}") })
}
