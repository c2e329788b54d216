//! Resumable sessions, and the state a live show stores so that a restarted server can take
//! it back: the `medley_live::Show` (whose replay buffer serves resumes), and who holds which
//! session (stored as rows, `live_show_sessions`, as sessions open and close).
//!
//! A session is one user's presence through one or more connections: a connection that
//! drops leaves its session "dropped" for the resume window, during which the user stays in
//! the show, unannounced; a `hello` with `resume` takes the session back. When the window
//! passes, the user leaves.

use std::collections::{BTreeMap, HashMap};

use medley_live::Show;
use medley_store::{LiveState, SessionChange};
use serde::{Deserialize, Serialize};

/// A live show as stored: the state (as JSON in `live_shows.live_state`) and, read beside it,
/// its sessions.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Saved {
    pub show: Show,
    /// Session id → user id, for every session that may still be resumed: the stored rows
    /// (states written before the rows existed carry them here).
    #[serde(default)]
    pub sessions: BTreeMap<String, String>,
}

impl Saved {
    /// What is stored of the show's state, from the actor's own (not copied); the sessions
    /// are stored apart.
    pub fn state(show: &Show) -> LiveState {
        #[derive(Serialize)]
        struct Borrowed<'a> {
            show: &'a Show,
        }
        LiveState {
            state: serde_json::to_string(&Borrowed { show }).expect("a show serialises"),
            seq: show.seq() as i64,
        }
    }
}

/// A session as the actor keeps it.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub user: String,
    /// The connection serving it, if any.
    pub conn: Option<u64>,
    /// When its connection dropped (Unix ms), while it waits for a resume.
    pub dropped_at: Option<i64>,
}

/// Every session of the show, by id and by user (one session per user), and the changes not
/// stored yet.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    by_id: HashMap<String, Session>,
    by_user: HashMap<String, String>,
    changes: Vec<SessionChange>,
}

impl Sessions {
    /// Sessions taken back from stored state at `now`: all dropped (their connections went
    /// with the old process), so each may resume within the window from now. Users present
    /// without a session are given one, so that they too leave if they do not return (it is
    /// not stored: nobody knows its id to resume it).
    pub fn restored(saved: &Saved, now: i64) -> Sessions {
        let mut sessions = Sessions::default();
        let mut gone = Vec::new();
        for (id, user) in &saved.sessions {
            if saved.show.is_present(user) {
                sessions.insert(id.clone(), user.clone(), None);
                sessions.dropped(id, now);
            } else {
                gone.push(SessionChange::Closed {
                    session: id.clone(),
                });
            }
        }
        let orphans: Vec<String> = saved
            .show
            .participants()
            .map(|(u, _)| u.to_owned())
            .filter(|u| !sessions.by_user.contains_key(u))
            .collect();
        for user in orphans {
            let id = medley_domain::new_id();
            sessions.insert(id.clone(), user, None);
            sessions.dropped(&id, now);
        }
        // Nothing new to store but the sessions of people no longer present (they left, or
        // arrived unannounced after the stored state): forgotten.
        sessions.changes = gone;
        sessions
    }

    /// The sessions opened and closed since the last call, in order, for storing.
    pub fn take_changes(&mut self) -> Vec<SessionChange> {
        std::mem::take(&mut self.changes)
    }

    pub fn get(&self, id: &str) -> Option<&Session> {
        self.by_id.get(id)
    }

    /// The id of the user's session, if they have one.
    pub fn id_of(&self, user: &str) -> Option<&str> {
        self.by_user.get(user).map(String::as_str)
    }

    #[cfg(test)]
    pub fn of_user(&self, user: &str) -> Option<(&str, &Session)> {
        let id = self.by_user.get(user)?;
        self.by_id.get(id).map(|s| (id.as_str(), s))
    }

    /// A new session (replacing any other of the user's), served by `conn`.
    pub fn insert(&mut self, id: String, user: String, conn: Option<u64>) {
        self.remove_user(&user);
        self.changes.push(SessionChange::Opened {
            session: id.clone(),
            user: user.clone(),
        });
        self.by_user.insert(user.clone(), id.clone());
        self.by_id.insert(
            id,
            Session {
                user,
                conn,
                dropped_at: None,
            },
        );
    }

