//! Stream URLs in a listener's frames. A show's state names each of its Medley tracks that
//! has audio by its stream path (`"stream_url":"/v1/tracks/<id>/stream"`), the same for
//! everyone, so that the actor serialises a frame once for all; each connection signs the
//! paths of the frames it sends for its own user, at the moment it sends them (`welcome`,
//! `playback`, and `playback` events replayed on a resume). A listener's `<audio>` element
//! then fetches the signed URL without a token.
//!
//! How long a URL holds: an `<audio>` element asks for byte ranges for as long as the track
//! plays (buffering, seeking, a network change), so the URL must outlive the track from the
//! moment its frame arrives: the configured lifetime of signed URLs, or the show's longest
//! track plus five minutes if that is longer. Expiries are rounded up to ten minutes, so a
//! listener who gets several frames about the same track (a pause, a seek) gets the same URL
//! and a player comparing `src` need not reload. Every frame is signed anew, so a show paused
//! for hours hands out fresh URLs when it plays again.
//!
//! Why the paths can be found without parsing: frames are compact JSON written by
//! `serde_json`, where a `"` inside a string is always escaped (`\"`), so the text
//! `"stream_url":"` (a quote right after `l`) occurs only as a key and its string value,
//! never inside a comment, a title or a name.

use std::borrow::Cow;
use std::sync::Arc;

use medley_domain::{TrackId, UserId};

use crate::library::{streams, Audio};

const MARK: &str = "\"stream_url\":\"/v1/tracks/";
const TAIL: &str = "/stream\"";
/// Beyond the longest track, for a late start and buffering.
const MARGIN_S: i64 = 300;
/// Expiries are multiples of this.
const ROUND_S: i64 = 600;

/// The stream path a show's state holds for a track with audio.
pub(crate) fn stream_path(track_id: &TrackId) -> String {
    format!("/v1/tracks/{track_id}/stream")
}

/// Signs a connection's frames for its user.
#[derive(Clone)]
pub struct Links {
    audio: Arc<Audio>,
    base: String,
    user: UserId,
    lifetime_s: i64,
}

impl Links {
    /// Links for `user`, from the server's public URL `base` (see [`Links::covering`]).
    pub(crate) fn new(audio: Arc<Audio>, base: &str, user: &UserId) -> Links {
        let ttl = audio.settings.stream_url_ttl.as_secs() as i64;
        Links {
            audio,
            base: base.trim_end_matches('/').to_owned(),
            user: user.clone(),
            lifetime_s: ttl.max(1),
        }
    }

    /// These links in a show whose longest track lasts `longest_track_ms`.
    pub(crate) fn covering(self, longest_track_ms: i64) -> Links {
        let longest_s = (longest_track_ms.max(0) + 999) / 1000;
        Links {
            lifetime_s: self.lifetime_s.max(longest_s + MARGIN_S),
            ..self
        }
    }

    /// Whether a frame has stream paths to sign.
    pub(crate) fn signs(frame: &str) -> bool {
        frame.contains(MARK)
    }

    /// Until when a URL signed at `now_s` holds.
    pub fn expires(&self, now_s: i64) -> i64 {
        let until = now_s + self.lifetime_s;
        (until + ROUND_S - 1).div_euclid(ROUND_S) * ROUND_S
    }

    /// `frame` with each stream path replaced by a URL signed for this user at `now_s`
    /// (Unix seconds); the frame itself when it has none.
    pub fn sign<'a>(&self, frame: &'a str, now_s: i64) -> Cow<'a, str> {
        if !Links::signs(frame) {
            return Cow::Borrowed(frame);
        }
        let expires = self.expires(now_s);
        let mut out = String::with_capacity(frame.len() + 256);
        let mut rest = frame;
        while let Some(at) = rest.find(MARK) {
            let after = &rest[at + MARK.len()..];
            let id_len = after.find(TAIL).filter(|&n| {
                n > 0
                    && after[..n]
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
            let Some(n) = id_len else {
                // Not a path the show wrote: left as it is.
                out.push_str(&rest[..at + MARK.len()]);
                rest = after;
                continue;
            };
            out.push_str(&rest[..at]);
            out.push_str("\"stream_url\":\"");
            out.push_str(&streams::signed_url(
                &self.audio,
                &self.base,
                &self.user,
                &after[..n],
                expires,
            ));
            out.push('"');
            rest = &after[n + TAIL.len()..];
        }
        out.push_str(rest);
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use medley_audio::UrlSigner;
    use serde_json::{json, Value};

    fn links(longest_ms: i64) -> Links {
        let dir = std::env::temp_dir();
        let audio = Audio::new(
            medley_audio::Storage::local(&dir),
            UrlSigner::from_secret(b"k"),
            crate::library::AudioSettings::default(),
        );
        Links::new(Arc::new(audio), "http://host:8080/", &UserId::from("u1")).covering(longest_ms)
    }

    fn query(url: &str) -> Vec<(String, String)> {
        url.split_once('?')
            .unwrap()
            .1
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }

    #[test]
    fn every_stream_path_is_signed_for_the_user_and_nothing_else_changes() {
        let l = links(200_000);
        let frame = json!({"op": "welcome", "d": {
            "show": {"playlist": {"tracks": [
                {"uri": "medley:track:t1", "stream_url": "/v1/tracks/t1/stream"},
                {"uri": "medley:track:t2", "spotify_uri": "spotify:track:x"}]}},
            "playback": {"track": {"uri": "medley:track:t1", "stream_url": "/v1/tracks/t1/stream"}},
            "comments": [{"text": "\"stream_url\":\"/v1/tracks/t9/stream\""}]}})
        .to_string();
        let signed: Value = serde_json::from_str(&l.sign(&frame, 1_000_000)).unwrap();
        let url = signed["d"]["playback"]["track"]["stream_url"]
            .as_str()
            .unwrap();
        assert!(
            url.starts_with("http://host:8080/v1/tracks/t1/stream?"),
            "{url}"
        );
        let q = query(url);
        assert_eq!(q[0], ("user".into(), "u1".into()));
        let expires: i64 = q[1].1.parse().unwrap();
        assert_eq!(expires, l.expires(1_000_000));
        l.audio
            .signer
            .verify("t1", "u1", expires, &q[2].1, 1_000_000)
            .unwrap();
        assert_eq!(
            signed["d"]["show"]["playlist"]["tracks"][0]["stream_url"],
            url
        );
        assert!(signed["d"]["show"]["playlist"]["tracks"][1]
            .get("stream_url")
            .is_none());
        // Text that only looks like a path inside a string stays as it was.
        assert_eq!(
            signed["d"]["comments"][0]["text"],
            "\"stream_url\":\"/v1/tracks/t9/stream\""
        );
    }

    #[test]
    fn a_frame_without_paths_is_not_copied() {
        let l = links(0);
        let frame = r#"{"op":"comment","d":{"text":"/v1/tracks/t1/stream"},"seq":3}"#;
        assert!(matches!(l.sign(frame, 5), Cow::Borrowed(_)));
    }

    #[test]
    fn a_url_outlives_the_longest_track_and_is_stable_for_a_while() {
        // The configured hour, when tracks are shorter.
        let short = links(200_000);
        let e = short.expires(1_000_000);
        assert!((1_003_600..1_004_200).contains(&e), "{e}");
        assert_eq!(short.expires(1_000_001), e, "the same URL a second later");
        // A two-hour mix: its length plus the margin.
        let long = links(7_200_000);
        assert!(long.expires(1_000_000) >= 1_000_000 + 7_200 + 300);
    }
}
