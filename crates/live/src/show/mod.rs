//! A show's state and its rules. The state changes only through [`Show::apply`] (client ops),
//! [`Show::join`], [`Show::leave`] and [`Show::tick`]; each returns the events to send, the
//! reliable ones already stamped with the next `seq` and kept for replay.
//!
//! Every refusal is decided before anything changes, so a refused op leaves the show exactly
//! as it was. Files: `apply` (authorization and dispatch), `people` (joining, leaving and
//! roles), `moderation` (mutes, removals, bans), `hands`, `comments`, `play` (playback and
//! the show's end), `ephemeral` (reactions, audience counts, the clock), `welcome`
//! (snapshots and resumes), `redo` (taking a show back from its stored state and events).

mod apply;
mod comments;
mod ephemeral;
mod hands;
mod moderation;
mod people;
mod play;
mod redo;
mod welcome;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

pub use people::Joined;

use crate::event::{Event, EventKind};
use crate::payload::{Comment, ShowState};
use crate::playback::Playback;
use crate::refusal::Refusal;
use crate::replay::Replay;
use crate::role::{Role, UserId};
use crate::settings::Settings;
use crate::track::Playlist;

/// What a show is before it goes live: from the REST API's show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowInfo {
    pub id: String,
    pub title: String,
    pub creator: UserId,
    pub playlist: Playlist,
}

/// One live show's state. `Clone` and `Eq` so that tests can compare before and after; the
/// caller may persist it with serde.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Show {
    info: ShowInfo,
    settings: Settings,
    ended: bool,
    /// Who is here now. Their role is [`Show::standing`].
    present: BTreeSet<UserId>,
    /// Moderators and speakers, present or away: someone who leaves and comes back keeps the
    /// role. The creator is not listed (the role is theirs by `info.creator`); listeners are
    /// the default.
    grants: BTreeMap<UserId, Role>,
    /// Muted from comments (and speaking); kept while the user is away.
    muted: BTreeSet<UserId>,
    /// Banned users, with the role they had when banned (only someone above it may unban).
    banned: BTreeMap<UserId, Role>,
    /// Raised hands, in the order raised; only present listeners.
    hands: Vec<UserId>,
    /// The latest comments, oldest first.
    comments: VecDeque<Comment>,
    /// The author of every comment of the show not deleted, by id.
    authors: BTreeMap<String, UserId>,
    /// The number the next state-assigned comment id starts from.
    next_comment: u64,
    last_comment_at: BTreeMap<UserId, i64>,
    slow_mode: u32,
    playback: Playback,
    replay: Replay,
    /// Reactions not sent yet: emoji and count, in the order first seen.
    reactions: Vec<(String, u64)>,
    /// The audience count clients were last told.
    audience_sent: usize,
    /// When ephemeral events were last sent.
    flushed_at: Option<i64>,
}

impl Show {
    /// A show going live at `now_ms`, with nobody in it yet.
    pub fn new(info: ShowInfo, settings: Settings, now_ms: i64) -> Show {
        Show {
            info,
            ended: false,
            present: BTreeSet::new(),
            grants: BTreeMap::new(),
            muted: BTreeSet::new(),
            banned: BTreeMap::new(),
            hands: Vec::new(),
            comments: VecDeque::new(),
            authors: BTreeMap::new(),
            next_comment: 1,
            last_comment_at: BTreeMap::new(),
            slow_mode: settings.slow_mode_seconds,
            playback: Playback::stopped(now_ms),
            replay: Replay::new(settings.replay_window_ms, settings.replay_max_events),
            reactions: Vec::new(),
            audience_sent: 0,
            flushed_at: None,
            settings,
        }
    }

    pub fn id(&self) -> &str {
        &self.info.id
    }

    pub fn creator(&self) -> &str {
        &self.info.creator
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn state(&self) -> ShowState {
        if self.ended {
            ShowState::Ended
        } else {
            ShowState::Live
        }
    }

    /// The role of a user who is present.
    pub fn role(&self, user: &str) -> Option<Role> {
        self.is_present(user).then(|| self.standing(user))
    }

    pub fn is_present(&self, user: &str) -> bool {
        self.present.contains(user)
    }

    /// Everyone present, with their role, by user id.
    pub fn participants(&self) -> impl Iterator<Item = (&str, Role)> {
        self.present.iter().map(|u| (u.as_str(), self.standing(u)))
    }

    /// How many are present.
    pub fn audience(&self) -> usize {
        self.present.len()
    }

    pub fn hands(&self) -> &[UserId] {
        &self.hands
    }

    pub fn is_muted(&self, user: &str) -> bool {
        self.muted.contains(user)
    }

    pub fn is_banned(&self, user: &str) -> bool {
        self.banned.contains_key(user)
    }

    pub fn banned(&self) -> impl Iterator<Item = &str> {
        self.banned.keys().map(String::as_str)
    }

    /// The latest comments, oldest first.
    pub fn comments(&self) -> impl Iterator<Item = &Comment> {
        self.comments.iter()
    }

    pub fn playlist(&self) -> &Playlist {
        &self.info.playlist
    }

    pub fn playback(&self) -> &Playback {
        &self.playback
    }

    /// Seconds between two comments of a listener or speaker.
    pub fn slow_mode(&self) -> u32 {
        self.slow_mode
    }

    /// The `seq` of the last reliable event (0 before any).
    pub fn seq(&self) -> u64 {
        self.replay.last_seq()
    }

    /// The `seq` of the oldest event kept for replay (`seq() + 1` when none is): stored events
    /// before it are no longer needed.
    pub fn replay_first_seq(&self) -> u64 {
        self.replay.first_seq()
    }

    /// Whether `user` was removed by a moderator from `since` (Unix ms) on, as far as the
    /// replay buffer still holds: what a show taken back from storage knows of removals, for
    /// refusing the resume of a removed session it never saw.
    pub fn removed_since(&self, user: &str, since: i64) -> bool {
        self.replay.removed_since(user, since)
    }

    /// A user's role whether present or not: the creator, a granted role, or listener.
    fn standing(&self, user: &str) -> Role {
        if user == self.info.creator {
            Role::Creator
        } else {
            self.grants.get(user).copied().unwrap_or(Role::Listener)
        }
    }

    /// Stamps a reliable event with the next `seq`, keeps it for replay, and adds it to `out`.
    fn emit(&mut self, out: &mut Vec<Event>, kind: EventKind, now: i64) {
        debug_assert!(kind.is_reliable());
        let event = Event {
            kind,
            seq: Some(self.replay.last_seq() + 1),
            ts: now,
        };
        self.replay.push(event.clone());
        out.push(event);
    }
}

/// Refuses unless `role` moderates; `what` completes "only moderators …".
fn moderator_only(role: Role, what: &str) -> Result<(), Refusal> {
    if role.moderates() {
        Ok(())
    } else {
        Err(Refusal::forbidden(format!(
            "only moderators and the creator {what}; you are a {role}"
        )))
    }
}

/// The refusal for naming someone who is not in the show.
fn not_here(user: &str) -> Refusal {
    Refusal::not_found(format!("`{user}` is not in the show"))
}
