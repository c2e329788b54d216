//! Running live shows: one actor per live show (a tokio task, the single writer of its
//! `medley_live::Show`), connections that talk to it through channels, and a persister per
//! show that writes what the show records. The registries below are maps behind `std`
//! mutexes, taken only to look up or insert a handle, never across an await; the one lock
//! held across awaits is a show's claim of its lease on this node (see `Shows::owned`).
//!
//! - `join`: a `hello`'s user, and the way into the show's actor or this node's relay.
//! - [`outlet`]: a connection's socket as everyone writes to it, whole frames in order, what
//!   the socket would not take held (up to a bound: beyond it, "too slow");
//!   [`writers`]: the threads that write each show's frames to its connections' outlets;
//!   [`connection`]: what a connection sends the show (ops, "gone").
//! - [`actor`]: the loop that applies ops, fans events out in `seq` order, closes whom an
//!   event names, keeps dropped users for the resume window, and wakes for the show's timers.
//! - [`sessions`]: resumable sessions, and the state that is stored (the show and its
//!   sessions) so that a restarted server takes a live show back.
//! - [`persist`]: what of each event is stored (comments, bans, history), written in order.
//! - [`cluster`] and [`relay`]: with several nodes, the show's owner (the node holding its
//!   lease) runs the actor, and every node serves its connections through a relay of the
//!   owner's events, carried by NATS.
//!
//! The transport (WebSocket framing, `hello` within 10 s, pings, limits on frames) is the
//! HTTP edge's; it authenticates the `hello` with [`authenticate`] and then calls [`connect`].

mod actor;
pub mod cluster;
pub mod connection;
mod join;
pub mod links;
pub mod outlet;
mod persist;
mod relay;
#[cfg(test)]
mod relay_tests;
mod sessions;
mod writers;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use medley_domain::{PlaylistId, ShowId, TrackId};
use medley_live::{Playlist, Settings, Show, ShowInfo, Track};
use medley_store::{LiveState, Store, StoredShow};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use cluster::ClusterLink;
pub use connection::Connected;
pub use join::{authenticate, connect};
pub use outlet::{End, Outlet, Wire};

use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::App;
use actor::Command;
use relay::RelayHandle;
use sessions::Saved;
use writers::Writers;

/// How live shows behave at the edges; [`LiveConfig::default`] is LIVE.md's numbers.
#[derive(Clone, Debug)]
pub struct LiveConfig {
    /// A connection must send `hello` within this.
    pub hello_timeout: Duration,
    /// The server pings every this long, plus up to `ping_jitter`.
    pub ping_interval: Duration,
    pub ping_jitter: Duration,
    /// A client silent this long (no frame, not even a pong) is dropped.
    pub idle_timeout: Duration,
    /// A dropped user stays in the show this long, so that they may resume unseen.
    pub resume_window: Duration,
    /// Reliable frames held for one connection at most (those its socket would not take
    /// yet); past it the connection is too slow and closed with 4009.
    pub queue_frames: usize,
    /// Frames a connection may send per second on average (twice that in a burst); past it
    /// it is closed with 4008.
    pub frames_per_second: u32,
    /// Frames not understood that a connection may send within a minute; one more closes it
    /// with 4002.
    pub bad_frames: u32,
    /// The live state is stored at least this often while events happen.
    pub snapshot_every: Duration,
}

impl Default for LiveConfig {
    fn default() -> LiveConfig {
        LiveConfig {
            hello_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(25),
            ping_jitter: Duration::from_millis(2_500),
            idle_timeout: Duration::from_secs(60),
            resume_window: Duration::from_millis(medley_live::REPLAY_WINDOW_MS as u64),
            queue_frames: 256,
            frames_per_second: 20,
            bad_frames: 5,
            snapshot_every: Duration::from_secs(1),
        }
    }
}

impl LiveConfig {
    /// How long until the next server ping: the interval plus a random part of the jitter,
    /// so that many connections opened together do not ping together.
    pub fn next_ping(&self) -> Duration {
        use rand::Rng;
        let jitter = self.ping_jitter.as_millis() as u64;
        let extra = rand::thread_rng().gen_range(0..=jitter);
        self.ping_interval + Duration::from_millis(extra)
    }
}

/// A running show's actor, as connections and the REST API reach it.
#[derive(Clone)]
pub(crate) struct Handle {
    commands: mpsc::Sender<Command>,
    audience: Arc<AtomicUsize>,
}

