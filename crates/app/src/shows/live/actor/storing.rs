//! What the actor stores besides each event's records: its state, within a second of a
//! change, and its sessions as they open and close.

use super::Actor;
use crate::shows::live::persist::Persist;
use crate::shows::live::sessions::Saved;

impl Actor {
    /// The state changed: store it within `snapshot_every`. With several nodes too: what a
    /// node taking the show over must know before anyone sees it are the reliable events and
    /// the sessions, and those are stored as they happen (`broadcast`, `store_sessions`).
    /// Storing the whole state at every join made a show's first 10,000 joins quadratic, and
    /// at every comment wrote 772 KB of JSON per comment at 10,000 listeners.
    pub(super) fn changed(&mut self, now: i64) {
        if self.snapshot_due.is_none() {
            self.snapshot_due = Some(now + self.config.snapshot_every.as_millis() as i64);
        }
    }

    /// Stores the sessions opened and closed since the last time, ahead of anything published
    /// after them (a `welcome` naming a new session reaches another node only once the
    /// session is stored, so that it may resume through any node).
    pub(super) fn store_sessions(&mut self) {
        let sessions = self.sessions.take_changes();
        if !sessions.is_empty() {
            let write = medley_store::LiveWrite {
                sessions,
                ..medley_store::LiveWrite::default()
            };
            let _ = self.persist.send(Persist::Write(Box::new(write)));
        }
    }

    /// Stores the state now, and forgets the stored events the replay buffer no longer holds.
    pub(super) fn store_state(&mut self) {
        let mut write = medley_store::LiveWrite {
            sessions: self.sessions.take_changes(),
            ..medley_store::LiveWrite::default()
        };
        write.snapshot = Some(Saved::state(&self.show));
        write.events_from = Some(self.show.replay_first_seq() as i64);
        let _ = self.persist.send(Persist::Write(Box::new(write)));
        self.snapshot_due = None;
    }
}
