//! Accounts and what the user does in the Spotify app: Liked Songs and plays.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::{World, WorldError, WorldResult};

/// Only the most recent plays are reachable through `/me/player/recently-played`.
pub const RECENT_PLAYS_KEPT: usize = 50;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub display_name: String,
    pub country: String,
    pub product: String,
    pub email: String,
    /// The profile picture, if any.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Playlists in the user's library (owned, followed, collaborating), newest first.
    pub library: Vec<String>,
    /// Liked Songs, newest first.
    pub liked: Vec<Saved>,
    /// Recent plays, newest first, at most [`RECENT_PLAYS_KEPT`].
    pub plays: VecDeque<Play>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub track_id: String,
    pub added_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Play {
    pub track_id: String,
    pub played_at: i64,
    pub context_uri: Option<String>,
}

impl World {
    pub fn create_user(
        &mut self,
        id: &str,
        display_name: Option<String>,
        country: Option<String>,
        product: Option<String>,
    ) -> WorldResult<&User> {
        if id.is_empty() || id.contains(['/', ':', ' ']) {
            return Err(WorldError::bad(format!("invalid user id {id:?}")));
        }
        if self.users.contains_key(id) {
            return Err(WorldError::bad(format!("user {id} already exists")));
        }
        let user = User {
            id: id.to_string(),
            display_name: display_name.unwrap_or_else(|| id.to_string()),
            country: country.unwrap_or_else(|| "SE".into()),
            product: product.unwrap_or_else(|| "premium".into()),
            email: format!("{id}@example.com"),
            image_url: None,
            library: Vec::new(),
            liked: Vec::new(),
            plays: VecDeque::new(),
        };
        if self.browser_user.is_none() {
            self.browser_user = Some(id.to_string());
        }
        self.users.insert(id.to_string(), user);
        Ok(&self.users[id])
    }

    pub fn user(&self, id: &str) -> WorldResult<&User> {
        self.users
            .get(id)
            .ok_or_else(|| WorldError::not_found(format!("no user {id}")))
    }

    pub fn user_mut(&mut self, id: &str) -> WorldResult<&mut User> {
        self.users
            .get_mut(id)
            .ok_or_else(|| WorldError::not_found(format!("no user {id}")))
    }

    /// Likes tracks; already-liked ones keep their date. Unknown ids fail before any change.
    pub fn like(&mut self, now: i64, user: &str, ids: &[String]) -> WorldResult<()> {
        self.check_tracks_exist(ids)?;
        let user = self.user_mut(user)?;
        for id in ids {
            if !user.liked.iter().any(|s| &s.track_id == id) {
                user.liked.insert(
                    0,
                    Saved {
                        track_id: id.clone(),
                        added_at: now,
                    },
                );
            }
        }
        Ok(())
    }

    pub fn unlike(&mut self, user: &str, ids: &[String]) -> WorldResult<()> {
        let user = self.user_mut(user)?;
        user.liked.retain(|s| !ids.contains(&s.track_id));
        Ok(())
    }

    fn check_tracks_exist(&self, ids: &[String]) -> WorldResult<()> {
        match ids.iter().find(|id| !self.tracks.contains_key(*id)) {
            Some(id) => Err(WorldError::not_found(format!("Non existing id: '{id}'"))),
            None => Ok(()),
        }
    }

    /// Records a finished play; only the newest [`RECENT_PLAYS_KEPT`] are kept.
    pub fn record_play(&mut self, user: &str, play: Play) -> WorldResult<()> {
        self.check_tracks_exist(std::slice::from_ref(&play.track_id))?;
        let user = self.user_mut(user)?;
        let at = user
            .plays
            .iter()
            .position(|p| p.played_at < play.played_at)
            .unwrap_or(user.plays.len());
        user.plays.insert(at, play);
        user.plays.truncate(RECENT_PLAYS_KEPT);
        Ok(())
    }

    pub fn sign_in_browser(&mut self, user: &str, denies: bool) -> WorldResult<()> {
        self.user(user)?;
        self.browser_user = Some(user.to_string());
        self.browser_denies = denies;
        Ok(())
    }
}
