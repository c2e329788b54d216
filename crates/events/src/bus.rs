//! The in-process bus: a broadcast channel with a bounded backlog per subscriber.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::Event;

/// Cheap to clone; every clone publishes to the same subscribers.
#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Event>>,
}

/// A subscriber's end. Dropping it unsubscribes.
pub struct Subscription {
    rx: broadcast::Receiver<Arc<Event>>,
}

impl Bus {
    /// Events a subscriber may fall behind before it starts missing them.
    pub const CAPACITY: usize = 4096;

    pub fn new() -> Bus {
        let (tx, _) = broadcast::channel(Self::CAPACITY);
        Bus { tx }
    }

    /// Publishes an event to every current subscriber. Having none is not an error.
    pub fn publish(&self, event: Event) {
        tracing::debug!(event = event.name(), "publish");
        let _ = self.tx.send(Arc::new(event));
    }

    pub fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.tx.subscribe(),
        }
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

#[cfg(test)]
mod tests {

    #[test]
    fn a_subscriber_that_falls_behind_is_told_how_much_it_missed() {
        let bus = Bus::new();
        let mut slow = bus.subscribe();
        let n = Bus::CAPACITY + 10;
        for i in 0..n {
            bus.publish(Event::UserCreated {
                user_id: i.to_string(),
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
                user_id: i.to_string(),
            });
        }
        for sub in [&mut a, &mut b] {
            for i in 0..3 {
                let event = sub.next().await.unwrap();
                assert_eq!(
                    *event,
                    Event::UserCreated {
                        user_id: i.to_string()
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
