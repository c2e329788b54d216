//! Keeping listening history current from Spotify: `GET /me/player/recently-played` reaches
//! only the last 50 plays, so each connection is polled regularly (one request when nothing
//! happened) from a persisted cursor, and sooner again when a poll comes back full. The plays
//! are recorded as live plays: when a later data export holds the same plays, each counts once
//! (the import matches them within a tolerance).

use medley_history::{Format, Item, Play};
use medley_imports::LivePlay;
use medley_spotify::objects::PlayHistory;
use medley_store::{ConnectionStatus, ItemRef, Precision};

use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::jobs::JobKind;
use crate::plays::record_live;
use crate::spotify::collections::{catalog_ids, parse_time};
use crate::App;

/// Spotify's page: a poll that returns this many may have missed older plays.
const PAGE: usize = 50;

/// What one poll found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Polled {
    pub seen: usize,
    pub added: u64,
    pub requests: u64,
}

/// Polls one connection's recently played and records what is new.
pub async fn poll(app: &App, connection_id: &str) -> AppResult<Polled> {
    let spotify = app.spotify()?;
    let Some(connection) = app.store.connection(connection_id).await? else {
        // Unlinked since the work was queued: nothing to do.
        return Ok(Default::default());
    };
    if connection.status != ConnectionStatus::Active
        || !connection
            .scopes
            .iter()
            .any(|s| s == "user-read-recently-played")
    {
        return Ok(Polled::default());
    }
    let session = spotify.session(&app.store, &connection).await?;
    let page = session.recently_played(connection.plays_cursor_ms).await;
    spotify
        .settle(app.store.as_ref(), &connection, &session, &page)
        .await?;
    let requests = session.meter().total();
    let page = page.map_err(|e| AppError::upstream("Spotify", e))?;
    let mut plays: Vec<(i64, &PlayHistory)> = page
        .iter()
        .filter_map(|p| Some((parse_time(&p.played_at)?, p)))
        .filter(|(at, _)| connection.plays_cursor_ms.is_none_or(|c| *at > c))
        .collect();
    plays.sort_by_key(|(at, _)| *at);
    let ids = catalog_ids(app, plays.iter().map(|(_, p)| &p.track)).await?;
    let live: Vec<LivePlay> = plays
        .iter()
        .zip(ids)
        .filter_map(|((at, p), id)| {
            let id = id?;
            // Spotify says when a play ended, not how long it lasted: the track's length is
            // the estimate, marked as not measured.
            let mut play = Play::bare(
                Format::ExtendedAudio,
                *at,
                at - p.track.duration_ms as i64,
                p.track.duration_ms,
                false,
                Item::Track {
                    name: Some(p.track.name.clone()),
                    artist: p.track.artists.first().map(|a| a.name.clone()),
                    album: p.track.album.as_ref().map(|a| a.name.clone()),
                    uri: Some(p.track.uri.clone()),
                },
            );
            play.platform = Some("spotify".into());
            Some(LivePlay {
                play,
                item: Some(ItemRef::Track(id)),
            })
        })
        .collect();
    let seen = plays.len();
    let added = if live.is_empty() {
        0
    } else {
        record_live(app, &connection.user_id, live, "spotify", Precision::Live)
            .await?
            .added
    };
    if let Some((latest, _)) = plays.last() {
        app.store
            .advance_plays_cursor(&connection.id, *latest)
            .await?;
    }
    if page.len() >= PAGE {
        // Plays may be coming faster than the polls: look again soon.
        let soon = now_ms() + spotify.config.poll_interval.as_millis() as i64;
        app.store
            .enqueue(JobKind::SpotifyPlays, &connection.id, "", soon, now_ms())
            .await?;
    }
    Ok(Polled {
        seen,
        added,
        requests,
    })
}
