//! Playlists and every edit of them. Each edit, of items or details, gives a new snapshot id.
//! Permission: the owner and collaborators may edit items; only the owner edits details.

use std::collections::BTreeSet;

use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::{World, WorldError, WorldResult};
use crate::ids::ItemUri;

/// Spotify's cap on items in one playlist.
pub const PLAYLIST_CAP: usize = 10_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Playlist {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub description: Option<String>,
    pub public: bool,
    pub collaborative: bool,
    pub collaborators: BTreeSet<String>,
    pub followers: BTreeSet<String>,
    pub entries: Vec<Entry>,
    pub snapshot_id: String,
    /// The snapshot before the last edit (for the `stale_snapshot` fault).
    pub previous_snapshot_id: Option<String>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub uri: String,
    pub added_at: i64,
    pub added_by: String,
}

impl Playlist {
    pub fn can_edit(&self, user: &str) -> bool {
        self.owner == user || self.collaborators.contains(user)
    }
}

/// Changes to a playlist's details; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Details {
    pub name: Option<String>,
    pub description: Option<String>,
    pub public: Option<bool>,
    pub collaborative: Option<bool>,
}

/// Who adds: the Web API refuses local files, the user in the Spotify app may add them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    WebApi,
    App,
}

impl World {
    pub fn create_playlist(
        &mut self,
        owner: &str,
        id: Option<String>,
        details: Details,
    ) -> WorldResult<String> {
        self.user(owner)?;
        let name = details
            .name
            .ok_or_else(|| WorldError::bad("Missing required field: name"))?;
        let public = details.public.unwrap_or(true);
        let collaborative = details.collaborative.unwrap_or(false);
        if public && collaborative {
            return Err(WorldError::bad(
                "You cannot create a public collaborative playlist",
            ));
        }
        let id = id.unwrap_or_else(|| self.fresh_id());
        if self.playlists.contains_key(&id) {
            return Err(WorldError::bad(format!("playlist {id} already exists")));
        }
        let mut playlist = Playlist {
            id: id.clone(),
            owner: owner.to_string(),
            name,
            description: details.description.filter(|d| !d.is_empty()),
            public,
            collaborative,
            collaborators: BTreeSet::new(),
            followers: BTreeSet::new(),
            entries: Vec::new(),
            snapshot_id: String::new(),
            previous_snapshot_id: None,
            version: 0,
        };
        self.bump(&mut playlist);
        self.playlists.insert(id.clone(), playlist);
        self.user_mut(owner)?.library.insert(0, id.clone());
        Ok(id)
    }

    pub fn playlist(&self, id: &str) -> WorldResult<&Playlist> {
        self.playlists
            .get(id)
            .ok_or_else(|| WorldError::not_found("Resource not found"))
    }

    /// Takes the playlist out, checks `actor` may edit it, applies `edit` and gives a new
    /// snapshot when the edit succeeds.
    fn edit<T>(
        &mut self,
        id: &str,
        actor: &str,
        owner_only: bool,
        edit: impl FnOnce(&World, &mut Playlist) -> WorldResult<T>,
    ) -> WorldResult<(T, String)> {
        let mut playlist = self
            .playlists
            .remove(id)
            .ok_or_else(|| WorldError::not_found("Resource not found"))?;
        let allowed = if owner_only {
            playlist.owner == actor
        } else {
            playlist.can_edit(actor)
        };
        let result = if allowed {
            edit(self, &mut playlist)
        } else {
            Err(WorldError::forbidden(
                "You cannot modify a playlist you don't own or collaborate on",
            ))
        };
        if result.is_ok() {
            self.bump(&mut playlist);
        }
        let snapshot = playlist.snapshot_id.clone();
        self.playlists.insert(id.to_string(), playlist);
        result.map(|value| (value, snapshot))
    }

    fn bump(&mut self, playlist: &mut Playlist) {
        playlist.version += 1;
        if !playlist.snapshot_id.is_empty() {
            playlist.previous_snapshot_id = Some(playlist.snapshot_id.clone());
        }
        let mut bytes = [0u8; 24];
        bytes[..8].copy_from_slice(&playlist.version.to_be_bytes());
        self.rng.fill_bytes(&mut bytes[8..]);
        playlist.snapshot_id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    }

