//! Files become catalog tracks: what a file's tags make of a track, its row, and the writing
//! of a batch of files (each matched to a catalog track, or to a track the batch adds) in one
//! transaction, with the search index told of the tracks added.

use std::collections::BTreeSet;

use medley_audio::Probed;
use medley_domain::catalog::{date_precision, name_key, NewTrack};
use medley_domain::{AudioFileId, TrackId};
use medley_events::Event;
use medley_store::{AudioFile, AudioOrigin, AudioStatus, TrackChoice, TrackToAdd};

use super::matching::{Key, Matcher};
use crate::error::AppResult;
use crate::App;

/// What a track is called when its tags name no artist.
pub const UNKNOWN_ARTIST: &str = "Unknown Artist";

/// A probed file ready to be written: its row (the track is chosen when it is written) and
/// the track its tags describe.
pub struct Incoming {
    pub row: AudioFile,
    pub key: Key,
    pub track: TrackToAdd,
}

/// How a batch was written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Files that joined a catalog track.
    pub matched: u64,
    /// Tracks the batch added to the catalog.
    pub created: u64,
}

fn clip(s: &str, max_chars: usize) -> String {
    s.trim().chars().take(max_chars).collect()
}

/// The track a file's tags describe (`stem`, the file's name without its extension, is the
/// title of an untitled file), and the key it is matched by.
pub fn describe(probed: &Probed, stem: &str) -> (Key, TrackToAdd) {
    let tags = &probed.tags;
    let name = tags
        .title
        .as_deref()
        .map(|t| clip(t, 500))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| {
            let stem = clip(stem, 500);
            if stem.is_empty() {
                "Untitled".into()
            } else {
                stem
            }
        });
    let mut artists: Vec<String> = tags
        .artists
        .iter()
        .map(|a| clip(a, 300))
        .filter(|a| !a.is_empty())
        .take(20)
        .collect();
    let album_artist = tags
        .album_artist
        .as_deref()
        .map(|a| clip(a, 300))
        .filter(|a| !a.is_empty());
    if artists.is_empty() {
        artists.push(
            album_artist
                .clone()
                .unwrap_or_else(|| UNKNOWN_ARTIST.into()),
        );
    }
    let track = NewTrack {
        name: name.clone(),
        artists: artists.clone(),
        album: tags
            .album
            .as_deref()
            .map(|a| clip(a, 500))
            .filter(|a| !a.is_empty()),
        duration_ms: (probed.properties.duration_ms as i64).clamp(1, 86_400_000),
        isrc: tags.isrc.clone(),
        release_date: tags.date.clone().filter(|d| date_precision(d).is_some()),
        track_number: tags
            .track_number
            .map(i64::from)
            .filter(|n| (1..=10_000).contains(n)),
        ..NewTrack::default()
    };
    let key = Key {
        isrc: track.isrc.clone(),
        title: name_key(&name),
        artists: artists.iter().map(|a| name_key(a)).collect(),
        duration_ms: track.duration_ms,
    };
    let add = TrackToAdd {
        track,
        album_artist,
        disc_number: tags
            .disc_number
            .map(i64::from)
            .filter(|n| (1..=1_000).contains(n)),
    };
    (key, add)
}

/// The row of a probed file; `track_id` is set when it is written.
pub fn row(
    probed: &Probed,
    id: AudioFileId,
    origin: AudioOrigin,
    root: &str,
    path: &str,
) -> AudioFile {
    let p = &probed.properties;
    AudioFile {
        id,
        track_id: TrackId::from(String::new()),
        origin,
        root: root.into(),
        path: path.into(),
        object_key: None,
        size: probed.size as i64,
        mtime_ms: probed.mtime_ms,
        content_hash: probed.content_hash.clone(),
        format: probed.format.as_str().into(),
        codec: p.codec.clone(),
        duration_ms: p.duration_ms as i64,
        bitrate_kbps: p.bitrate_kbps.map(i64::from),
        sample_rate_hz: p.sample_rate_hz.map(i64::from),
        channels: p.channels.map(i64::from),
        bit_depth: p.bit_depth.map(i64::from),
        tags: serde_json::to_string(&probed.tags).expect("tags serialise"),
        status: AudioStatus::Present,
        uploaded_by: None,
        created_at_ms: 0,
        updated_at_ms: 0,
        missing_since_ms: None,
    }
}

/// Writes a batch: matches each file (ISRC, then title, artist and duration; then the tracks
/// the batch adds), adds the tracks none matched, and writes the rows, in one transaction.
/// Returns the counts and each file's track, in order.
pub async fn write(app: &App, batch: Vec<Incoming>) -> AppResult<(Written, Vec<TrackId>)> {
    if batch.is_empty() {
        return Ok((Written::default(), vec![]));
    }
    let isrcs: Vec<String> = batch
        .iter()
        .filter_map(|i| i.key.isrc.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let titles: Vec<String> = batch
        .iter()
        .map(|i| i.key.title.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut matcher = Matcher::new(
        app.store.tracks_by_isrcs(&isrcs).await?,
        app.store.title_candidates(&titles).await?,
    );
    let mut written = Written::default();
    let mut tracks = Vec::new();
    let mut files = Vec::with_capacity(batch.len());
    for incoming in batch {
        let choice = match matcher.find(&incoming.key) {
            Some(choice) => choice,
            None => {
                tracks.push(incoming.track);
                TrackChoice::New(matcher.adding(incoming.key))
            }
        };
        if matches!(choice, TrackChoice::Existing(_)) {
            written.matched += 1;
        }
        files.push((incoming.row, choice));
    }
    let added = app
        .store
        .write_audio_files(&tracks, &files, crate::now_ms())
        .await?;
    app.caches.forget_audio();
    written.created = added.len() as u64;
    let track_of: Vec<TrackId> = files
        .iter()
        .map(|(_, choice)| match choice {
            TrackChoice::Existing(id) => id.clone(),
            TrackChoice::New(i) => added[*i].clone(),
        })
        .collect();
    if !added.is_empty() {
        let stored = app.store.tracks(&added).await?;
        crate::catalog::index_tracks(&app.search, &stored)?;
        app.caches.forget_tracks(&added);
        app.bus.publish(Event::TracksUpserted { track_ids: added });
    }
    Ok((written, track_of))
}