/// The live shows running on this node: the actors of the shows it owns, and (several
/// nodes) the relays of the shows it has connections to.
pub struct Shows {
    config: LiveConfig,
    actors: Arc<Mutex<HashMap<ShowId, Handle>>>,
    cluster: Option<Arc<ClusterLink>>,
    relays: Arc<Mutex<HashMap<ShowId, RelayHandle>>>,
    /// Several nodes: one claim of a show's lease at a time on this node (see
    /// [`Shows::owned`]), with when the last one was refused.
    claims: Mutex<HashMap<ShowId, Arc<tokio::sync::Mutex<Option<Instant>>>>>,
    /// Cancelled when the node stops: its actors store their shows and hand them over.
    stop: CancellationToken,
    /// The actors and the tasks beside them.
    tasks: TaskTracker,
    /// Cancelled once the actors are gone: the relays close what connections remain.
    relays_stop: CancellationToken,
    relay_tasks: TaskTracker,
    /// The threads that write the shows' frames to this node's connections.
    writers: Arc<Writers>,
}

impl Default for Shows {
    fn default() -> Shows {
        Shows::new(LiveConfig::default())
    }
}

impl Shows {
    pub fn new(config: LiveConfig) -> Shows {
        Shows {
            config,
            actors: Arc::default(),
            cluster: None,
            relays: Arc::default(),
            claims: Mutex::default(),
            stop: CancellationToken::new(),
            tasks: TaskTracker::new(),
            relays_stop: CancellationToken::new(),
            relay_tasks: TaskTracker::new(),
            writers: Arc::new(Writers::new()),
        }
    }

    /// Live shows of a node among several: each show run by the node holding its lease.
    pub fn clustered(config: LiveConfig, link: ClusterLink) -> Shows {
        Shows {
            cluster: Some(Arc::new(link)),
            ..Shows::new(config)
        }
    }

    pub fn config(&self) -> &LiveConfig {
        &self.config
    }

    /// How many are present in the show, if it runs here or this node relays it.
    pub fn audience(&self, id: &str) -> Option<usize> {
        let actors = self
            .actors
            .lock()
            .expect("the registry lock is never poisoned");
        if let Some(h) = actors.get(id) {
            return Some(h.audience.load(Ordering::Relaxed));
        }
        drop(actors);
        let relays = self
            .relays
            .lock()
            .expect("the registry lock is never poisoned");
        relays.get(id).map(|h| h.audience.load(Ordering::Relaxed))
    }

    /// Whether this node is one of several.
    pub fn is_clustered(&self) -> bool {
        self.cluster.is_some()
    }

    /// How many shows this node runs (several nodes: holds the lease of), and how many it
    /// relays to its own listeners.
    pub fn running_counts(&self) -> (usize, usize) {
        let owned = self
            .actors
            .lock()
            .expect("the registry lock is never poisoned")
            .values()
            .filter(|h| !h.commands.is_closed())
            .count();
        let relays = self
            .relays
            .lock()
            .expect("the registry lock is never poisoned")
            .values()
            .filter(|h| !h.commands.is_closed())
            .count();
        (owned, relays)
    }

    /// Stops every show's actor for a restart: each stores its state, closes its connections
    /// with 1012 (clients reconnect and resume), and ends. Waits for them. With several
    /// nodes each show this node owns is handed over: stored, its lease given up, and its
    /// listeners on every node told to resume (1012), which they do through another node.
    ///
    /// The relays stop only after the actors: a listener of this node told to resume before
    /// its show's lease was given up would come back through another node while this one
    /// still held the show, and wait for a join nobody answers.
    pub async fn shutdown(&self) {
        self.stop.cancel();
        self.tasks.close();
        self.tasks.wait().await;
        self.relays_stop.cancel();
        self.relay_tasks.close();
        self.relay_tasks.wait().await;
    }

    /// The actor of a live show, started (from its stored state) if it is not running.
    async fn handle(&self, store: &Arc<dyn Store>, show: &StoredShow) -> AppResult<Handle> {
        if let Some(h) = self.running(&show.id) {
            return Ok(h);
        }
        self.start(store, show, None).await
    }

