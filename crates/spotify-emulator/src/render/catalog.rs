//! Tracks, local files and episodes.

use serde_json::{json, Value};

use super::{external_urls, Links};
use crate::ids::LocalFile;
use crate::world::catalog::Resolved;
use crate::world::{Episode, Named, Track, World};

pub const MARKETS: &[&str] = &["DE", "FR", "GB", "SE", "US"];

fn artist(links: Links, a: &Named) -> Value {
    json!({
        "external_urls": external_urls("artist", &a.id),
        "href": links.href("artist", &a.id),
        "id": a.id,
        "name": a.name,
        "type": "artist",
        "uri": format!("spotify:artist:{}", a.id),
    })
}

fn album(links: Links, t: &Track) -> Value {
    json!({
        "album_type": "album",
        "total_tracks": t.track_number.max(10),
        "available_markets": MARKETS,
        "external_urls": external_urls("album", &t.album.id),
        "href": links.href("album", &t.album.id),
        "id": t.album.id,
        "images": [{
            "url": format!("https://i.scdn.co/image/{}", t.album.id),
            "height": 640,
            "width": 640,
        }],
        "name": t.album.name,
        "release_date": t.album_release_date,
        "release_date_precision": "day",
        "type": "album",
        "uri": format!("spotify:album:{}", t.album.id),
        "artists": t.artists.iter().take(1).map(|a| artist(links, a)).collect::<Vec<_>>(),
    })
}

/// TrackObject of a catalog track, as itself.
pub fn track(links: Links, t: &Track) -> Value {
    json!({
        "album": album(links, t),
        "artists": t.artists.iter().map(|a| artist(links, a)).collect::<Vec<_>>(),
        "available_markets": if t.available { MARKETS.to_vec() } else { Vec::new() },
        "disc_number": 1,
        "duration_ms": t.duration_ms,
        "explicit": t.explicit,
        "external_ids": { "isrc": t.isrc },
        "external_urls": external_urls("track", &t.id),
        "href": links.href("track", &t.id),
        "id": t.id,
        "is_local": false,
        "name": t.name,
        "popularity": 50,
        "preview_url": null,
        "track_number": t.track_number,
        "type": "track",
        "uri": format!("spotify:track:{}", t.id),
    })
}

fn linked_from(links: Links, t: &Track) -> Value {
    json!({
        "external_urls": external_urls("track", &t.id),
        "href": links.href("track", &t.id),
        "id": t.id,
        "type": "track",
        "uri": format!("spotify:track:{}", t.id),
    })
}

/// How a track id reads outside playlists (`/tracks/{id}`, Liked Songs, recently played):
/// relinked tracks show the stand-in with `linked_from`; unavailable ones show themselves,
/// not playable.
pub fn track_anywhere(links: Links, world: &World, id: &str) -> Option<Value> {
    match world.resolve_track(id) {
        Resolved::Playable(t) => Some(track(links, t)),
        Resolved::Relinked { shown, original } => {
            let mut v = track(links, shown);
            v["is_playable"] = json!(true);
            v["linked_from"] = linked_from(links, original);
            Some(v)
        }
        Resolved::Unavailable(t) => {
            let mut v = track(links, t);
            v["is_playable"] = json!(false);
            v["restrictions"] = json!({ "reason": "market" });
            Some(v)
        }
        Resolved::Missing => None,
    }
}

/// How a track reads as a playlist item: unavailable tracks are `null`.
pub fn track_in_playlist(links: Links, world: &World, id: &str) -> Value {
    match world.resolve_track(id) {
        Resolved::Playable(_) | Resolved::Relinked { .. } => {
            track_anywhere(links, world, id).unwrap_or(Value::Null)
        }
        Resolved::Unavailable(_) | Resolved::Missing => Value::Null,
    }
}

/// The minimal track object Spotify gives a local file: no id, no links.
pub fn local_track(uri: &str, f: &LocalFile) -> Value {
    json!({
        "artists": [{ "name": f.artist, "type": "artist" }],
        "available_markets": [],
        "disc_number": 0,
        "duration_ms": f.seconds * 1_000,
        "explicit": false,
        "external_ids": {},
        "external_urls": {},
        "id": null,
        "is_local": true,
        "name": f.title,
        "popularity": 0,
        "preview_url": null,
        "track_number": 0,
        "type": "track",
        "uri": uri,
    })
}

pub fn episode(links: Links, e: &Episode) -> Value {
    json!({
        "audio_preview_url": null,
        "description": e.description,
        "html_description": format!("<p>{}</p>", e.description),
        "duration_ms": e.duration_ms,
        "explicit": e.explicit,
        "external_urls": external_urls("episode", &e.id),
        "href": links.href("episode", &e.id),
        "id": e.id,
        "images": [],
        "is_externally_hosted": false,
        "is_playable": true,
        "language": "en",
        "languages": ["en"],
        "name": e.name,
        "release_date": e.release_date,
        "release_date_precision": "day",
        "type": "episode",
        "uri": format!("spotify:episode:{}", e.id),
        "show": {
            "available_markets": MARKETS,
            "copyrights": [],
            "description": format!("{} — a show", e.show.name),
            "html_description": format!("<p>{} — a show</p>", e.show.name),
            "explicit": false,
            "external_urls": external_urls("show", &e.show.id),
            "href": links.href("show", &e.show.id),
            "id": e.show.id,
            "images": [],
            "is_externally_hosted": false,
            "languages": ["en"],
            "media_type": "audio",
            "name": e.show.name,
            "publisher": e.publisher,
            "type": "show",
            "uri": format!("spotify:show:{}", e.show.id),
            "total_episodes": 1,
        },
    })
}
