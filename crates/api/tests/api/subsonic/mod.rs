//! The OpenSubsonic API (`/rest`) through a real server: signing in and each failure code
//! (`auth.rs`), browsing and lists (`browse.rs`), playlists and who may see and change them
//! (`playlists.rs`), streams, cover art, stars, ratings and scrobbles (`media.rs`), and a
//! third-party client from PyPI driving it all (`client.rs`). Each test gets its own database
//! and library: three generated songs by two artists.

mod auth;
mod browse;
mod client;
mod media;
mod playlists;

use std::collections::BTreeMap;

use medley_audio::testing::Written;
use medley_store::Backend;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::audio_harness::AudioApp;

/// A server with a scanned library and an API key for its administrator.
pub struct Sub {
    pub a: AudioApp,
    pub key: String,
}

impl std::ops::Deref for Sub {
    type Target = AudioApp;
    fn deref(&self) -> &AudioApp {
        &self.a
    }
}

/// A fetched response: status, headers, bytes.
pub struct Raw {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_else(|| panic!("no {name} header"))
    }
}

fn song(title: &str, artist: &str, album: &str, track: u32, date: &str, genre: &str) -> Written {
    Written {
        track: Some(track),
        date: Some(date.into()),
        genre: Some(genre.into()),
        ..Written::song(title, artist, album)
    }
}

impl Sub {
    /// The library: "The Sines" – "Waves" (2003, Ambient): Hum, Drone; "Pulse" – "Beats"
    /// (2010, Techno): Kick.
    pub async fn spawn(backend: Backend) -> Option<Sub> {
        Sub::fill(AudioApp::spawn(backend).await?).await
    }

    /// The same library on a server that transcodes with the installed ffmpeg.
    pub async fn spawn_transcoding() -> Option<Sub> {
        Sub::fill(AudioApp::spawn_transcoding("ffmpeg", 2).await?).await
    }

    async fn fill(a: AudioApp) -> Option<Sub> {
        let sines = |t, n| song(t, "The Sines", "Waves", n, "2003", "Ambient");
        a.put_wav("The Sines/Waves/01 Hum.wav", 1_500, 220.0, &sines("Hum", 1));
        a.put_wav(
            "The Sines/Waves/02 Drone.wav",
            1_200,
            330.0,
            &sines("Drone", 2),
        );
        a.put_wav(
            "Pulse/Beats/01 Kick.wav",
            1_000,
            440.0,
            &song("Kick", "Pulse", "Beats", 1, "2010", "Techno"),
        );
        a.scan_music().await;
        let key = create_key(&a, &a.admin, "test player").await;
        Some(Sub { a, key })
    }

    /// `GET /rest/{method}` with the administrator's key and `f=json`: the
    /// `subsonic-response` object (the HTTP status must be 200).
    pub async fn json(&self, method: &str, params: &[(&str, &str)]) -> Value {
        self.json_with(method, &[&[("apiKey", self.key.as_str())], params].concat())
            .await
    }

    /// `GET /rest/{method}?f=json` with exactly `params` (credentials included).
    pub async fn json_with(&self, method: &str, params: &[(&str, &str)]) -> Value {
        let r = self.raw(method, &[&[("f", "json")], params].concat()).await;
        assert_eq!(r.status, StatusCode::OK, "{method}");
        assert_eq!(r.header("content-type"), "application/json", "{method}");
        let v: Value = serde_json::from_slice(&r.body).expect("a JSON body");
        v["subsonic-response"].clone()
    }

    /// The same request in XML (the default format): the document.
    pub async fn xml(&self, method: &str, params: &[(&str, &str)]) -> String {
        let r = self
            .raw(method, &[&[("apiKey", self.key.as_str())], params].concat())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{method}");
        assert!(r.header("content-type").starts_with("text/xml"), "{method}");
        String::from_utf8(r.body).unwrap()
    }

    /// `GET /rest/{method}` with exactly `params`.
    pub async fn raw(&self, method: &str, params: &[(&str, &str)]) -> Raw {
        self.raw_with_headers(method, params, &[]).await
    }

    pub async fn raw_with_headers(
        &self,
        method: &str,
        params: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Raw {
        let mut req = self
            .http
            .get(format!("{}/rest/{method}", self.base))
            .query(params);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("request sent");
        Raw {
            status: res.status(),
            headers: res.headers().clone(),
            body: res.bytes().await.unwrap().to_vec(),
        }
    }

    /// The id of the song titled `title`, found through `search3`.
    pub async fn song_id(&self, title: &str) -> String {
        let r = self.json("search3", &[("query", title)]).await;
        ok(&r);
        let songs = r["searchResult3"]["song"].as_array().unwrap();
        let found: Vec<&Value> = songs.iter().filter(|s| s["title"] == title).collect();
        assert_eq!(found.len(), 1, "songs titled {title}: {songs:?}");
        found[0]["id"].as_str().unwrap().to_owned()
    }

    /// A second user with a key of their own: (user id, bearer token, API key).
    pub async fn other_user(&self, name: &str) -> (String, String, String) {
        let (id, token) = self.user(name).await;
        let key = create_key(&self.a, &token, "their player").await;
        (id, token, key)
    }
}

/// Creates an API key through `/v1` as the holder of `token`; returns the key.
pub async fn create_key(a: &AudioApp, token: &str, name: &str) -> String {
    let r = a
        .post(
            "/v1/me/subsonic/api-keys",
            Some(token),
            json!({"name": name}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["key"].as_str().unwrap().to_owned()
}

/// Asserts a successful response with the envelope every response carries.
#[track_caller]
pub fn ok(r: &Value) {
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(r["openSubsonic"], true, "{r}");
    assert_eq!(r["type"], "medley", "{r}");
    assert_eq!(r["version"], "1.16.1", "{r}");
    assert!(r["serverVersion"].is_string(), "{r}");
}

/// Asserts a failure with Subsonic's error `code`.
#[track_caller]
pub fn failed(r: &Value, code: i64) {
    assert_eq!(r["status"], "failed", "{r}");
    assert_eq!(r["error"]["code"], code, "{r}");
    assert!(
        !r["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{r}"
    );
}

/// The attributes of every `name` element of an XML document, in document order.
pub fn elements(xml: &str, name: &str) -> Vec<BTreeMap<String, String>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == name.as_bytes() => {
                out.push(
                    e.attributes()
                        .map(|a| {
                            let a = a.unwrap();
                            (
                                String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                                a.unescape_value().unwrap().into_owned(),
                            )
                        })
                        .collect(),
                );
            }
            Event::Eof => return out,
            _ => {}
        }
    }
}

/// The text of every `name` element.
pub fn texts(xml: &str, name: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut out, mut inside) = (Vec::new(), false);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => inside = e.name().as_ref() == name.as_bytes(),
            Event::Text(t) if inside => out.push(t.decode().unwrap().into_owned()),
            Event::End(_) => inside = false,
            Event::Eof => return out,
            _ => {}
        }
    }
}
