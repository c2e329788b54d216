//! Plays counted from streams: a listener who plays a track through Medley has it in their
//! statistics once, whether their player reports the play (`POST /v1/me/player/plays`, a
//! Subsonic scrobble, a ListenBrainz submission) or not, and never twice.
//!
//! The rule. A stream request (GET of the audio, the original or a transcode) by a user starts a
//! *playback* of that track, unless it continues the user's current one: same track, and the
//! same `playback` id when the stream URL carries one, else within the track's length (plus a
//! minute) of its start (range requests, seeks, a resumed download). A user has one current
//! playback: starting another ends it. A playback still current after the threshold
//! (30 s, or half the track if that is less) is counted as a play that started when the
//! playback did and lasted the threshold, with the lowest precision (`Stream`). A report of
//! the same track by the player while the playback is current, before the threshold, settles
//! it (the report is the play; nothing is counted from the stream); a report after it is
//! paired with the counted play by time (the play-matching tolerance, 60 s) and replaces it,
//! as a more precise copy of one play always does. A peek (another track started, or nothing
//! more, before the threshold) counts nothing.
//!
//! Each playback waits for its threshold in a task of [`Playbacks`]'s own. When the node stops
//! ([`Playbacks::shutdown`]), a playback not yet at its threshold is given up (it is not a play
//! yet), said in the log, and one whose play is being written is waited for.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use medley_domain::causes::Causes;
use medley_domain::{TrackId, UserId};
use medley_history::{Format, Item, Play};
use medley_imports::LivePlay;
use medley_store::{ItemRef, Precision};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::clock::now_ms;
use crate::App;

/// The most a playback must last to count.
pub const THRESHOLD_MS: i64 = 30_000;
/// How long after a playback could have ended a stream of its track still continues it.
const SLACK_MS: i64 = 60_000;

/// How long a playback of a track of `duration_ms` must last to count.
pub fn threshold_ms(duration_ms: i64) -> i64 {
    if duration_ms <= 0 {
        THRESHOLD_MS
    } else {
        THRESHOLD_MS.min(duration_ms / 2).max(1)
    }
}

struct Current {
    track_id: TrackId,
    playback: Option<String>,
    started_at_ms: i64,
    until_ms: i64,
    generation: u64,
    /// Counted, or reported by the player: nothing more comes of it.
    settled: bool,
}

/// The current playback of each user on this node, and the checks waiting to count them.
#[derive(Default)]
pub struct Playbacks {
    current: Mutex<HashMap<UserId, Current>>,
    generation: AtomicU64,
    waiting: Arc<AtomicU64>,
    /// The checks, so that a stopping node waits for those writing a play.
    tasks: TaskTracker,
    /// Fired when the node stops: checks not yet at their threshold give up.
    stop: CancellationToken,
    /// Playbacks given up because the node stopped before their threshold.
    given_up: AtomicU64,
}

impl Playbacks {
    /// Stops counting, as the node stops (after its last request): playbacks not yet at their
    /// threshold are given up, and plays being written are waited for. Returns how many were
    /// given up.
    pub async fn shutdown(&self) -> u64 {
        self.stop.cancel();
        self.tasks.close();
        self.tasks.wait().await;
        let given_up = self.given_up.load(Ordering::Relaxed);
        if given_up > 0 {
            tracing::info!(
                playbacks = given_up,
                "stream playbacks not yet at their threshold were given up: the node stopped"
            );
        }
        given_up
    }

