//! Live shows: the show as the REST API knows it, who may see it (visibility, invites,
//! guests), the live state a restart needs, and what a show leaves behind (comments, bans,
//! history). The live state and what the show's actor records are written together, one
//! transaction per batch ([`ShowStore::write_live`]). The SQL is in `sql.rs`.

mod sql;

use async_trait::async_trait;
use medley_domain::{Id, PlaylistId, ShowId, UserId};

use crate::error::Result;

medley_domain::text_enum! {
    /// Where a show is in its life (stored as this text). It only moves forward.
    pub enum ShowState {
        /// Created; its creator may still change its playlist.
        Scheduled = "scheduled",
        /// Started: people may join.
        Live = "live",
        /// Over: what it recorded is kept.
        Ended = "ended",
    }
}

impl ShowState {
    /// The stored spelling (as [`TextEnum::as_str`](medley_domain::text::TextEnum::as_str),
    /// callable without importing the trait).
    pub fn as_str(self) -> &'static str {
        medley_domain::text::TextEnum::as_str(self)
    }
}

medley_domain::text_enum! {
    /// Who may see and join a show besides its creator (stored as this text).
    pub enum ShowVisibility {
        /// Anyone signed in.
        Public = "public",
        /// Those who follow the creator.
        Followers = "followers",
        /// Those who opened one of its invite links.
        Invite = "invite",
    }
}

impl ShowVisibility {
    /// The stored spelling, callable without importing the trait.
    pub fn as_str(self) -> &'static str {
        medley_domain::text::TextEnum::as_str(self)
    }
}

/// A show as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredShow {
    pub id: ShowId,
    pub creator_id: UserId,
    pub title: String,
    pub description: Option<String>,
    pub playlist_id: Option<PlaylistId>,
    pub visibility: ShowVisibility,
    pub state: ShowState,
    pub scheduled_for_ms: Option<i64>,
    pub started_at_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

#[derive(Clone, Debug)]
pub struct NewShow {
    pub id: ShowId,
    pub creator_id: UserId,
    pub title: String,
    pub description: Option<String>,
    pub playlist_id: Option<PlaylistId>,
    pub visibility: ShowVisibility,
    pub scheduled_for_ms: Option<i64>,
    pub now_ms: i64,
}

/// An edit of a show's details: `None` leaves a field as it is; `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct ShowChange {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub playlist_id: Option<Option<PlaylistId>>,
    pub visibility: Option<ShowVisibility>,
    pub scheduled_for_ms: Option<Option<i64>>,
}

/// The actor's state (JSON) as of the reliable event `seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveState {
    pub state: String,
    pub seq: i64,
}

/// A comment; `seq` is its event's and orders the show's comments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShowComment {
    pub id: String,
    pub seq: i64,
    pub user_id: Id,
    pub text: String,
    pub at_ms: i64,
}

/// One entry of a show's history: a reliable event's `op` and `d` (JSON text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub seq: i64,
    pub at_ms: i64,
    pub op: String,
    pub data: String,
}

/// A reliable event of a live show as its replay buffer holds it (JSON text), stored so that a
/// server taking the show back can answer resumes; kept only while the buffer would.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveEvent {
    pub seq: i64,
    pub at_ms: i64,
    pub event: String,
}

