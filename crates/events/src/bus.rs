//! The bus: a broadcast channel with a bounded backlog per subscriber, and, when several nodes
//! share one database, a link to the other nodes (see [`crate::nats`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::sync::{broadcast, mpsc};

use crate::Event;

/// Cheap to clone; every clone publishes to the same subscribers (and the same other nodes).
#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Event>>,
    remote: broadcast::Sender<Remote>,
    link: Arc<OnceLock<Link>>,
}

/// Where events published here leave for the other nodes, and whether they can.
pub(crate) struct Link {
    pub(crate) outbound: mpsc::Sender<Arc<Event>>,
    pub(crate) connected: Arc<AtomicBool>,
}

/// A subscriber's end. Dropping it unsubscribes.
pub struct Subscription {
    rx: broadcast::Receiver<Arc<Event>>,
}

/// What reaches a node from the others.
#[derive(Clone, Debug)]
pub enum Remote {
    /// An event another node published.
    Event(Arc<Event>),
    /// Events from other nodes may have been missed (this subscriber lagged, or the link to
    /// the other nodes was down for a while): whatever follows them must be read again.
    Missed,
}

/// The end of a subscriber to what other nodes publish. Dropping it unsubscribes.
pub struct RemoteSubscription {
    rx: broadcast::Receiver<Remote>,
}

impl Bus {
    /// Events a subscriber may fall behind before it starts missing them.
    pub const CAPACITY: usize = 4096;
    /// Events waiting to leave for the other nodes before new ones are dropped (and counted).
    pub const OUTBOUND: usize = 16_384;

    pub fn new() -> Bus {
        let (tx, _) = broadcast::channel(Self::CAPACITY);
        let (remote, _) = broadcast::channel(Self::CAPACITY);
        Bus {
            tx,
            remote,
            link: Arc::default(),
        }
    }

    /// Publishes an event to every current subscriber of this node and, when the bus is
    /// linked to other nodes, to theirs. Having none is not an error.
    pub fn publish(&self, event: Event) {
        tracing::debug!(event = event.name(), "publish");
        let event = Arc::new(event);
        let _ = self.tx.send(event.clone());
        self.forward(event);
    }

    /// Sends an event to the other nodes only (nothing happens without a link): for notices
    /// this node has already acted on, such as the caches it just dropped.
    pub fn publish_to_others(&self, event: Event) {
        self.forward(Arc::new(event));
    }

    fn forward(&self, event: Arc<Event>) {
        let Some(link) = self.link.get() else {
            return;
        };
        if link.outbound.try_send(event).is_err() {
            metrics::counter!("medley_bus_remote_dropped_total").increment(1);
            tracing::warn!("too many events waiting to leave for the other nodes; one was dropped");
        }
    }

    pub fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.tx.subscribe(),
        }
    }

    /// Subscribes to the events other nodes publish (empty until the bus is linked).
    pub fn subscribe_remote(&self) -> RemoteSubscription {
        RemoteSubscription {
            rx: self.remote.subscribe(),
        }
    }

    /// Whether this bus is linked to other nodes.
    pub fn is_linked(&self) -> bool {
        self.link.get().is_some()
    }

    /// `None` when the bus is not linked; otherwise whether the link is up right now.
    pub fn link_up(&self) -> Option<bool> {
        self.link.get().map(|l| l.connected.load(Ordering::Acquire))
    }

    /// Links the bus to other nodes; false if it already was.
    pub(crate) fn set_link(&self, link: Link) -> bool {
        self.link.set(link).is_ok()
    }

    /// An event from another node: to this node's subscribers, and to those of what other
    /// nodes publish.
    pub(crate) fn receive(&self, event: Event) {
        let event = Arc::new(event);
        let _ = self.tx.send(event.clone());
        let _ = self.remote.send(Remote::Event(event));
    }

    /// Tells the subscribers to other nodes' events that some may have been missed.
    pub(crate) fn missed(&self) {
        let _ = self.remote.send(Remote::Missed);
    }
}

impl Default for Bus {
    fn default() -> Self {
        Bus::new()
    }
}

impl Subscription {
    /// The next event, or `None` once the bus is gone. Missed events (the subscriber lagged)
    /// are logged and skipped: see the crate docs for what a consumer must do about them.
    pub async fn next(&mut self) -> Option<Arc<Event>> {
        loop {
            match self.rx.recv().await {
                Ok(event) => return Some(event),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "event subscriber lagged behind the bus");
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Takes what is waiting, without waiting: how many events were received and how many
    /// were missed because this subscriber fell behind.
    pub fn drain(&mut self) -> (usize, u64) {
        let (mut received, mut missed) = (0, 0);
        loop {
            match self.rx.try_recv() {
                Ok(_) => received += 1,
                Err(broadcast::error::TryRecvError::Lagged(n)) => missed += n,
                Err(_) => return (received, missed),
            }
        }
    }
}

impl RemoteSubscription {
    /// The next notice from other nodes, or `None` once the bus is gone. Falling behind is
    /// reported as [`Remote::Missed`].
    pub async fn next(&mut self) -> Option<Remote> {
        match self.rx.recv().await {
            Ok(notice) => Some(notice),
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "fell behind the events of other nodes");
                Some(Remote::Missed)
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use medley_domain::UserId;

    #[test]
    fn a_subscriber_that_falls_behind_is_told_how_much_it_missed() {
        let bus = Bus::new();
        let mut slow = bus.subscribe();
        let n = Bus::CAPACITY + 10;
        for i in 0..n {
            bus.publish(Event::UserCreated {
                user_id: UserId::from(i.to_string()),
            });
        }
        assert_eq!(slow.drain(), (Bus::CAPACITY, 10));
        assert_eq!(slow.drain(), (0, 0));
    }
    use super::*;

    #[tokio::test]
    async fn every_subscriber_sees_every_event_in_order() {
        let bus = Bus::new();
        let mut a = bus.subscribe();
        let mut b = bus.subscribe();
        for i in 0..3 {
            bus.publish(Event::UserCreated {
                user_id: UserId::from(i.to_string()),
            });
        }
        for sub in [&mut a, &mut b] {
            for i in 0..3 {
                let event = sub.next().await.unwrap();
                assert_eq!(
                    *event,
                    Event::UserCreated {
                        user_id: UserId::from(i.to_string())
                    }
                );
            }
        }
    }

    #[tokio::test]
    async fn publishing_without_subscribers_is_fine() {
        Bus::new().publish(Event::TracksUpserted { track_ids: vec![] });
    }
}