    /// Playbacks whose threshold has not come yet (for the metrics, and tests).
    pub fn waiting(&self) -> u64 {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Forgets a user's current playback without counting it (their account was deleted).
    pub fn forget(&self, user_id: &UserId) {
        self.current.lock().expect("playbacks").remove(user_id);
    }

    /// The player reported a play of `track_id`: the user's current playback of it is settled.
    pub fn reported(&self, user_id: &UserId, track_id: &TrackId) {
        let mut current = self.current.lock().expect("playbacks");
        if let Some(c) = current.get_mut(user_id) {
            if c.track_id == *track_id {
                c.settled = true;
            }
        }
    }
}

/// A stream of `track_id` (lasting `duration_ms`) was sent to `user_id`, with the URL's
/// `playback` id if any: starts a playback unless it continues the current one.
pub fn stream_started(
    app: &App,
    user_id: &UserId,
    track_id: &TrackId,
    duration_ms: i64,
    playback: Option<&str>,
) {
    let now = now_ms();
    let playbacks = app.playbacks.clone();
    let generation = {
        let mut current = playbacks.current.lock().expect("playbacks");
        if let Some(c) = current.get(user_id) {
            let same = c.track_id == *track_id
                && match (playback, &c.playback) {
                    (Some(new), Some(old)) => new == old,
                    (Some(_), None) => false,
                    (None, _) => now <= c.until_ms,
                };
            if same {
                return;
            }
        }
        let generation = playbacks.generation.fetch_add(1, Ordering::Relaxed);
        current.insert(
            user_id.to_owned(),
            Current {
                track_id: track_id.clone(),
                playback: playback.map(str::to_owned),
                started_at_ms: now,
                until_ms: now + duration_ms.max(0) + SLACK_MS,
                generation,
                settled: false,
            },
        );
        generation
    };
    let threshold = threshold_ms(duration_ms);
    let app = app.clone();
    let user_id = user_id.to_owned();
    let waiting = playbacks.waiting.clone();
    waiting.fetch_add(1, Ordering::Relaxed);
    let tasks = playbacks.tasks.clone();
    tasks.spawn(async move {
        let reached = tokio::select! {
            biased;
            _ = tokio::time::sleep(Duration::from_millis(threshold as u64)) => true,
            _ = playbacks.stop.cancelled() => false,
        };
        if !reached {
            playbacks.given_up.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(user = %user_id, "a stream playback was given up before its threshold: the node is stopping");
            waiting.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        let due = {
            let mut current = playbacks.current.lock().expect("playbacks");
            match current.get_mut(&user_id) {
                Some(c) if c.generation == generation && !c.settled => {
                    c.settled = true;
                    Some((c.track_id.clone(), c.started_at_ms))
                }
                _ => None,
            }
        };
        if let Some((track_id, started)) = due {
            if let Err(e) = count(&app, &user_id, &track_id, started, threshold).await {
                tracing::warn!(error = %Causes(&e), track = %track_id, "a play from a stream was not recorded");
            }
        }
        waiting.fetch_sub(1, Ordering::Relaxed);
    });
}

/// Records the play of a playback that reached its threshold.
async fn count(
    app: &App,
    user_id: &UserId,
    track_id: &TrackId,
    started_at_ms: i64,
    ms_played: i64,
) -> crate::AppResult<()> {
    let Some(track) = app
        .store
        .tracks(std::slice::from_ref(track_id))
        .await?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let mut play = Play::bare(
        Format::ExtendedAudio,
        started_at_ms + ms_played,
        started_at_ms,
        ms_played as u64,
        true,
        Item::Track {
            name: Some(track.name.clone()),
            artist: track.artists.first().map(|a| a.name.clone()),
            album: Some(track.album.name.clone()),
            uri: Some(format!("medley:track:{track_id}")),
        },
    );
    play.platform = Some("medley stream".into());
    let live = LivePlay {
        play,
        item: Some(ItemRef::Track(track_id.clone())),
    };
    crate::plays::record_live(app, user_id, vec![live], "stream", Precision::Stream).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_seconds_or_half_the_track() {
        assert_eq!(threshold_ms(240_000), 30_000);
        assert_eq!(threshold_ms(40_000), 20_000);
        assert_eq!(threshold_ms(0), 30_000, "unknown length: 30 s");
        assert_eq!(threshold_ms(1), 1);
    }
}
