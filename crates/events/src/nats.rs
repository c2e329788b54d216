//! Linking the buses of several nodes through NATS (core publish/subscribe).
//!
//! Every node publishes what it publishes on its bus to one subject, `<prefix>.events`, in an
//! envelope naming the node, and hands what other nodes published to its own subscribers (and
//! to [`Bus::subscribe_remote`]), dropping its own echoes by the node's name. One task sends,
//! in publication order, so the events of one node reach the others in the order it published
//! them. Delivery is at most once, as on the bus itself: what must not be lost (composites,
//! syncs, imports) goes through the database's work queue; what follows events (caches, the
//! search index) is told [`Remote::Missed`](crate::Remote::Missed) when the link was down and
//! reads the database again.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures::StreamExt;
use medley_domain::causes::Causes;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::bus::Link;
use crate::{Bus, Event};

/// Where the other nodes are, and who this node is.
#[derive(Clone)]
pub struct NatsSettings {
    /// `nats://host:4222` (credentials in the URL are never logged).
    pub url: String,
    /// First part of every subject Medley uses, so that several deployments (or tests) can
    /// share one NATS server without hearing each other.
    pub subject_prefix: String,
    /// This node's name; events carrying it are this node's own echoes.
    pub node_id: String,
}

impl fmt::Debug for NatsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsSettings")
            .field("url", &redact(&self.url))
            .field("subject_prefix", &self.subject_prefix)
            .field("node_id", &self.node_id)
            .finish()
    }
}

/// The URL with any user and password replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}<redacted>{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("`{0}` is not a NATS subject prefix Medley can use: use letters, digits, `-` and `_`, in parts separated by dots")]
    Prefix(String),
    #[error("connecting to NATS at {url}: {message}")]
    Connect { url: String, message: String },
    #[error("subscribing to `{subject}` on NATS: {message}")]
    Subscribe { subject: String, message: String },
    #[error("this bus is already linked to other nodes")]
    AlreadyLinked,
}

/// The bus's link to the other nodes; the NATS client stays usable for other subjects.
#[derive(Clone)]
pub struct Linked {
    client: async_nats::Client,
    subject_prefix: String,
    node_id: String,
    outbound: mpsc::Sender<Arc<Event>>,
}

#[derive(Serialize)]
struct Outgoing<'a> {
    node: &'a str,
    at_ms: i64,
    event: &'a Event,
}

#[derive(Deserialize)]
struct Incoming {
    node: String,
    at_ms: i64,
    event: serde_json::Value,
}

