//! What a player says about songs, albums and artists: stars (a starred song is a liked song,
//! the same as `PUT /v1/me/tracks`), ratings, scrobbles (plays recorded like any scrobbler's)
//! and what is playing now.

use medley_domain::user::User;
use medley_domain::{Id, TrackId};
use medley_events::Event;
use medley_history::{Format, Item, Play};
use medley_imports::LivePlay;
use medley_store::{ItemRef, NowPlaying, Precision};

use super::browse::not_found;
use super::library::Library;
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::plays::{check_times, record_live};
use crate::App;

/// How long a "now playing" report lasts without another.
pub const NOW_PLAYING_MS: i64 = 15 * 60_000;

/// What ids name, sorted by kind.
#[derive(Debug, Default)]
struct Targets {
    songs: Vec<TrackId>,
    albums: Vec<Id>,
    artists: Vec<Id>,
}

/// Sorts `ids` (any kind), `album_ids` and `artist_ids` by what they are in the library; an
/// id the library does not hold is "not found".
fn targets(
    lib: &Library,
    ids: &[String],
    album_ids: &[String],
    artist_ids: &[String],
) -> AppResult<Targets> {
    let mut t = Targets::default();
    for id in ids {
        if let Some(song) = lib.song(id) {
            t.songs.push(song.id.clone());
        } else if lib.album(id).is_some() {
            t.albums.push(id.clone());
        } else if lib.artist(id).is_some() {
            t.artists.push(id.clone());
        } else {
            return Err(not_found("song, album or artist", id));
        }
    }
    for id in album_ids {
        lib.album(id).ok_or_else(|| not_found("album", id))?;
        t.albums.push(id.clone());
    }
    for id in artist_ids {
        lib.artist(id).ok_or_else(|| not_found("artist", id))?;
        t.artists.push(id.clone());
    }
    Ok(t)
}

/// Stars (`star`) or unstars songs, albums and artists. Songs become (or stop being) liked.
pub async fn set_starred(
    app: &App,
    user: &User,
    lib: &Library,
    ids: &[String],
    album_ids: &[String],
    artist_ids: &[String],
    star: bool,
) -> AppResult<()> {
    let t = targets(lib, ids, album_ids, artist_ids)?;
    let now = now_ms();
    if !t.songs.is_empty() {
        let (added, removed) = if star {
            (
                app.store.save_tracks(&user.id, &t.songs, now).await?,
                vec![],
            )
        } else {
            (vec![], app.store.unsave_tracks(&user.id, &t.songs).await?)
        };
        if !added.is_empty() || !removed.is_empty() {
            app.bus.publish(Event::SavedTracksChanged {
                user_id: user.id.clone(),
                added,
                removed,
            });
        }
    }
    app.store
        .set_stars(&user.id, "album", &t.albums, star, now)
        .await?;
    app.store
        .set_stars(&user.id, "artist", &t.artists, star, now)
        .await?;
    Ok(())
}

/// Rates a song, album or artist from 1 to 5; 0 removes the rating.
pub async fn set_rating(
    app: &App,
    user: &User,
    lib: &Library,
    id: &str,
    rating: i64,
) -> AppResult<()> {
    if !(0..=5).contains(&rating) {
        return Err(AppError::Invalid(format!(
            "`rating` must be 0 (remove the rating) to 5, not {rating}"
        )));
    }
    let kind = if lib.song(id).is_some() {
        "song"
    } else if lib.album(id).is_some() {
        "album"
    } else if lib.artist(id).is_some() {
        "artist"
    } else {
        return Err(not_found("song, album or artist", id));
    };
    app.store
        .set_rating(&user.id, kind, id, rating, now_ms())
        .await?;
    Ok(())
}

/// A scrobble: `times_ms` (when each song was listened to, if the player says) match `ids`
/// one to one. `submission` records plays; otherwise the songs are what `player` is playing
/// now.
pub async fn scrobble(
    app: &App,
    user: &User,
    lib: &Library,
    ids: &[String],
    times_ms: &[i64],
    submission: bool,
    player: &str,
) -> AppResult<u64> {
    if !times_ms.is_empty() && times_ms.len() != ids.len() {
        return Err(AppError::Invalid(format!(
            "give one `time` for each `id` or none ({} ids, {} times)",
            ids.len(),
            times_ms.len()
        )));
    }
    let songs = ids
        .iter()
        .map(|id| lib.song(id).ok_or_else(|| not_found("song", id)))
        .collect::<AppResult<Vec<_>>>()?;
    let now = now_ms();
    if !submission {
        if let Some(song) = songs.last() {
            app.store
                .set_now_playing(&user.id, player, &song.id, now)
                .await?;
        }
        return Ok(0);
    }
    let mut plays = Vec::with_capacity(songs.len());
    for (i, song) in songs.iter().enumerate() {
        // A time is when the listen started; without one, the listen ends now.
        let ms = song.duration_ms.max(0);
        let (started, ended) = match times_ms.get(i) {
            Some(&t) => (t, (t + ms).min(now.max(t))),
            None => (now - ms, now),
        };
        check_times(ended, ended - started)?;
        let mut play = Play::bare(
            Format::ListenBrainz,
            ended,
            started,
            (ended - started) as u64,
            false,
            Item::Track {
                name: Some(song.title.clone()),
                artist: song.artists.first().map(|a| a.name.clone()),
                album: Some(song.album.clone()),
                uri: Some(format!("medley:track:{}", song.id)),
            },
        );
        play.platform = Some(if player.is_empty() {
            "subsonic".to_owned()
        } else {
            player.to_owned()
        });
        app.playbacks.reported(&user.id, &song.id);
        plays.push(LivePlay {
            play,
            item: Some(ItemRef::Track(song.id.clone())),
        });
    }
    let recorded = record_live(app, &user.id, plays, "subsonic", Precision::Live).await?;
    Ok(recorded.added)
}

/// What users are playing now (started within [`NOW_PLAYING_MS`] of `now_ms`).
pub async fn now_playing(app: &App, now_ms: i64) -> AppResult<Vec<NowPlaying>> {
    Ok(app.store.now_playing(now_ms - NOW_PLAYING_MS).await?)
}