    /// Checks URIs for adding: valid, known, and (through the Web API) no local files.
    pub fn check_addable(&self, uris: &[String], via: Via) -> WorldResult<()> {
        for uri in uris {
            match ItemUri::parse(uri) {
                None => return Err(WorldError::bad(format!("Invalid base62 id or uri: {uri}"))),
                Some(ItemUri::Local(_)) if via == Via::WebApi => {
                    return Err(WorldError::bad(
                        "Local tracks cannot be added through the Web API",
                    ))
                }
                Some(ItemUri::Local(_)) => {}
                Some(ItemUri::Track(id)) if !self.tracks.contains_key(&id) => {
                    return Err(WorldError::bad(format!(
                        "Payload contains a non-existing ID: {uri}"
                    )))
                }
                Some(ItemUri::Episode(id)) if !self.episodes.contains_key(&id) => {
                    return Err(WorldError::bad(format!(
                        "Payload contains a non-existing ID: {uri}"
                    )))
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    pub fn add_items(
        &mut self,
        now: i64,
        id: &str,
        actor: &str,
        uris: &[String],
        position: Option<usize>,
        via: Via,
    ) -> WorldResult<String> {
        self.check_addable(uris, via)?;
        self.edit(id, actor, false, |_, p| {
            if p.entries.len() + uris.len() > PLAYLIST_CAP {
                return Err(WorldError::forbidden(format!(
                    "Playlist size limit reached: a playlist holds at most {PLAYLIST_CAP} items"
                )));
            }
            let at = position.unwrap_or(p.entries.len());
            if at > p.entries.len() {
                return Err(WorldError::bad("Index out of bounds"));
            }
            let new = uris.iter().map(|uri| Entry {
                uri: uri.clone(),
                added_at: now,
                added_by: actor.to_string(),
            });
            p.entries.splice(at..at, new);
            Ok(())
        })
        .map(|(_, s)| s)
    }

    /// Removes every occurrence of each URI.
    pub fn remove_items(&mut self, id: &str, actor: &str, uris: &[String]) -> WorldResult<String> {
        self.edit(id, actor, false, |_, p| {
            p.entries.retain(|e| !uris.contains(&e.uri));
            Ok(())
        })
        .map(|(_, s)| s)
    }

    pub fn replace_items(
        &mut self,
        now: i64,
        id: &str,
        actor: &str,
        uris: &[String],
        via: Via,
    ) -> WorldResult<String> {
        self.check_addable(uris, via)?;
        self.edit(id, actor, false, |_, p| {
            if uris.len() > PLAYLIST_CAP {
                return Err(WorldError::forbidden("Playlist size limit reached"));
            }
            p.entries = uris
                .iter()
                .map(|uri| Entry {
                    uri: uri.clone(),
                    added_at: now,
                    added_by: actor.to_string(),
                })
                .collect();
            Ok(())
        })
        .map(|(_, s)| s)
    }

    /// Moves `range_length` items from `range_start` to before `insert_before`, keeping
    /// their `added_at`.
    pub fn reorder_items(
        &mut self,
        id: &str,
        actor: &str,
        range_start: usize,
        insert_before: usize,
        range_length: usize,
    ) -> WorldResult<String> {
        self.edit(id, actor, false, |_, p| {
            let len = p.entries.len();
            let end = range_start.saturating_add(range_length);
            if range_length == 0 || end > len || insert_before > len {
                return Err(WorldError::bad("Index out of bounds"));
            }
            let moved: Vec<Entry> = p.entries.drain(range_start..end).collect();
            let at = if insert_before > range_start {
                insert_before.saturating_sub(range_length).max(range_start)
            } else {
                insert_before
            };
            p.entries.splice(at..at, moved);
            Ok(())
        })
        .map(|(_, s)| s)
    }

    pub fn change_details(
        &mut self,
        id: &str,
        actor: &str,
        details: Details,
    ) -> WorldResult<String> {
        self.edit(id, actor, true, |_, p| {
            let public = details.public.unwrap_or(p.public);
            let collaborative = details.collaborative.unwrap_or(p.collaborative);
            if public && collaborative {
                return Err(WorldError::bad(
                    "You can only set collaborative to true on non-public playlists",
                ));
            }
            if let Some(name) = details.name {
                p.name = name;
            }
            if let Some(description) = details.description {
                p.description = Some(description).filter(|d| !d.is_empty());
            }
            p.public = public;
            p.collaborative = collaborative;
            Ok(())
        })
        .map(|(_, s)| s)
    }

    /// Makes `user` a collaborator: the playlist becomes collaborative (and so private) and
    /// enters the user's library.
    pub fn add_collaborator(&mut self, id: &str, user: &str) -> WorldResult<String> {
        self.user(user)?;
        let owner = self.playlist(id)?.owner.clone();
        let (_, snapshot) = self.edit(id, &owner, true, |_, p| {
            p.collaborative = true;
            p.public = false;
            p.collaborators.insert(user.to_string());
            p.followers.insert(user.to_string());
            Ok(())
        })?;
        self.add_to_library(user, id)?;
        Ok(snapshot)
    }

    /// `user` follows the playlist: it is listed in their library, its items stay unreadable.
    pub fn follow(&mut self, id: &str, user: &str) -> WorldResult<()> {
        self.user(user)?;
        self.playlists
            .get_mut(id)
            .ok_or_else(|| WorldError::not_found("Resource not found"))?
            .followers
            .insert(user.to_string());
        self.add_to_library(user, id)
    }

    fn add_to_library(&mut self, user: &str, id: &str) -> WorldResult<()> {
        let user = self.user_mut(user)?;
        if !user.library.iter().any(|p| p == id) {
            user.library.insert(0, id.to_string());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::AppDefaults;

    fn world_with(n: usize) -> (World, String, Vec<String>) {
        let mut w = World::new(
            1,
            AppDefaults {
                rate_limit_per_30s: 180,
                daily_quota: None,
                ban_extension_ms: 10_000,
            },
        );
        w.create_user("u", None, None, None).unwrap();
        let ids = w.generate_tracks(n, 7);
        let uris: Vec<String> = ids.iter().map(|i| format!("spotify:track:{i}")).collect();
        let p = w
            .create_playlist(
                "u",
                None,
                Details {
                    name: Some("p".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        w.add_items(0, &p, "u", &uris, None, Via::WebApi).unwrap();
        (w, p, uris)
    }

    fn order(w: &World, p: &str, uris: &[String]) -> Vec<usize> {
        w.playlists[p]
            .entries
            .iter()
            .map(|e| uris.iter().position(|u| *u == e.uri).unwrap())
            .collect()
    }

    #[test]
    fn reorder_follows_spotify_examples() {
        let (mut w, p, uris) = world_with(10);
        w.reorder_items(&p, "u", 0, 10, 1).unwrap();
        assert_eq!(order(&w, &p, &uris), vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
        let (mut w, p, uris) = world_with(10);
        w.reorder_items(&p, "u", 9, 0, 1).unwrap();
        assert_eq!(order(&w, &p, &uris), vec![9, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
        let (mut w, p, uris) = world_with(10);
        w.reorder_items(&p, "u", 8, 0, 2).unwrap();
        assert_eq!(order(&w, &p, &uris), vec![8, 9, 0, 1, 2, 3, 4, 5, 6, 7]);
        let (mut w, p, uris) = world_with(5);
        w.reorder_items(&p, "u", 1, 4, 2).unwrap();
        assert_eq!(order(&w, &p, &uris), vec![0, 3, 1, 2, 4]);
    }

    #[test]
    fn every_edit_changes_the_snapshot() {
        let (mut w, p, uris) = world_with(3);
        let s0 = w.playlists[&p].snapshot_id.clone();
        let s1 = w
            .change_details(
                &p,
                "u",
                Details {
                    name: Some("p".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        let s2 = w.remove_items(&p, "u", &uris[..1]).unwrap();
        assert!(s0 != s1 && s1 != s2 && s0 != s2);
    }
}
