//! Playlist objects and playlist items.

use serde_json::{json, Value};

use super::catalog::{episode, local_track, track_in_playlist};
use super::user::{owner, playlist_user};
use super::{external_urls, Links};
use crate::clock::iso_secs;
use crate::ids::ItemUri;
use crate::world::{Entry, Playlist, World};

fn base(links: Links, world: &World, p: &Playlist) -> Value {
    let owner_name = world.users.get(&p.owner).map(|u| u.display_name.as_str());
    json!({
        "collaborative": p.collaborative,
        "description": p.description.clone().unwrap_or_default(),
        "external_urls": external_urls("playlist", &p.id),
        "href": links.href("playlist", &p.id),
        "id": p.id,
        "images": [],
        "name": p.name,
        "owner": owner(links, &p.owner, owner_name),
        "public": p.public,
        "snapshot_id": p.snapshot_id,
        "type": "playlist",
        "uri": format!("spotify:playlist:{}", p.id),
    })
}

/// Under the `stale_snapshot` fault: the snapshot id from before the last edit.
pub fn show_stale_snapshot(v: &mut Value, p: &Playlist) {
    if let Some(previous) = &p.previous_snapshot_id {
        v["snapshot_id"] = json!(previous);
    }
}

/// SimplifiedPlaylistObject, as in `/me/playlists`: `items` (and the older `tracks`) hold
/// only `{href, total}`.
pub fn simplified(links: Links, world: &World, p: &Playlist) -> Value {
    let mut v = base(links, world, p);
    let total = p.entries.len();
    v["items"] =
        json!({ "href": format!("{}/items", links.href("playlist", &p.id)), "total": total });
    v["tracks"] =
        json!({ "href": format!("{}/tracks", links.href("playlist", &p.id)), "total": total });
    v
}

/// PlaylistObject; `page` is the first page of items, given only to owner and collaborators.
pub fn full(links: Links, world: &World, p: &Playlist, page: Option<Value>) -> Value {
    let mut v = base(links, world, p);
    v["description"] = json!(p.description);
    v["followers"] = json!({ "href": null, "total": p.followers.len() });
    if let Some(page) = page {
        v["items"] = page.clone();
        v["tracks"] = page;
    }
    v
}

/// PlaylistTrackObject: `item` and its deprecated twin `track`.
pub fn item(links: Links, world: &World, e: &Entry, episodes: bool) -> Value {
    let (is_local, object) = match ItemUri::parse(&e.uri) {
        Some(ItemUri::Track(id)) => (false, track_in_playlist(links, world, &id)),
        Some(ItemUri::Episode(id)) => match world.episodes.get(&id) {
            Some(ep) if episodes => (false, episode(links, ep)),
            _ => (false, Value::Null),
        },
        Some(ItemUri::Local(f)) => (true, local_track(&e.uri, &f)),
        None => (false, Value::Null),
    };
    json!({
        "added_at": iso_secs(e.added_at),
        "added_by": playlist_user(links, &e.added_by),
        "is_local": is_local,
        "item": object.clone(),
        "track": object,
    })
}
