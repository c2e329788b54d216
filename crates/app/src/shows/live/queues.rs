//! What a connection reads from, as the actor or a relay fills it: a bounded queue of reliable
//! frames and replies, a latest-wins slot of ephemeral frames, a signal that it was too slow.
//! Below both the actor and the relays (and the `connection` module, which joins them to a
//! transport), so that none of them imports another in a circle.
//!
//! Frames are serialised once and shared (`Arc<str>`), so fanning an event out to many
//! connections costs a reference count each, and an idle connection holds little more than
//! its channels.

use std::sync::Arc;

use medley_live::Close;
use tokio::sync::{mpsc, oneshot, watch};

/// What the actor queues for a connection, in order.
#[derive(Clone, Debug)]
pub enum Outbound {
    /// A text frame: an event, a reply.
    Frame(Arc<str>),
    /// Close with this code once the frames before it are sent.
    Close(Close),
}

/// The latest ephemeral frames of a show (reactions merged per interval, the audience
/// count). Each connection sends what it has not sent yet; a connection that falls behind
/// skips to the latest (LIVE.md: ephemeral events may be dropped or merged under load).
#[derive(Clone, Debug, Default)]
pub struct Ephemeral {
    /// Bumped at each publication.
    pub version: u64,
    /// Reactions of this publication.
    pub reactions: Vec<Arc<str>>,
    /// The latest audience frame, and its version (sent again only when it changed).
    pub audience: Option<(u64, Arc<str>)>,
}

/// What the actor hands a new connection.
pub(crate) struct Parts {
    pub conn: u64,
    pub initial: Vec<Arc<str>>,
    pub queue: mpsc::Receiver<Outbound>,
    pub ephemeral: watch::Receiver<Arc<Ephemeral>>,
    pub too_slow: oneshot::Receiver<()>,
    /// The longest track of the show's playlist (how long its stream URLs must hold).
    pub longest_track_ms: i64,
}
