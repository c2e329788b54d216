//! The replay buffer: recent reliable events, so a dropped client can resume without a fresh
//! `welcome`. Events are kept for a window of time and up to a count, whichever is shorter.
//!
//! A show's stored state holds the buffer's bounds but not its events: they are stored one by
//! one as they happen (a snapshot of a busy show would otherwise carry its last 1,200 events
//! every time), and handed back with [`Replay::restore`] when the show is taken back.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::event::{Event, EventKind};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replay {
    window_ms: i64,
    max_events: usize,
    /// The `seq` of the last event pushed (0 before any).
    last: u64,
    #[serde(skip)]
    events: VecDeque<Event>,
}

/// The answer to a resume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Since {
    /// Every event after the client's `seq`, in order (none if it missed nothing): answer
    /// `resumed`, then send these.
    Events(Vec<Event>),
    /// Some of them are no longer held (or the `seq` was never sent): answer a fresh `welcome`.
    Gone,
}

impl Replay {
    pub fn new(window_ms: i64, max_events: usize) -> Replay {
        Replay {
            window_ms,
            max_events,
            last: 0,
            events: VecDeque::new(),
        }
    }

    /// The `seq` of the last reliable event; the next one is `last_seq() + 1`.
    pub fn last_seq(&self) -> u64 {
        self.last
    }

    /// Keeps a reliable event. Its `seq` must be the next one.
    pub fn push(&mut self, event: Event) {
        let seq = event.seq.expect("only reliable events are replayed");
        assert_eq!(seq, self.last + 1, "seq must have no gaps");
        let ts = event.ts;
        self.last = seq;
        self.events.push_back(event);
        self.prune(ts);
    }

    /// Forgets events older than the window at `now`, and any beyond the count.
    pub fn prune(&mut self, now: i64) {
        while self.events.len() > self.max_events
            || self
                .events
                .front()
                .is_some_and(|e| e.ts < now - self.window_ms)
        {
            self.events.pop_front();
        }
    }

    /// The events after `seq`, if every one of them is still held and young enough at `now`.
    pub fn since(&self, seq: u64, now: i64) -> Since {
        if seq > self.last {
            return Since::Gone;
        }
        if seq == self.last {
            return Since::Events(Vec::new());
        }
        let Some(first) = self.events.front() else {
            return Since::Gone;
        };
        let first_seq = first.seq.expect("reliable");
        if first_seq > seq + 1 {
            return Since::Gone;
        }
        let missed = self.events.range((seq + 1 - first_seq) as usize..);
        let mut out = Vec::with_capacity(missed.len());
        for e in missed {
            if out.is_empty() && e.ts < now - self.window_ms {
                return Since::Gone;
            }
            out.push(e.clone());
        }
        Since::Events(out)
    }

    /// The `seq` of the oldest event held; `last_seq() + 1` when none is.
    pub fn first_seq(&self) -> u64 {
        self.events
            .front()
            .and_then(|e| e.seq)
            .unwrap_or(self.last + 1)
    }

    /// Takes back the events stored for a buffer read from a stored state (which holds none):
    /// `events` in `seq` order. Only an unbroken run ending at `last_seq()` is kept, so a resume
    /// is never answered with a gap; anything else leaves the buffer empty (resumes get a fresh
    /// `welcome`). Events later than `last_seq()` are another run's and are ignored.
    pub fn restore(&mut self, events: Vec<Event>, now: i64) {
        let mut run: VecDeque<Event> = VecDeque::new();
        for e in events {
            let Some(seq) = e.seq else { continue };
            if seq > self.last {
                break;
            }
            if run.back().and_then(|b| b.seq).is_some_and(|b| b + 1 != seq) {
                run.clear();
            }
            run.push_back(e);
        }
        if run.back().and_then(|e| e.seq) != Some(self.last) {
            run.clear();
        }
        self.events = run;
        self.prune(now);
    }

    /// Whether an event held from `since` (Unix ms) on removes `user` (a moderator's `remove`).
    pub fn removed_since(&self, user: &str, since: i64) -> bool {
        self.events
            .iter()
            .rev()
            .take_while(|e| e.ts >= since)
            .any(|e| matches!(&e.kind, EventKind::Removed(b) if b.user == user))
    }