    /// `conn` serves session `id` again (a resume).
    pub fn attach(&mut self, id: &str, conn: u64) {
        if let Some(s) = self.by_id.get_mut(id) {
            s.conn = Some(conn);
            s.dropped_at = None;
        }
    }

    /// The session's connection dropped at `now`.
    pub fn dropped(&mut self, id: &str, now: i64) {
        if let Some(s) = self.by_id.get_mut(id) {
            s.conn = None;
            s.dropped_at = Some(now);
        }
    }

    /// Forgets the user's session; returns its connection, if one served it.
    pub fn remove_user(&mut self, user: &str) -> Option<u64> {
        let id = self.by_user.remove(user)?;
        let conn = self.by_id.remove(&id).and_then(|s| s.conn);
        self.changes.push(SessionChange::Closed { session: id });
        conn
    }

    /// The users whose session dropped before `before`: their resume window has passed.
    /// Their sessions are forgotten.
    pub fn expire(&mut self, before: i64) -> Vec<String> {
        let expired: Vec<String> = self
            .by_id
            .values()
            .filter(|s| s.dropped_at.is_some_and(|t| t < before))
            .map(|s| s.user.clone())
            .collect();
        for user in &expired {
            self.remove_user(user);
        }
        expired
    }

    /// When the next dropped session expires, given the window.
    pub fn next_expiry(&self, window_ms: i64) -> Option<i64> {
        self.by_id
            .values()
            .filter_map(|s| s.dropped_at)
            .min()
            .map(|t| t + window_ms)
    }
}

#[cfg(test)]
mod tests {
    use medley_live::{Playlist, Settings, ShowInfo};

    use super::*;

    fn show() -> Show {
        let info = ShowInfo {
            id: "s".into(),
            title: "t".into(),
            creator: "c".into(),
            playlist: Playlist::default(),
        };
        let mut show = Show::new(info, Settings::default(), 0);
        show.join("c", 0).unwrap();
        show.join("u", 0).unwrap();
        show
    }

    #[test]
    fn sessions_drop_resume_and_expire() {
        let mut s = Sessions::default();
        s.insert("a".into(), "u".into(), Some(1));
        assert_eq!(s.get("a").unwrap().conn, Some(1));
        s.dropped("a", 100);
        assert_eq!(s.next_expiry(50), Some(150));
        s.attach("a", 2);
        assert_eq!(
            (s.get("a").unwrap().conn, s.next_expiry(50)),
            (Some(2), None)
        );
        s.dropped("a", 200);
        assert!(s.expire(200).is_empty());
        assert_eq!(s.expire(201), ["u"]);
        assert!(s.get("a").is_none() && s.of_user("u").is_none());
        // A user's new session replaces the old one.
        s.insert("b".into(), "v".into(), Some(3));
        assert_eq!(s.remove_user("v"), Some(3));
        // Each opening and closing is stored, in order.
        let opened = |id: &str, user: &str| SessionChange::Opened {
            session: id.into(),
            user: user.into(),
        };
        let closed = |id: &str| SessionChange::Closed { session: id.into() };
        assert_eq!(
            s.take_changes(),
            [opened("a", "u"), closed("a"), opened("b", "v"), closed("b")]
        );
        assert!(s.take_changes().is_empty());
    }

    #[test]
    fn stored_sessions_come_back_dropped() {
        let show = show();
        let mut back: Saved = serde_json::from_str(&Saved::state(&show).state).unwrap();
        // The replay buffer's events and the sessions are stored apart (`live_show_events`,
        // `live_show_sessions`).
        assert_eq!(back.show.seq(), show.seq());
        assert_eq!(back.show.audience(), show.audience());
        assert!(back.sessions.is_empty());
        back.sessions.insert("a".into(), "u".into());
        back.sessions.insert("gone".into(), "left-already".into());
        let mut s = Sessions::restored(&back, 1_000);
        let forgotten = SessionChange::Closed {
            session: "gone".into(),
        };
        assert_eq!(
            s.take_changes(),
            [forgotten],
            "only the absent one's to forget"
        );
        assert_eq!(s.get("a").unwrap().dropped_at, Some(1_000));
        assert!(s.get("gone").is_none(), "only people present");
        let (_, creator) = s.of_user("c").expect("the creator, present, got a session");
        assert_eq!(creator.dropped_at, Some(1_000));
    }
}