/// Whether `prefix` can start NATS subjects: letters, digits, `-` and `_` in dot-separated parts.
pub fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Connects to NATS and links `bus` to the other nodes on the same subject prefix. NATS being
/// unreachable at start is an error (a node that cannot hear the others must not serve); once
/// linked, the client reconnects by itself, and each reconnection tells remote subscribers
/// that events may have been missed.
pub async fn link(bus: &Bus, settings: &NatsSettings) -> Result<Linked, LinkError> {
    if !valid_prefix(&settings.subject_prefix) {
        return Err(LinkError::Prefix(settings.subject_prefix.clone()));
    }
    let connected = Arc::new(AtomicBool::new(false));
    let was_connected = Arc::new(AtomicBool::new(false));
    let options = {
        let (bus, connected, was_connected) =
            (bus.clone(), connected.clone(), was_connected.clone());
        async_nats::ConnectOptions::new()
            .name(format!("medley {}", settings.node_id))
            .event_callback(move |event| {
                let (bus, connected, was_connected) =
                    (bus.clone(), connected.clone(), was_connected.clone());
                async move {
                    match event {
                        async_nats::Event::Connected => {
                            connected.store(true, Ordering::Release);
                            metrics::gauge!("medley_nats_connected").set(1.0);
                            if was_connected.swap(true, Ordering::AcqRel) {
                                tracing::info!(
                                    "connected to NATS again; rereading what may have been missed"
                                );
                                bus.missed();
                            }
                        }
                        async_nats::Event::Disconnected => {
                            connected.store(false, Ordering::Release);
                            metrics::gauge!("medley_nats_connected").set(0.0);
                            tracing::warn!("lost the connection to NATS; reconnecting");
                        }
                        other => tracing::info!(event = %other, "NATS"),
                    }
                }
            })
    };
    let client = options
        .connect(settings.url.as_str())
        .await
        .map_err(|e| LinkError::Connect {
            url: redact(&settings.url),
            message: e.to_string(),
        })?;
    connected.store(true, Ordering::Release);
    was_connected.store(true, Ordering::Release);
    metrics::gauge!("medley_nats_connected").set(1.0);
    let subject = format!("{}.events", settings.subject_prefix);
    let mut subscriber =
        client
            .subscribe(subject.clone())
            .await
            .map_err(|e| LinkError::Subscribe {
                subject: subject.clone(),
                message: e.to_string(),
            })?;
    // Make sure the server has the subscription before the first event is sent.
    let _ = client.flush().await;
    let (outbound, mut waiting) = mpsc::channel::<Arc<Event>>(Bus::OUTBOUND);
    if !bus.set_link(Link {
        outbound: outbound.clone(),
        connected,
    }) {
        return Err(LinkError::AlreadyLinked);
    }

    let (sender, node, to) = (client.clone(), settings.node_id.clone(), subject.clone());
    tokio::spawn(async move {
        while let Some(event) = waiting.recv().await {
            let envelope = Outgoing {
                node: &node,
                at_ms: now_ms(),
                event: &event,
            };
            let payload = match serde_json::to_vec(&envelope) {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %Causes(&e), event = event.name(), "could not encode an event");
                    continue;
                }
            };
            match sender.publish(to.clone(), payload.into()).await {
                Ok(()) => metrics::counter!("medley_bus_remote_sent_total").increment(1),
                Err(e) => {
                    metrics::counter!("medley_bus_remote_dropped_total").increment(1);
                    tracing::warn!(error = %Causes(&e), event = event.name(), "could not send an event to the other nodes");
                }
            }
        }
    });

    let (receiver_bus, node) = (bus.clone(), settings.node_id.clone());
    tokio::spawn(async move {
        while let Some(message) = subscriber.next().await {
            let incoming: Incoming = match serde_json::from_slice(&message.payload) {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(error = %Causes(&e), "an unreadable message on the events subject");
                    continue;
                }
            };
            if incoming.node == node {
                continue;
            }
            // A node of another version may publish events this one does not know: skipped.
            let event: Event = match serde_json::from_value(incoming.event) {
                Ok(e) => e,
                Err(e) => {
                    metrics::counter!("medley_bus_remote_unknown_total").increment(1);
                    tracing::debug!(error = %Causes(&e), from = %incoming.node, "skipped an event this version does not know");
                    continue;
                }
            };
            metrics::counter!("medley_bus_remote_received_total").increment(1);
            let delay = (now_ms() - incoming.at_ms).max(0) as f64 / 1000.0;
            metrics::histogram!("medley_bus_remote_delay_seconds").record(delay);
            receiver_bus.receive(event);
        }
        tracing::debug!("the NATS subscription to other nodes' events ended");
    });

    Ok(Linked {
        client,
        subject_prefix: settings.subject_prefix.clone(),
        node_id: settings.node_id.clone(),
        outbound,
    })
}

impl Linked {
    /// The NATS client, for other subjects (under [`Linked::subject`]).
    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// A subject under this deployment's prefix: `<prefix>.<rest>`.
    pub fn subject(&self, rest: &str) -> String {
        format!("{}.{rest}", self.subject_prefix)
    }

    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    /// Waits (a few seconds at most) until the events published so far have left, so a
    /// stopping node's last changes reach the others.
    pub async fn flush(&self) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        while self.outbound.capacity() < self.outbound.max_capacity()
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), self.client.flush()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_the_url_are_not_shown() {
        assert_eq!(
            redact("nats://medley:hunter2@nats:4222"),
            "nats://<redacted>@nats:4222"
        );
        assert_eq!(redact("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
        let settings = NatsSettings {
            url: "nats://u:hunter2@h:4222".into(),
            subject_prefix: "medley".into(),
            node_id: "n".into(),
        };
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    fn subject_prefixes_are_checked() {
        assert!(valid_prefix("medley"));
        assert!(valid_prefix("medley.prod-1"));
        for bad in ["", "a..b", "a b", "a.*", "a.>", ".a"] {
            assert!(!valid_prefix(bad), "{bad}");
        }
    }
}