    /// Several nodes: the show's actor if this node owns the show, taking it (and starting
    /// the actor from the stored state) when nobody holds its lease or its holder's expired.
    ///
    /// One claim at a time per show on this node: the actor listens on the subscription made
    /// before the claim that won, so every join another node sends once it finds the show
    /// taken reaches it. Two claims at once here (both win: the lease is this node's) would
    /// each listen, and the joins heard by the one whose actor did not start were lost, their
    /// clients waiting to the limit. Joins that waited for a claim asked after they arrived
    /// and refused share its answer (the show had another owner since they arrived): a burst
    /// of joins costs no burst of writes.
    async fn owned(&self, store: &Arc<dyn Store>, show: &StoredShow) -> AppResult<Option<Handle>> {
        let Some(link) = &self.cluster else {
            return self.handle(store, show).await.map(Some);
        };
        if let Some(h) = self.running(&show.id) {
            return Ok(Some(h));
        }
        if self.stop.is_cancelled() {
            return Ok(None);
        }
        let claim = self.claim_of(&show.id);
        let arrived = Instant::now();
        let mut refused = claim.lock().await;
        // Taken by the claim this one waited for, or refused to a claim asked after this
        // one arrived: another node's.
        if let Some(h) = self.running(&show.id) {
            return Ok(Some(h));
        }
        if refused.is_some_and(|at| at >= arrived) || self.stop.is_cancelled() {
            return Ok(None);
        }
        // Listening before claiming: another node's relay that finds the show taken sends
        // its joins at once, and they must not go to nobody (its client would wait for the
        // join to time out). Dropped, unheard, when the claim fails.
        let inbox = link
            .client
            .subscribe(link.inbox(&show.id))
            .await
            .map_err(|e| AppError::internal(e, "listening for a live show's listeners"))?;
        let _ = link.client.flush().await;
        let asked = Instant::now();
        let now = now_ms();
        let until = now + link.lease.as_millis() as i64;
        if !store.claim_show(&show.id, &link.node, now, until).await? {
            *refused = Some(asked);
            return Ok(None);
        }
        *refused = None;
        tracing::info!(
            show = %show.id,
            node = link.node,
            "this node runs the live show now"
        );
        self.start(store, show, Some((ClusterLink::clone(link), inbox)))
            .await
            .map(Some)
    }

    /// The lock a claim of `show` takes (made on first use; those of shows nobody claims any
    /// more are dropped meanwhile).
    fn claim_of(&self, show: &ShowId) -> Arc<tokio::sync::Mutex<Option<Instant>>> {
        let mut claims = self
            .claims
            .lock()
            .expect("the registry lock is never poisoned");
        if let Some(claim) = claims.get(show) {
            return claim.clone();
        }
        let running = self
            .actors
            .lock()
            .expect("the registry lock is never poisoned");
        claims.retain(|id, claim| Arc::strong_count(claim) > 1 || running.contains_key(id));
        drop(running);
        claims.entry(show.clone()).or_default().clone()
    }

    async fn start(
        &self,
        store: &Arc<dyn Store>,
        show: &StoredShow,
        owner: Option<(ClusterLink, async_nats::Subscriber)>,
    ) -> AppResult<Handle> {
        let live = store.live_state(&show.id).await?.ok_or_else(|| {
            AppError::internal(
                anyhow::anyhow!("show {} is live without a live state", show.id),
                "loading a live show",
            )
        })?;
        let mut saved: Saved = serde_json::from_str(&live.state)
            .map_err(|e| AppError::internal(e, "reading a live show's stored state"))?;
        // The events are stored apart from the state, as they happen: those up to its `seq`
        // refill the replay buffer, and those after it bring the state up to date.
        let events = persist::stored_events(store, &show.id).await?;
        saved.show.catch_up(events, now_ms());
        saved.sessions.extend(store.live_sessions(&show.id).await?);
        let mut actors = self
            .actors
            .lock()
            .expect("the registry lock is never poisoned");
        if let Some(h) = actors.get(&show.id).filter(|h| !h.commands.is_closed()) {
            return Ok(h.clone());
        }
        if self.stop.is_cancelled() {
            return Err(AppError::Unavailable("the server is restarting".into()));
        }
        let handle = actor::spawn(actor::Start {
            saved,
            store: store.clone(),
            config: self.config.clone(),
            registry: self.actors.clone(),
            room: self.writers.room(),
            stop: self.stop.clone(),
            tasks: self.tasks.clone(),
            owner,
        });
        actors.insert(show.id.clone(), handle.clone());
        Ok(handle)
    }

    /// This node's relay of a show (several nodes), started if it is not running.
    async fn relay(&self, link: &ClusterLink, id: &ShowId) -> AppResult<RelayHandle> {
        let existing = {
            let relays = self
                .relays
                .lock()
                .expect("the registry lock is never poisoned");
            relays.get(id).filter(|h| !h.commands.is_closed()).cloned()
        };
        if let Some(h) = existing {
            return Ok(h);
        }
        if self.stop.is_cancelled() {
            return Err(AppError::Unavailable("the server is restarting".into()));
        }
        let started = relay::spawn(
            id,
            link,
            self.writers.room(),
            self.relays.clone(),
            self.relays_stop.clone(),
            &self.relay_tasks,
        )
        .await
        .map_err(|e| AppError::internal(e, "following a live show's events"))?;
        let mut relays = self
            .relays
            .lock()
            .expect("the registry lock is never poisoned");
        if let Some(h) = relays.get(id).filter(|h| !h.commands.is_closed()) {
            // Another connection started one meanwhile: this one ends as its handle drops.
            return Ok(h.clone());
        }
        relays.insert(id.to_owned(), started.clone());
        Ok(started)
    }

