//! What a live show stores of its events, and the task that stores it.
//!
//! The actor never waits for the database: it hands each batch of records to its show's
//! persister (an unbounded channel; what goes in is bounded by the ops' own limits), which
//! merges whatever is waiting into one transaction, in order, and retries a failed write
//! until it succeeds. `Flush` waits until everything sent before it is stored.
//!
//! With several nodes the persister also sends what the owner publishes to the other nodes
//! (`Publish`), each message only once everything sent before it is stored: a relay never
//! shows an event that a node taking the show over would not find in the stored state. The
//! writes are fenced by the show's lease: once another node holds it, this one's writes are
//! refused, and the persister drops them and what it was to publish after them.

use std::sync::Arc;
use std::time::Duration;

use medley_domain::causes::Causes;
use medley_domain::ShowId;
use medley_live::{Event, EventKind, Role};
use medley_store::{HistoryEntry, LiveEvent, LiveWrite, ShowBan, ShowComment, Store};
use tokio::sync::{mpsc, oneshot};

pub(crate) enum Persist {
    Write(Box<LiveWrite>),
    /// Messages for the other nodes, sent once what came before is stored.
    Publish(Vec<bytes::Bytes>),
    Flush(oneshot::Sender<()>),
}

/// Where an owner's messages to the other nodes go, and the lease its writes need.
#[derive(Clone)]
pub(crate) struct Publisher {
    pub client: async_nats::Client,
    pub subject: String,
    pub node: String,
}

/// The records of reliable events: each event for the replay buffer; comments and their
/// deletions, bans, and the history (what played, role changes, who spoke, moderation, the
/// end). Raised hands and listeners coming and going are not history.
pub(crate) fn records(events: &[Event]) -> LiveWrite {
    let mut w = LiveWrite::default();
    for e in events {
        let Some(seq) = e.seq else { continue };
        let seq = seq as i64;
        w.events.push(LiveEvent {
            seq,
            at_ms: e.ts,
            event: serde_json::to_string(e).expect("events serialise"),
        });
        let kept = match &e.kind {
            EventKind::Comment(c) => {
                w.comments.push(ShowComment {
                    id: c.id.clone(),
                    seq,
                    user_id: c.user.clone(),
                    text: c.text.clone(),
                    at_ms: c.at,
                });
                false
            }
            EventKind::CommentDeleted { id, by } => {
                w.deleted.push((id.clone(), by.clone(), e.ts));
                false
            }
            EventKind::Banned(b) => {
                w.unbans.retain(|u| *u != b.user);
                w.bans.push(ShowBan {
                    user_id: b.user.clone(),
                    by_id: b.by.clone(),
                    at_ms: e.ts,
                });
                true
            }
            EventKind::Unbanned(b) => {
                w.bans.retain(|x| x.user_id != b.user);
                w.unbans.push(b.user.clone());
                true
            }
            EventKind::Joined(m) | EventKind::Left(m) => m.role > Role::Listener,
            EventKind::HandRaised { .. } | EventKind::HandLowered { .. } => false,
            EventKind::ShowEnded {} => {
                w.ended_at_ms = Some(e.ts);
                true
            }
            _ => true,
        };
        if kept {
            let mut value = serde_json::to_value(&e.kind).expect("events serialise");
            // Stream URLs are signed for each listener as frames go out; the history names
            // tracks by `uri`.
            if let Some(track) = value["d"].get_mut("track").and_then(|t| t.as_object_mut()) {
                track.remove("stream_url");
            }
            w.history.push(HistoryEntry {
                seq,
                at_ms: e.ts,
                op: value["op"].as_str().unwrap_or_default().to_owned(),
                data: value["d"].to_string(),
            });
        }
    }
    w
}

/// The events stored for a show, in order: those its stored state's replay buffer holds and
/// those since (see `Show::catch_up`). An unreadable one is left out, and with it everything
/// after it that the state does not hold yet.
pub(crate) async fn stored_events(
    store: &Arc<dyn Store>,
    show: &ShowId,
) -> medley_store::Result<Vec<Event>> {
    let stored = store.live_events(show, i64::MAX).await?;
    let mut events = Vec::with_capacity(stored.len());
    for row in stored {
        match serde_json::from_str::<Event>(&row.event) {
            Ok(event) => events.push(event),
            Err(e) => {
                tracing::warn!(error = %Causes(&e), show = %show, seq = row.seq, "an unreadable stored live event")
            }
        }
    }
    Ok(events)
}