    /// How many events are held.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64, ts: i64) -> Event {
        Event {
            kind: EventKind::HandRaised {
                user: format!("u{seq}"),
            },
            seq: Some(seq),
            ts,
        }
    }

    fn seqs(since: Since) -> Option<Vec<u64>> {
        match since {
            Since::Events(events) => Some(events.iter().map(|e| e.seq.unwrap()).collect()),
            Since::Gone => None,
        }
    }

    #[test]
    fn a_resume_gets_every_event_after_its_seq() {
        let mut r = Replay::new(120_000, 100);
        for seq in 1..=5 {
            r.push(event(seq, seq as i64 * 1_000));
        }
        assert_eq!(seqs(r.since(2, 6_000)), Some(vec![3, 4, 5]));
        assert_eq!(seqs(r.since(0, 6_000)), Some(vec![1, 2, 3, 4, 5]));
        assert_eq!(seqs(r.since(5, 6_000)), Some(vec![]));
        // A seq the show never sent (another show's, or a server before a restart).
        assert_eq!(seqs(r.since(6, 6_000)), None);
    }

    #[test]
    fn old_events_are_gone_after_the_window() {
        let mut r = Replay::new(10_000, 100);
        r.push(event(1, 0));
        r.push(event(2, 5_000));
        // At 12 s, event 1 (at 0) is older than 10 s: a resume from 0 cannot be served, but one
        // from 1 can, even before the buffer is pruned.
        assert_eq!(seqs(r.since(0, 12_000)), None);
        assert_eq!(seqs(r.since(1, 12_000)), Some(vec![2]));
        r.push(event(3, 12_000));
        assert_eq!(r.len(), 2, "pushing at 12 s pruned event 1");
        r.prune(30_000);
        assert!(r.is_empty());
        // Nothing missed is still a resume, even with an empty buffer.
        assert_eq!(seqs(r.since(3, 30_000)), Some(vec![]));
        assert_eq!(seqs(r.since(2, 30_000)), None);
    }

    #[test]
    fn the_count_bound_holds_however_young_the_events() {
        let mut r = Replay::new(120_000, 3);
        for seq in 1..=5 {
            r.push(event(seq, 0));
        }
        assert_eq!(r.len(), 3);
        assert_eq!(seqs(r.since(1, 0)), None);
        assert_eq!(seqs(r.since(2, 0)), Some(vec![3, 4, 5]));
    }

    #[test]
    fn a_stored_buffer_keeps_its_bounds_and_takes_its_events_back() {
        let mut r = Replay::new(120_000, 100);
        for seq in 1..=5 {
            r.push(event(seq, seq as i64 * 1_000));
        }
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("u3"), "the events are stored apart: {text}");
        let mut back: Replay = serde_json::from_str(&text).unwrap();
        assert_eq!(back.last_seq(), 5);
        assert_eq!(seqs(back.since(2, 6_000)), None, "no events before restore");
        // Rows 2..=7: 6 and 7 were stored after the state (a crash before the next one).
        let rows: Vec<Event> = (2..=7).map(|s| event(s, s as i64 * 1_000)).collect();
        back.restore(rows, 6_000);
        assert_eq!(back.first_seq(), 2);
        assert_eq!(seqs(back.since(2, 6_000)), Some(vec![3, 4, 5]));
        back.push(event(6, 6_000));
        assert_eq!(back.last_seq(), 6);
        // A run with a hole keeps only what follows the hole; one not reaching `last` nothing.
        let mut holed = Replay::new(120_000, 100);
        for seq in 1..=5 {
            holed.push(event(seq, 0));
        }
        let mut holed: Replay =
            serde_json::from_str(&serde_json::to_string(&holed).unwrap()).unwrap();
        let rows = [1, 2, 4, 5].map(|s| event(s, 0)).to_vec();
        holed.restore(rows.clone(), 0);
        assert_eq!(holed.first_seq(), 4);
        assert_eq!(seqs(holed.since(3, 0)), Some(vec![4, 5]));
        assert_eq!(seqs(holed.since(2, 0)), None);
        holed.restore(rows[..3].to_vec(), 0);
        assert!(holed.is_empty());
        assert_eq!(holed.first_seq(), 6);
    }

    #[test]
    fn a_removal_is_found_while_the_buffer_holds_it() {
        let mut r = Replay::new(120_000, 100);
        r.push(event(1, 1_000));
        r.push(Event {
            kind: EventKind::Removed(crate::ByUser {
                user: "cy".into(),
                by: "ana".into(),
            }),
            seq: Some(2),
            ts: 2_000,
        });
        r.push(event(3, 3_000));
        assert!(r.removed_since("cy", 0));
        assert!(r.removed_since("cy", 2_000));
        assert!(!r.removed_since("cy", 2_001), "not since after it");
        assert!(
            !r.removed_since("u1", 0),
            "another user's events are not removals"
        );
        assert!(!r.removed_since("ana", 0), "the moderator was not removed");
    }

    #[test]
    #[should_panic(expected = "seq must have no gaps")]
    fn a_gap_is_a_bug() {
        let mut r = Replay::new(1_000, 10);
        r.push(event(2, 0));
    }
}