    fn running(&self, id: &str) -> Option<Handle> {
        let actors = self
            .actors
            .lock()
            .expect("the registry lock is never poisoned");
        actors.get(id).filter(|h| !h.commands.is_closed()).cloned()
    }

    /// Ends a live show at once (its creator's REST call), and waits until what it recorded
    /// is stored.
    pub(crate) async fn end(&self, app: &App, show: &StoredShow) -> AppResult<()> {
        let handle = match (&self.cluster, self.owned(&app.store, show).await?) {
            (_, Some(handle)) => handle,
            (None, None) => unreachable!("one node owns every show"),
            (Some(link), None) => return end_elsewhere(link, &show.id).await,
        };
        let (reply, done) = oneshot::channel();
        if handle.commands.send(Command::End { reply }).await.is_err() {
            // The actor ended meanwhile: the show ended or the server is stopping.
            return Ok(());
        }
        let _ = done.await;
        Ok(())
    }

    /// Makes a deleted user leave every show running on this node: the others see them go,
    /// and their connection closes with 4001.
    pub(crate) async fn expel(&self, user: &str) {
        let handles: Vec<Handle> = {
            let actors = self
                .actors
                .lock()
                .expect("the registry lock is never poisoned");
            actors.values().cloned().collect()
        };
        for handle in handles {
            let command = Command::Expel {
                user: user.to_owned(),
            };
            // A closed actor is a show that ended meanwhile: nothing to leave.
            let _ = handle.commands.send(command).await;
        }
    }

    /// Ends show `id` if its actor runs on this node (its stored rows may be gone: its
    /// creator's account was deleted), so that everyone connected is told and closed.
    pub(crate) async fn end_if_running(&self, id: &str) {
        let Some(handle) = self.running(id) else {
            return;
        };
        let (reply, done) = oneshot::channel();
        if handle.commands.send(Command::End { reply }).await.is_ok() {
            let _ = done.await;
        }
    }
}

/// Asks the node that owns a show to end it, and waits until it stored the end.
async fn end_elsewhere(link: &ClusterLink, id: &str) -> AppResult<()> {
    let request = serde_json::to_vec(&cluster::In::End {}).expect("live messages serialise");
    let asked = link.client.request(link.inbox(id), request.into());
    match tokio::time::timeout(Duration::from_secs(5), asked).await {
        Ok(Ok(_)) => Ok(()),
        _ => Err(AppError::Unavailable(
            "the node running this live show did not answer (it may be stopping); try again in a few seconds"
                .into(),
        )),
    }
}

/// The live state a show starts with: nobody present, its playlist's tracks copied in.
pub(crate) async fn initial_state(app: &App, show: &StoredShow, now: i64) -> AppResult<LiveState> {
    let playlist = match &show.playlist_id {
        Some(id) => playlist(app, id).await?,
        None => Playlist::default(),
    };
    let info = ShowInfo {
        id: show.id.to_string(),
        title: show.title.clone(),
        creator: show.creator_id.to_string(),
        playlist,
    };
    Ok(Saved::state(&Show::new(info, Settings::default(), now)))
}

/// A stored playlist as a show plays it. Tracks with audio carry their stream path (signed
/// for each listener as it is sent, see [`links`]); tracks with a Spotify id carry
/// `spotify_uri`, for each listener's own Spotify player. Which tracks have audio is settled
/// here, when the show starts: the playlist is fixed while it runs.
async fn playlist(app: &App, id: &PlaylistId) -> AppResult<Playlist> {
    let stored = app.store.playlist(id).await?;
    let items = app.store.playlist_items(id, i64::MAX, 0).await?;
    let ids: Vec<TrackId> = items.iter().map(|i| i.track_id.clone()).collect();
    let tracks = app.store.tracks(&ids).await?;
    let audible: std::collections::HashSet<TrackId> = app
        .store
        .tracks_with_audio(&ids)
        .await?
        .into_iter()
        .collect();
    let by_id: HashMap<&str, &medley_domain::catalog::Track> =
        tracks.iter().map(|t| (t.id.as_str(), t)).collect();
    let tracks = items
        .iter()
        .filter_map(|i| by_id.get(i.track_id.as_str()))
        .map(|t| Track {
            uri: format!("medley:track:{}", t.id),
            name: t.name.clone(),
            artists: t.artists.iter().map(|a| a.name.clone()).collect(),
            duration_ms: t.duration_ms,
            stream_url: audible.contains(&t.id).then(|| links::stream_path(&t.id)),
            spotify_uri: t.spotify_id.as_ref().map(|s| format!("spotify:track:{s}")),
        })
        .collect();
    Ok(Playlist {
        uri: Some(format!("medley:playlist:{id}")),
        name: stored.map(|p| p.name),
        tracks,
    })
}