/// Starts a show's persister; it ends when the actor drops the sender, after storing what
/// was sent.
pub(crate) fn spawn(
    store: Arc<dyn Store>,
    show: ShowId,
    publisher: Option<Publisher>,
    tasks: &tokio_util::task::TaskTracker,
) -> mpsc::UnboundedSender<Persist> {
    let (tx, rx) = mpsc::unbounded_channel();
    tasks.spawn(run(store, show, publisher, rx));
    tx
}

async fn run(
    store: Arc<dyn Store>,
    show: ShowId,
    publisher: Option<Publisher>,
    mut rx: mpsc::UnboundedReceiver<Persist>,
) {
    // Set once another node holds the show: nothing more is written or published.
    let mut fenced = false;
    while let Some(first) = rx.recv().await {
        let mut batch = LiveWrite::default();
        let mut messages = Vec::new();
        let mut waiting = Vec::new();
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Persist::Write(w) => batch.merge(*w),
                Persist::Publish(m) => messages.extend(m),
                Persist::Flush(done) => waiting.push(done),
            }
            next = rx.try_recv().ok();
        }
        if let Some(p) = &publisher {
            batch.owner = Some(p.node.clone());
        }
        let mut pause = Duration::from_millis(50);
        while !batch.is_empty() && !fenced {
            match store.write_live(&show, &batch).await {
                Ok(()) => break,
                Err(medley_store::StoreError::Conflict(why)) if publisher.is_some() => {
                    tracing::warn!(show = %show, %why, "another node took this live show over; its writes here stop");
                    fenced = true;
                }
                Err(e) => {
                    tracing::error!(error = %Causes(&e), show = %show, "storing a live show's records failed; retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
            }
        }
        if let (Some(p), false) = (&publisher, fenced) {
            for message in messages {
                if let Err(e) = p.client.publish(p.subject.clone(), message).await {
                    tracing::warn!(error = %Causes(&e), show = %show, "could not send a live show's event to the other nodes");
                }
            }
        }
        for done in waiting {
            let _ = done.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use medley_live::{ByUser, Comment, Member};

    use super::*;

    fn event(seq: u64, kind: EventKind) -> Event {
        Event {
            kind,
            seq: Some(seq),
            ts: 1_000 + seq as i64,
        }
    }

    #[test]
    fn comments_bans_and_history_are_recorded_hands_are_not() {
        let by = |u: &str| ByUser {
            user: u.into(),
            by: "m".into(),
        };
        let events = [
            event(
                1,
                EventKind::Joined(Member {
                    user: "l".into(),
                    role: Role::Listener,
                }),
            ),
            event(
                2,
                EventKind::Joined(Member {
                    user: "s".into(),
                    role: Role::Speaker,
                }),
            ),
            event(3, EventKind::HandRaised { user: "l".into() }),
            event(
                4,
                EventKind::Comment(Comment {
                    id: "c".into(),
                    user: "l".into(),
                    text: "hi".into(),
                    at: 1_004,
                }),
            ),
            event(5, EventKind::Banned(by("l"))),
            event(6, EventKind::Unbanned(by("l"))),
            Event::unsequenced(EventKind::Audience { count: 2 }, 0),
            event(7, EventKind::ShowEnded {}),
        ];
        let w = records(&events);
        assert_eq!(w.comments.len(), 1);
        assert_eq!((w.comments[0].seq, w.comments[0].text.as_str()), (4, "hi"));
        assert!(
            w.bans.is_empty() && w.unbans == ["l"],
            "the later unban wins"
        );
        let history: Vec<(i64, &str)> = w.history.iter().map(|h| (h.seq, h.op.as_str())).collect();
        assert_eq!(
            history,
            [
                (2, "joined"),
                (5, "banned"),
                (6, "unbanned"),
                (7, "show.ended")
            ]
        );
        let data: serde_json::Value = serde_json::from_str(&w.history[0].data).unwrap();
        assert_eq!(data, serde_json::json!({"user": "s", "role": "speaker"}));
        assert_eq!(w.ended_at_ms, Some(1_007));
    }
}
