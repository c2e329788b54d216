//! The owner's side of a show run on several nodes: the tasks beside the actor that feed it
//! what the relays send and keep the show's lease.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use medley_domain::causes::Causes;
use medley_domain::ShowId;
use medley_store::Store;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{Actor, Command};
use crate::clock::now_ms;
use crate::shows::live::cluster::{ClusterLink, In, Out, OutMessage};
use crate::shows::live::persist::Persist;
use crate::shows::live::Handle;

/// How often the owner looks whether its show's audience changed, to record it for the other
/// nodes (with the lease, which is renewed then too).
const AUDIENCE_RECORDED_EVERY: Duration = Duration::from_secs(1);

/// The owner's helpers: one task hands what the relays send to the actor (and answers `end`
/// requests once the actor stored the end); another renews the lease every third of it (and
/// within a second when the audience changed, recording it) and tells the actor to beat, or
/// that the lease is lost. Both end with the actor.
pub(super) fn spawn_owner_tasks(
    id: &ShowId,
    link: &ClusterLink,
    mut inbox: async_nats::Subscriber,
    handle: &Handle,
    store: &Arc<dyn Store>,
    lost: &CancellationToken,
    tasks: &TaskTracker,
) {
    use futures::StreamExt;
    let (commands, client) = (handle.commands.clone(), link.client.clone());
    let show = id.clone();
    tasks.spawn(async move {
        loop {
            let message = tokio::select! {
                _ = commands.closed() => break,
                message = inbox.next() => match message {
                    Some(m) => m,
                    None => break,
                },
            };
            let incoming: In = match serde_json::from_slice(&message.payload) {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(error = %Causes(&e), show = %show, "an unreadable message for a live show's owner");
                    continue;
                }
            };
            if let In::End {} = incoming {
                let (reply, done) = oneshot::channel();
                let (commands, client) = (commands.clone(), client.clone());
                tokio::spawn(async move {
                    if commands.send(Command::End { reply }).await.is_ok() {
                        let _ = done.await;
                    }
                    if let Some(to) = message.reply {
                        let _ = client.publish(to, bytes::Bytes::new()).await;
                    }
                });
                continue;
            }
            if commands.send(Command::Remote(incoming)).await.is_err() {
                break;
            }
        }
        let _ = inbox.unsubscribe().await;
    });
    let (commands, store, lost) = (handle.commands.clone(), store.clone(), lost.clone());
    let audience = handle.audience.clone();
    let (show, node, lease) = (id.to_owned(), link.node.clone(), link.lease);
    tasks.spawn(async move {
        let every = lease / 3;
        // The audience the other nodes read is at most this old.
        let look = every.min(AUDIENCE_RECORDED_EVERY);
        let mut held_until = now_ms() + lease.as_millis() as i64;
        let mut renewed = tokio::time::Instant::now();
        // Nothing recorded by this owner yet (the row may hold the previous owner's count).
        let mut recorded = -1;
        loop {
            tokio::select! {
                _ = commands.closed() => break,
                _ = tokio::time::sleep(look) => {}
            }
            let count = audience.load(Ordering::Relaxed) as i64;
            if renewed.elapsed() < every && count == recorded {
                continue;
            }
            let until = now_ms() + lease.as_millis() as i64;
            match store.renew_show(&show, &node, until, count).await {
                Ok(true) => {
                    held_until = until;
                    recorded = count;
                    renewed = tokio::time::Instant::now();
                    let _ = commands.try_send(Command::Beat);
                }
                Ok(false) => {
                    tracing::warn!(show = %show, "this node lost a live show's lease; another node runs it");
                    lost.cancel();
                    break;
                }
                Err(e) if now_ms() >= held_until => {
                    tracing::error!(error = %Causes(&e), show = %show, "could not renew a live show's lease in time; letting it go");
                    lost.cancel();
                    break;
                }
                Err(e) => tracing::warn!(error = %Causes(&e), show = %show, "renewing a live show's lease failed; retrying"),
            }
        }
    });
}

impl Actor {
    pub(super) fn remote_conn(&self, node: &str, conn: u64) -> Option<u64> {
        let owner = self.owner.as_ref()?;
        owner.remote.get(&(node.to_owned(), conn)).copied()
    }

    /// Hands a message to the relays, after what the current command stores.
    pub(super) fn out(&mut self, body: Out) {
        if let Some(owner) = &mut self.owner {
            let message = OutMessage {
                epoch: owner.epoch.clone(),
                body,
            };
            owner.pending.push(message.encode());
        }
    }

    pub(super) fn flush_out(&mut self) {
        if let Some(owner) = &mut self.owner {
            if !owner.pending.is_empty() {
                let messages = std::mem::take(&mut owner.pending);
                let _ = self.persist.send(Persist::Publish(messages));
            }
        }
    }
}