/// A change to a live show's resumable sessions, in the order the actor made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionChange {
    Opened { session: String, user: Id },
    Closed { session: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShowBan {
    pub user_id: Id,
    pub by_id: Id,
    pub at_ms: i64,
}

/// What a live show's actor records, in event order, written in one transaction.
#[derive(Clone, Debug, Default)]
pub struct LiveWrite {
    pub comments: Vec<ShowComment>,
    /// Comments deleted: id, by whom, when.
    pub deleted: Vec<(String, Id, i64)>,
    pub bans: Vec<ShowBan>,
    pub unbans: Vec<Id>,
    pub history: Vec<HistoryEntry>,
    /// Reliable events for the replay buffer (written again with the same `seq`: replaced).
    pub events: Vec<LiveEvent>,
    /// Stored events before this `seq` are no longer needed: deleted.
    pub events_from: Option<i64>,
    /// Sessions opened and closed, in order.
    pub sessions: Vec<SessionChange>,
    /// The latest live state, when the actor took one.
    pub snapshot: Option<LiveState>,
    /// The show ended at this time.
    pub ended_at_ms: Option<i64>,
    /// With several nodes: the node that must hold the show's lease for this to be written
    /// (a node that lost its lease must not overwrite the new owner's state).
    pub owner: Option<Id>,
}

impl LiveWrite {
    pub fn is_empty(&self) -> bool {
        self.comments.is_empty()
            && self.deleted.is_empty()
            && self.bans.is_empty()
            && self.unbans.is_empty()
            && self.history.is_empty()
            && self.events.is_empty()
            && self.events_from.is_none()
            && self.sessions.is_empty()
            && self.snapshot.is_none()
            && self.ended_at_ms.is_none()
    }

    /// Appends a later write to this one (the latest snapshot wins).
    pub fn merge(&mut self, later: LiveWrite) {
        self.comments.extend(later.comments);
        self.deleted.extend(later.deleted);
        for ban in later.bans {
            self.unbans.retain(|u| *u != ban.user_id);
            self.bans.push(ban);
        }
        for user in later.unbans {
            self.bans.retain(|b| b.user_id != user);
            self.unbans.push(user);
        }
        self.history.extend(later.history);
        self.events.extend(later.events);
        self.sessions.extend(later.sessions);
        if later.events_from.is_some() {
            self.events_from = later.events_from;
        }
        if later.snapshot.is_some() {
            self.snapshot = later.snapshot;
        }
        if later.ended_at_ms.is_some() {
            self.ended_at_ms = later.ended_at_ms;
        }
        if later.owner.is_some() {
            self.owner = later.owner;
        }
    }
}

#[async_trait]
pub trait ShowStore: Send + Sync {
    async fn create_show(&self, new: NewShow) -> Result<StoredShow>;
    async fn show(&self, id: &ShowId) -> Result<Option<StoredShow>>;
    /// Changes details; `Conflict` once the show has ended, `NotFound` if there is none.
    async fn update_show(
        &self,
        id: &ShowId,
        change: &ShowChange,
        now_ms: i64,
    ) -> Result<StoredShow>;
    /// `scheduled` to `live` with its first live state; `Conflict` from any other state.
    async fn start_show(&self, id: &ShowId, live: &LiveState, now_ms: i64) -> Result<StoredShow>;
    async fn live_state(&self, id: &ShowId) -> Result<Option<LiveState>>;
    /// A live show's stored events up to `seq`, in `seq` order.
    async fn live_events(&self, id: &ShowId, up_to_seq: i64) -> Result<Vec<LiveEvent>>;
    /// A live show's stored sessions: (session id, user id), by session id.
    async fn live_sessions(&self, id: &ShowId) -> Result<Vec<(String, Id)>>;
    /// Records what a live show's actor wrote, in one transaction; idempotent, so a batch
    /// that failed may be written again.
    /// With `write.owner`, only while that node holds the show's lease (else `Conflict`).
    async fn write_live(&self, id: &ShowId, write: &LiveWrite) -> Result<()>;
    /// Takes the lease of a live show for `node` until `until_ms`: when nobody holds it, its
    /// holder's lease expired before `now_ms`, or `node` holds it already. Whether it did;
    /// two nodes never both hold one.
    async fn claim_show(
        &self,
        show: &ShowId,
        node: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<bool>;
    /// Extends `node`'s lease of a show and records how many are in it; false when it no
    /// longer holds it.
    async fn renew_show(
        &self,
        show: &ShowId,
        node: &str,
        until_ms: i64,
        audience: i64,
    ) -> Result<bool>;
    /// How many are in a show, as its owner last recorded it, while its lease runs at
    /// `now_ms` (`None`: nobody runs it).
    async fn show_audience(&self, show: &ShowId, now_ms: i64) -> Result<Option<i64>>;
    /// Gives up `node`'s lease of a show, if it holds it.
    async fn release_show(&self, show: &ShowId, node: &str) -> Result<()>;
    /// The shows `viewer` may see (their own, public ones, their followees' `followers`
    /// shows, `invite` shows they are a guest of), in `state` if given: live ones latest
    /// started first, scheduled ones soonest first, ended ones latest ended first (all shows:
    /// newest first). And the total.
    async fn visible_shows(
        &self,
        viewer: &UserId,
        state: Option<ShowState>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<StoredShow>, i64)>;
    async fn add_show_invite(
        &self,
        show: &ShowId,
        code_hash: &str,
        by: &str,
        now: i64,
    ) -> Result<()>;
    /// Makes `user` a guest of `show` if `code_hash` is one of its invites; whether it was.
    async fn redeem_show_invite(
        &self,
        show: &ShowId,
        code_hash: &str,
        user: &str,
        now: i64,
    ) -> Result<bool>;
    async fn is_show_guest(&self, show: &ShowId, user: &UserId) -> Result<bool>;
    /// Comments not deleted, oldest first, and their total.
    async fn show_comments(
        &self,
        show: &ShowId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ShowComment>, i64)>;
    /// History entries in `seq` order, and their total.
    async fn show_history(
        &self,
        show: &ShowId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<HistoryEntry>, i64)>;
    async fn show_bans(&self, show: &ShowId) -> Result<Vec<ShowBan>>;
}
