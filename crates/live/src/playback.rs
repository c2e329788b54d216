//! Server-authoritative playback: what plays, from where, since when.
//!
//! While `playing`, the position at server time `now` is `position_ms + (now - at)`. A change
//! that starts or moves playing sets `at` a lead in the future so every listener, told at
//! about the same time, starts at the same instant; until `at` the track waits at
//! `position_ms`. Transitions are pure: they take the playlist and the time, and either give
//! the next playback or say why not, changing nothing.

use serde::{Deserialize, Serialize};

use crate::refusal::Refusal;
use crate::track::Track;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlayState {
    Playing,
    Paused,
    Stopped,
}

/// Where playback is. `at` is server time (Unix ms): for `playing`, when the track is (or
/// was) at `position_ms`; otherwise when playback took this state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Playback {
    pub state: PlayState,
    /// The playlist index of the current track.
    pub index: usize,
    pub position_ms: i64,
    pub at: i64,
}

/// A change asked for by `playback.*` ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Play {
        index: Option<usize>,
        position_ms: Option<i64>,
    },
    Pause,
    Next,
    Prev,
    Seek {
        position_ms: i64,
    },
}

/// `playback` as sent: the state with the current track spelled out. `track` is absent only
/// in a `welcome` of a show whose playlist is empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaybackView {
    pub state: PlayState,
    pub index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track: Option<Track>,
    pub position_ms: i64,
    pub at: i64,
}

impl Playback {
    /// Nothing played yet: the first track, from its start.
    pub fn stopped(at: i64) -> Playback {
        Playback {
            state: PlayState::Stopped,
            index: 0,
            position_ms: 0,
            at,
        }
    }

    /// The position at server time `now`, within `0..=duration_ms`. While playing it is
    /// `position_ms + (now - at)`, except that before `at` the track waits at `position_ms`.
    pub fn position_at(&self, now: i64, duration_ms: i64) -> i64 {
        let p = match self.state {
            PlayState::Playing => self.position_ms + (now - self.at).max(0),
            PlayState::Paused | PlayState::Stopped => self.position_ms,
        };
        p.clamp(0, duration_ms.max(0))
    }

    /// When the current track ends, if it is playing.
    pub fn ends_at(&self, duration_ms: i64) -> Option<i64> {
        (self.state == PlayState::Playing)
            .then(|| self.at + (duration_ms - self.position_ms).max(0))
    }

    pub fn view(&self, tracks: &[Track]) -> PlaybackView {
        PlaybackView {
            state: self.state,
            index: self.index,
            track: tracks.get(self.index).cloned(),
            position_ms: self.position_ms,
            at: self.at,
        }
    }

    /// The playback after `control` at `now`, or why it cannot happen.
    pub fn control(
        &self,
        control: Control,
        tracks: &[Track],
        now: i64,
        lead_ms: i64,
    ) -> Result<Playback, Refusal> {
        let current = tracks.get(self.index).ok_or_else(|| {
            Refusal::conflict("the show's playlist is empty: there is nothing to play")
        })?;
        let playing = |index, position_ms| Playback {
            state: PlayState::Playing,
            index,
            position_ms,
            at: now + lead_ms,
        };
        // Moving while paused or stopped keeps that state; moving while playing keeps playing.
        let moved = |index, position_ms| match self.state {
            PlayState::Playing => playing(index, position_ms),
            state => Playback {
                state,
                index,
                position_ms,
                at: now,
            },
        };
        Ok(match control {
            Control::Play {
                index: Some(index),
                position_ms,
            } => {
                let track = track_at(tracks, index)?;
                playing(index, check_position(track, position_ms.unwrap_or(0))?)
            }
            Control::Play {
                index: None,
                position_ms: Some(p),
            } => playing(self.index, check_position(current, p)?),
            Control::Play {
                index: None,
                position_ms: None,
            } => match self.state {
                PlayState::Playing => {
                    return Err(Refusal::conflict(
                        "already playing: send `playback.seek` to move, or `playback.play` with an `index`",
                    ))
                }
                PlayState::Paused => playing(self.index, self.position_ms),
                PlayState::Stopped => playing(self.index, 0),
            },
            Control::Pause => match self.state {
                PlayState::Playing => Playback {
                    state: PlayState::Paused,
                    index: self.index,
                    position_ms: self.position_at(now, current.duration_ms),
                    at: now,
                },
                _ => return Err(Refusal::conflict("nothing is playing to pause")),
            },
            Control::Next if self.index + 1 >= tracks.len() => {
                return Err(Refusal::conflict(
                    "this is the last track: send `playback.play` with an `index` to go elsewhere",
                ))
            }
            Control::Next => moved(self.index + 1, 0),
            Control::Prev if self.index == 0 => {
                return Err(Refusal::conflict(
                    "this is the first track: send `playback.play` with an `index` to go elsewhere",
                ))
            }
            Control::Prev => moved(self.index - 1, 0),
            Control::Seek { position_ms } => {
                let p = check_position(current, position_ms)?;
                match self.state {
                    PlayState::Playing => playing(self.index, p),
                    // A seek while stopped readies the track there.
                    PlayState::Paused | PlayState::Stopped => Playback {
                        state: PlayState::Paused,
                        index: self.index,
                        position_ms: p,
                        at: now,
                    },
                }
            }
        })
    }

