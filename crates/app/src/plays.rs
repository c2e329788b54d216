//! Recording live plays: Medley's player and scrobblers (ListenBrainz submissions).

use medley_domain::uri::{Kind, Uri};
use medley_domain::user::User;
use medley_domain::{TrackId, UserId};
use medley_events::Event;
use medley_history::{Format, Item, Play};
use medley_imports::{record, LivePlay, Recorded};
use medley_store::{ItemRef, Precision};

use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::App;

/// Latest a reported play may end in the future (clocks of clients drift).
const CLOCK_SKEW_MS: i64 = 5 * 60_000;
/// Earliest plausible play (Spotify launched in 2008; scrobbles go back to 2002).
const EARLIEST_MS: i64 = 1_000_000_000_000;
const DAY_MS: i64 = 24 * 3_600_000;

/// Checks the times of a reported play.
pub fn check_times(ended_at_ms: i64, ms_played: i64) -> AppResult<()> {
    if !(0..=DAY_MS).contains(&ms_played) {
        return Err(AppError::Invalid(format!(
            "`ms_played` must be between 0 and {DAY_MS} (24 hours), not {ms_played}"
        )));
    }
    if ended_at_ms > now_ms() + CLOCK_SKEW_MS {
        return Err(AppError::Invalid(
            "the play ends in the future: check the time you sent".into(),
        ));
    }
    if ended_at_ms - ms_played < EARLIEST_MS {
        return Err(AppError::Invalid(
            "the play is dated before 2001-09-09: send times in Unix seconds (ListenBrainz) or \
             RFC 3339"
                .into(),
        ));
    }
    Ok(())
}

/// A play of a Medley catalog track through Medley's own player.
pub struct PlayerPlay {
    pub track_id: TrackId,
    pub name: String,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub ended_at_ms: i64,
    pub ms_played: i64,
    pub skipped: Option<bool>,
    pub shuffle: Option<bool>,
}

pub async fn record_player_play(app: &App, user_id: &UserId, p: PlayerPlay) -> AppResult<Recorded> {
    check_times(p.ended_at_ms, p.ms_played)?;
    let mut play = Play::bare(
        Format::ExtendedAudio,
        p.ended_at_ms,
        p.ended_at_ms - p.ms_played,
        p.ms_played as u64,
        true,
        Item::Track {
            name: Some(p.name),
            artist: p.artist,
            album: p.album,
            uri: Some(format!("medley:track:{}", p.track_id)),
        },
    );
    play.skipped = p.skipped;
    play.shuffle = p.shuffle;
    play.platform = Some("medley".into());
    app.playbacks.reported(user_id, &p.track_id);
    let live = LivePlay {
        play,
        item: Some(ItemRef::Track(p.track_id)),
    };
    record_live(app, user_id, vec![live], "player", Precision::Exact).await
}

/// Scrobbled listens (ListenBrainz shape), already checked.
pub async fn record_scrobbles(
    app: &App,
    user_id: &UserId,
    plays: Vec<Play>,
) -> AppResult<Recorded> {
    let live = plays
        .into_iter()
        .map(|play| LivePlay { play, item: None })
        .collect();
    record_live(app, user_id, live, "listenbrainz", Precision::Live).await
}

/// Records plays and tells the bus when some were new.
pub async fn record_live(
    app: &App,
    user_id: &UserId,
    plays: Vec<LivePlay>,
    source: &str,
    precision: Precision,
) -> AppResult<Recorded> {
    let recorded = record(&app.store, user_id, plays, source, precision, now_ms())
        .await
        .map_err(anyhow::Error::from)?;
    if recorded.added > 0 {
        app.bus.publish(Event::PlaysRecorded {
            user_id: user_id.to_owned(),
            added: recorded.added,
        });
    }
    Ok(recorded)
}

/// A play of a catalog track reported by Medley's player, as the caller sends it.
pub struct ReportedPlay {
    /// `medley:track:<id>` or the track id.
    pub track: String,
    /// When the play ended (RFC 3339); now when absent.
    pub played_at: Option<String>,
    /// How long it played; the whole track when absent.
    pub ms_played: Option<i64>,
    pub skipped: Option<bool>,
    pub shuffle: Option<bool>,
}

/// A play Medley's player reported, as recorded.
pub struct PlayedTrack {
    /// False when this play was already recorded (sent twice).
    pub recorded: bool,
    pub track_id: TrackId,
    pub ended_at_ms: i64,
    pub ms_played: i64,
}

/// Records `user`'s play of a catalog track through Medley's player (the track must exist).
pub async fn play_track(app: &App, user: &User, p: ReportedPlay) -> AppResult<PlayedTrack> {
    let id = TrackId::from(if p.track.contains(':') {
        Uri::parse_kind(&p.track, Kind::Track)
            .map_err(|e| AppError::Invalid(e.to_string()))?
            .id
    } else {
        p.track.clone()
    });
    let track = app.store.tracks(std::slice::from_ref(&id)).await?;
    let track = track
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Invalid(format!("`{}` is not a track in the catalog", p.track)))?;
    let ended_at_ms = match &p.played_at {
        None => now_ms(),
        Some(at) => at
            .parse::<jiff::Timestamp>()
            .map_err(|e| AppError::Invalid(format!("`played_at` is not an RFC 3339 time: {e}")))?
            .as_millisecond(),
    };
    let ms_played = p.ms_played.unwrap_or(track.duration_ms);
    let recorded = record_player_play(
        app,
        &user.id,
        PlayerPlay {
            track_id: track.id.clone(),
            name: track.name.clone(),
            artist: track.artists.first().map(|a| a.name.clone()),
            album: Some(track.album.name.clone()),
            ended_at_ms,
            ms_played,
            skipped: p.skipped,
            shuffle: p.shuffle,
        },
    )
    .await?;
    Ok(PlayedTrack {
        recorded: recorded.added > 0,
        track_id: track.id,
        ended_at_ms,
        ms_played,
    })
}

/// Most plays listed at once by [`recent_tracks`].
pub const MAX_RECENT: i64 = 50;

/// `user`'s latest plays of tracks, latest first: `(track_id, played_at_ms)`, at most `limit`
/// (1 to [`MAX_RECENT`]), after or before a time in ms (not both).
pub async fn recent_tracks(
    app: &App,
    user: &User,
    after: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> AppResult<Vec<(TrackId, i64)>> {
    if !(1..=MAX_RECENT).contains(&limit) {
        return Err(AppError::Invalid(format!(
            "`limit` must be between 1 and {MAX_RECENT}, not {limit}"
        )));
    }
    if after.is_some() && before.is_some() {
        return Err(AppError::Invalid(
            "give `after` or `before`, not both".into(),
        ));
    }
    Ok(app
        .store
        .recent_track_plays(&user.id, after, before, limit)
        .await?)
}