    /// When the current track has played to its end by `now`: the next track playing, or
    /// playback stopped after the last one. `None` while the track still plays (or nothing
    /// does).
    pub fn advance(&self, tracks: &[Track], now: i64, lead_ms: i64) -> Option<Playback> {
        let ends_at = self.ends_at(tracks.get(self.index)?.duration_ms)?;
        if now < ends_at {
            return None;
        }
        Some(if self.index + 1 < tracks.len() {
            Playback {
                state: PlayState::Playing,
                index: self.index + 1,
                position_ms: 0,
                at: now + lead_ms,
            }
        } else {
            Playback {
                state: PlayState::Stopped,
                index: self.index,
                position_ms: 0,
                at: now,
            }
        })
    }
}

fn track_at(tracks: &[Track], index: usize) -> Result<&Track, Refusal> {
    tracks.get(index).ok_or_else(|| {
        Refusal::bad_request(format!(
            "`index` {index} is out of range: the playlist has {} tracks, 0 to {}",
            tracks.len(),
            tracks.len().saturating_sub(1)
        ))
    })
}

fn check_position(track: &Track, position_ms: i64) -> Result<i64, Refusal> {
    if (0..=track.duration_ms).contains(&position_ms) {
        Ok(position_ms)
    } else {
        Err(Refusal::bad_request(format!(
            "`position_ms` {position_ms} is out of range: \"{}\" lasts {} ms",
            track.name, track.duration_ms
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refusal::ErrorCode;

    const LEAD: i64 = 500;

    fn tracks() -> Vec<Track> {
        [("a", 180_000), ("b", 200_000), ("c", 60_000)]
            .into_iter()
            .map(|(name, duration_ms)| Track {
                uri: format!("medley:track:{name}"),
                name: name.into(),
                artists: vec![],
                duration_ms,
                stream_url: None,
                spotify_uri: None,
            })
            .collect()
    }

    fn playing(index: usize, position_ms: i64, at: i64) -> Playback {
        Playback {
            state: PlayState::Playing,
            index,
            position_ms,
            at,
        }
    }

    #[test]
    fn the_position_runs_from_at_while_playing() {
        let p = playing(0, 10_000, 1_000);
        assert_eq!(p.position_at(1_000, 180_000), 10_000);
        assert_eq!(p.position_at(4_500, 180_000), 13_500);
        // Before `at` (the lead) the track waits where it will start.
        assert_eq!(p.position_at(600, 180_000), 10_000);
        // Never past the end.
        assert_eq!(p.position_at(10_000_000, 180_000), 180_000);
        assert_eq!(p.ends_at(180_000), Some(171_000));
        let paused = Playback {
            state: PlayState::Paused,
            ..p
        };
        assert_eq!(paused.position_at(99_000, 180_000), 10_000);
        assert_eq!(paused.ends_at(180_000), None);
    }

    #[test]
    fn play_starts_a_lead_in_the_future() {
        let t = tracks();
        let p = Playback::stopped(0);
        let started = p.control(
            Control::Play {
                index: None,
                position_ms: None,
            },
            &t,
            1_000,
            LEAD,
        );
        assert_eq!(started, Ok(playing(0, 0, 1_500)));
        let jumped = p.control(
            Control::Play {
                index: Some(2),
                position_ms: Some(5_000),
            },
            &t,
            1_000,
            LEAD,
        );
        assert_eq!(jumped, Ok(playing(2, 5_000, 1_500)));
    }

    #[test]
    fn pause_keeps_the_position_reached_and_play_resumes_from_it() {
        let t = tracks();
        let p = playing(1, 20_000, 1_500);
        let paused = p.control(Control::Pause, &t, 11_500, LEAD).unwrap();
        assert_eq!(
            paused,
            Playback {
                state: PlayState::Paused,
                index: 1,
                position_ms: 30_000,
                at: 11_500
            }
        );
        let resumed = paused
            .control(
                Control::Play {
                    index: None,
                    position_ms: None,
                },
                &t,
                20_000,
                LEAD,
            )
            .unwrap();
        assert_eq!(resumed, playing(1, 30_000, 20_500));
        // A pause inside the lead keeps the start position, not one before it.
        let early = p.control(Control::Pause, &t, 1_200, LEAD).unwrap();
        assert_eq!(early.position_ms, 20_000);
    }

    #[test]
    fn next_prev_and_seek_stay_in_bounds() {
        let t = tracks();
        let first = playing(0, 9_000, 0);
        let code = |r: Result<Playback, Refusal>| r.unwrap_err().code;
        assert_eq!(
            code(first.control(Control::Prev, &t, 5, LEAD)),
            ErrorCode::Conflict
        );
        assert_eq!(
            first.control(Control::Next, &t, 5, LEAD),
            Ok(playing(1, 0, 505))
        );
        let last = playing(2, 0, 0);
        assert_eq!(
            code(last.control(Control::Next, &t, 5, LEAD)),
            ErrorCode::Conflict
        );
        assert_eq!(
            last.control(Control::Prev, &t, 5, LEAD),
            Ok(playing(1, 0, 505))
        );
        assert_eq!(
            first.control(
                Control::Seek {
                    position_ms: 60_000
                },
                &t,
                7,
                LEAD
            ),
            Ok(playing(0, 60_000, 507))
        );
        let too_far = first.control(
            Control::Seek {
                position_ms: 180_001,
            },
            &t,
            7,
            LEAD,
        );
        assert_eq!(
            too_far.unwrap_err().message,
            "`position_ms` 180001 is out of range: \"a\" lasts 180000 ms"
        );
        assert_eq!(
            code(first.control(Control::Seek { position_ms: -1 }, &t, 7, LEAD)),
            ErrorCode::BadRequest
        );
        let bad_index = first.control(
            Control::Play {
                index: Some(3),
                position_ms: None,
            },
            &t,
            7,
            LEAD,
        );
        assert_eq!(
            bad_index.unwrap_err().message,
            "`index` 3 is out of range: the playlist has 3 tracks, 0 to 2"
        );
    }

    #[test]
    fn moves_while_paused_stay_paused() {
        let t = tracks();
        let paused = Playback {
            state: PlayState::Paused,
            index: 0,
            position_ms: 4_000,
            at: 0,
        };
        assert_eq!(
            paused.control(Control::Next, &t, 9, LEAD),
            Ok(Playback {
                state: PlayState::Paused,
                index: 1,
                position_ms: 0,
                at: 9
            })
        );
        assert_eq!(
            Playback::stopped(0).control(Control::Seek { position_ms: 1_000 }, &t, 9, LEAD),
            Ok(Playback {
                state: PlayState::Paused,
                index: 0,
                position_ms: 1_000,
                at: 9
            })
        );
    }

    #[test]
    fn refusals_when_there_is_nothing_to_do() {
        let t = tracks();
        let code = |r: Result<Playback, Refusal>| r.unwrap_err().code;
        assert_eq!(
            code(Playback::stopped(0).control(Control::Pause, &t, 1, LEAD)),
            ErrorCode::Conflict
        );
        let playing = playing(0, 0, 0);
        let again = Control::Play {
            index: None,
            position_ms: None,
        };
        assert_eq!(
            code(playing.control(again, &t, 1, LEAD)),
            ErrorCode::Conflict
        );
        assert_eq!(
            code(playing.control(again, &[], 1, LEAD)),
            ErrorCode::Conflict
        );
    }

    #[test]
    fn a_finished_track_advances_and_the_last_one_stops() {
        let t = tracks();
        let p = playing(0, 170_000, 1_000);
        assert_eq!(p.advance(&t, 10_999, LEAD), None);
        assert_eq!(p.advance(&t, 11_000, LEAD), Some(playing(1, 0, 11_500)));
        let last = playing(2, 0, 0);
        assert_eq!(
            last.advance(&t, 60_000, LEAD),
            Some(Playback {
                state: PlayState::Stopped,
                index: 2,
                position_ms: 0,
                at: 60_000
            })
        );
        assert_eq!(Playback::stopped(0).advance(&t, 1_000_000, LEAD), None);
    }
}
