//! Listening history: plays, and the catalog entities plays name (tracks, and podcast or
//! audiobook episodes of shows).
//!
//! Writes go through a [`PlayWriter`]: one database transaction that an import fills batch by
//! batch while it streams a file, and commits only when the whole file was read. Dropping a
//! writer without [`PlayWriter::commit`] rolls everything back, so a file is imported whole or
//! not at all, and items created for it vanish with it. PostgreSQL writes through sqlx
//! ([`sql_writer`]); SQLite through its own connection ([`sqlite_writer`], which says why).
//! Both run the statements of [`statements`] and match played items to the catalog by the
//! one rule of [`catalog_match`], ties included.
//!
//! Plays are keyed by a small number per user (`listeners`), not by the user id: see
//! migration 0007.
//!
//! A play keeps whether its time was measured (`measured`). One that was not is a listen its
//! source vouched for (a scrobbler, Spotify's recently-played), with the track's length as
//! `ms_played`, or 0 when the source gave none: statistics count it whatever their `min_ms`
//! ([`StatPlay::confirmed`]) and read its length from the catalog when it has none.

use std::collections::HashMap;

use async_trait::async_trait;
use medley_domain::{Id, ImportId, TrackId, UserId};
use sqlx::Row;

use crate::error::Result;
use crate::sql::{bulk_params, SqlStore};

mod catalog_match;
mod sql_writer;
pub(crate) mod sqlite_writer;
mod statements;

use catalog_match::WantedTrack;

/// How precise a play's times are. Two copies of one play keep the more precise one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// Extended streaming history and Medley's own player: the exact end and duration.
    Exact = 0,
    /// Account data: end time truncated to the minute.
    Minute = 1,
    /// Reported live by a scrobbler or seen in Spotify's recently-played: times approximate.
    Live = 2,
    /// Counted by Medley from a stream the player did not report: when it started, and a
    /// lower bound of how long it played. Any report of the same play replaces it.
    Stream = 3,
}

impl Precision {
    pub fn from_i64(v: i64) -> Precision {
        match v {
            0 => Precision::Exact,
            1 => Precision::Minute,
            3 => Precision::Stream,
            _ => Precision::Live,
        }
    }
}

/// What a play is of: 0 track, 1 podcast episode, 2 audiobook chapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlayedKind {
    Track = 0,
    Episode = 1,
    Audiobook = 2,
}

impl PlayedKind {
    pub fn from_i64(v: i64) -> PlayedKind {
        match v {
            0 => PlayedKind::Track,
            1 => PlayedKind::Episode,
            _ => PlayedKind::Audiobook,
        }
    }
}

/// A played item to find in the catalog, or to add to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PlayedItem {
    Track {
        /// The Spotify track id (from `spotify:track:<id>`), when the export had it.
        spotify_id: Option<String>,
        name: String,
        artist: String,
        album: Option<String>,
    },
    /// A podcast episode (`audiobook: false`) or an audiobook chapter (`true`).
    Episode {
        spotify_id: Option<String>,
        name: String,
        show: String,
        audiobook: bool,
    },
}

impl PlayedItem {
    /// The track this item names, if it is one.
    fn as_track(&self) -> Option<WantedTrack<'_>> {
        match self {
            PlayedItem::Track {
                spotify_id,
                name,
                artist,
                album,
            } => Some(WantedTrack {
                spotify_id: spotify_id.as_deref(),
                name,
                artist,
                album: album.as_deref(),
            }),
            PlayedItem::Episode { .. } => None,
        }
    }
}

/// A catalog entity a play points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ItemRef {
    Track(TrackId),
    Episode(Id),
}

/// One play to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPlay {
    /// Code of the play's deduplication key (medley-imports `dedup_code`): a second play of
    /// the same user with the same code is a duplicate.
    pub dedup: i64,
    /// Hash of the normalized (creator, title), for matching copies of different precision.
    pub name_hash: i64,
    pub precision: Precision,
    pub started_at_ms: i64,
    pub ended_at_ms: i64,
    pub ms_played: i64,
    pub measured: bool,
    pub kind: PlayedKind,
    pub item: ItemRef,
    /// Where it came from: an export format, `player` or `listenbrainz`.
    pub source: String,
    pub platform: Option<String>,
    pub country: Option<String>,
    pub reason_start: Option<String>,
    pub reason_end: Option<String>,
    pub shuffle: Option<bool>,
    pub skipped: Option<bool>,
    pub offline: Option<bool>,
    pub offline_at_ms: Option<i64>,
}

/// A stored play with what statistics need of it.
#[derive(Debug, Clone, PartialEq)]
pub struct StatPlay {
    pub seq: i64,
    pub started_at_ms: i64,
    /// How long it played. For a confirmed listen, the track's length as its source gave it,
    /// or else the catalog track's duration when known (0 when neither is).
    pub ms_played: i64,
    pub kind: PlayedKind,
    /// The track or episode id.
    pub item_id: Id,
    /// The `skipped` flag, or a play ended with the forward button.
    pub skipped: bool,
    /// A listen its source reported as one without measuring how long it played (a
    /// scrobbler, Spotify's recently-played: stored with `measured` false): it counts as a
    /// play whatever the statistics' `min_ms`.
    pub confirmed: bool,
}

/// What statistics group a played item by: the track's first artist and album, or the
/// episode's show.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatItem {
    pub artist_id: Option<Id>,
    pub album_id: Option<Id>,
}

/// An episode (with its show's name) or a show, for rendering statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodcastEntity {
    /// `episode` or `show`.
    pub kind: &'static str,
    pub name: String,
    /// The show of an episode; `podcast` or `audiobook` for a show.
    pub detail: String,
    pub spotify_id: Option<String>,
}

/// See [`PlayStore::play_version`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlayVersion {
    pub last_seq: i64,
    pub deletions: i64,
}

/// The times and names of a stored play, for matching copies of one play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlayStamp {
    pub seq: i64,
    pub name_hash: i64,
    pub precision: Precision,
    pub started_at_ms: i64,
    pub ended_at_ms: i64,
}

#[async_trait]
pub trait PlayStore: Send + Sync {
    /// Opens one all-or-nothing write of plays for `user_id`, tagged with `import_id`.
    async fn play_writer(
        &self,
        user_id: &UserId,
        import_id: Option<&ImportId>,
    ) -> Result<Box<dyn PlayWriter>>;
    /// The user's plays with `seq > after_seq`, oldest write first, at most `limit`.
    async fn stat_plays_after(
        &self,
        user_id: &UserId,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<StatPlay>>;
    /// The artist and album (or show) of each played item among `ids`.
    async fn stat_items(&self, ids: &[Id]) -> Result<HashMap<Id, StatItem>>;
    /// The version of the user's history: the highest play `seq` (grows with every insert)
    /// and the number of deletions so far. Equal versions, equal histories.
    async fn play_version(&self, user_id: &UserId) -> Result<PlayVersion>;
    /// Episodes and shows among `ids`, by id.
    async fn podcast_entities(&self, ids: &[Id]) -> Result<HashMap<Id, PodcastEntity>>;
    /// Track plays ending in `(after_ms, before_ms)`, latest first: `(track_id, ended_at_ms)`.
    async fn recent_track_plays(
        &self,
        user_id: &UserId,
        after_ms: Option<i64>,
        before_ms: Option<i64>,
        limit: i64,
    ) -> Result<Vec<(TrackId, i64)>>;
}

/// One open transaction writing plays; see the module documentation.
#[async_trait]
pub trait PlayWriter: Send {
    /// Finds or creates the catalog entities of `items`, in input order, each seeing what the
    /// items before it found or created. Tracks are matched by Spotify id, then by first
    /// artist and title (the found track takes the Spotify id when it had none; ties go to
    /// the play's album, then the oldest track); episodes by Spotify id, then by show and
    /// title. [`catalog_match`] has the whole rule.
    async fn resolve(&mut self, items: &[PlayedItem], now_ms: i64) -> Result<Vec<ItemRef>>;
    /// Inserts plays, ignoring those whose dedup code the user already has. Returns how many
    /// were inserted.
    async fn insert(&mut self, plays: Vec<NewPlay>) -> Result<u64>;
    /// The highest `seq` written so far (plays inserted from now on have a higher one).
    async fn last_seq(&mut self) -> Result<i64>;
    /// Whether the user has plays of lower than exact precision ending in `[from, to]`.
    async fn has_coarse_plays(&mut self, from_ms: i64, to_ms: i64) -> Result<bool>;
    /// Stamps of the user's plays ending in `[from, to]`.
    async fn stamps(&mut self, from_ms: i64, to_ms: i64) -> Result<Vec<PlayStamp>>;
    async fn delete(&mut self, seqs: &[i64]) -> Result<()>;
    async fn commit(self: Box<Self>) -> Result<()>;
}

/// Names or ids looked up per `IN (…)` query.
const LOOKUP_CHUNK: usize = 500;

/// The listener number of the user bound as `$1`, in queries on `plays`.
const LISTENER: &str = "(SELECT no FROM listeners WHERE user_id = $1)";

fn opt_flag(b: Option<bool>) -> Option<i64> {
    b.map(i64::from)
}

impl NewPlay {
    /// The track and the episode column of the play's item.
    fn item_columns(&self) -> (Option<&str>, Option<&str>) {
        match &self.item {
            ItemRef::Track(id) => (Some(id.as_str()), None),
            ItemRef::Episode(id) => (None, Some(id.as_str())),
        }
    }
}

#[async_trait]
impl PlayStore for SqlStore {
    async fn play_writer(
        &self,
        user_id: &UserId,
        import_id: Option<&ImportId>,
    ) -> Result<Box<dyn PlayWriter>> {
        match &self.sqlite_writers {
            Some(writers) => writers.open(&self.write, user_id, import_id).await,
            None => sql_writer::open(&self.write, self.backend(), user_id, import_id).await,
        }
    }

    async fn stat_plays_after(
        &self,
        user_id: &UserId,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<StatPlay>> {
        // A listen stored without a duration takes its track's from the catalog, read now:
        // the catalog may have learned it since.
        let rows = sqlx::query(&format!(
            "SELECT seq, started_at, \
             CASE WHEN measured = 0 AND ms_played = 0 AND track_id IS NOT NULL \
                  THEN COALESCE((SELECT duration_ms FROM tracks WHERE id = plays.track_id), 0) \
                  ELSE ms_played END, \
             kind, COALESCE(track_id, episode_id), \
             CASE WHEN skipped = 1 OR reason_end = 'fwdbtn' THEN 1 ELSE 0 END, \
             1 - measured \
             FROM plays WHERE listener = {LISTENER} AND seq > $2 ORDER BY seq LIMIT $3",
        ))
        .bind(user_id.as_str())
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StatPlay {
                    seq: row.try_get(0)?,
                    started_at_ms: row.try_get(1)?,
                    ms_played: row.try_get(2)?,
                    kind: PlayedKind::from_i64(row.try_get(3)?),
                    item_id: row.try_get(4)?,
                    skipped: row.try_get::<i64, _>(5)? != 0,
                    confirmed: row.try_get::<i64, _>(6)? != 0,
                })
            })
            .collect()
    }

    async fn stat_items(&self, ids: &[Id]) -> Result<HashMap<Id, StatItem>> {
        let mut found = HashMap::new();
        for chunk in ids.chunks(LOOKUP_CHUNK) {
            let sql = format!(
                "SELECT t.id, ta.artist_id, t.album_id FROM tracks t \
                 LEFT JOIN track_artists ta ON ta.track_id = t.id AND ta.ord = 0 \
                 WHERE t.id IN ({}) \
                 UNION ALL SELECT id, show_id, NULL FROM episodes WHERE id IN ({})",
                bulk_params(self.backend(), 1, chunk.len()),
                bulk_params(self.backend(), chunk.len() + 1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for _ in 0..2 {
                for id in chunk {
                    q = q.bind(id);
                }
            }
            for row in q.fetch_all(&self.read).await? {
                found.insert(
                    row.try_get(0)?,
                    StatItem {
                        artist_id: row.try_get(1)?,
                        album_id: row.try_get(2)?,
                    },
                );
            }
        }
        Ok(found)
    }

    async fn play_version(&self, user_id: &UserId) -> Result<PlayVersion> {
        let row = sqlx::query(&format!(
            "SELECT (SELECT COALESCE(MAX(seq), 0) FROM plays WHERE listener = {LISTENER}), \
             (SELECT COALESCE(MAX(deletions), 0) FROM play_versions WHERE user_id = $1)",
        ))
        .bind(user_id.as_str())
        .fetch_one(&self.read)
        .await?;
        Ok(PlayVersion {
            last_seq: row.try_get(0)?,
            deletions: row.try_get(1)?,
        })
    }

    async fn podcast_entities(&self, ids: &[Id]) -> Result<HashMap<Id, PodcastEntity>> {
        let mut found = HashMap::new();
        for chunk in ids.chunks(LOOKUP_CHUNK) {
            let list = bulk_params(self.backend(), 1, chunk.len());
            let sql = format!(
                "SELECT e.id, 'episode', e.name, s.name, e.spotify_id FROM episodes e \
                 JOIN shows s ON s.id = e.show_id WHERE e.id IN ({list}) \
                 UNION ALL SELECT id, 'show', name, kind, spotify_id FROM shows WHERE id IN ({})",
                bulk_params(self.backend(), chunk.len() + 1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for _ in 0..2 {
                for id in chunk {
                    q = q.bind(id);
                }
            }
            for row in q.fetch_all(&self.read).await? {
                let kind: String = row.try_get(1)?;
                found.insert(
                    row.try_get(0)?,
                    PodcastEntity {
                        kind: if kind == "episode" { "episode" } else { "show" },
                        name: row.try_get(2)?,
                        detail: row.try_get(3)?,
                        spotify_id: row.try_get(4)?,
                    },
                );
            }
        }
        Ok(found)
    }

    async fn recent_track_plays(
        &self,
        user_id: &UserId,
        after_ms: Option<i64>,
        before_ms: Option<i64>,
        limit: i64,
    ) -> Result<Vec<(TrackId, i64)>> {
        let rows = sqlx::query(&format!(
            "SELECT track_id, ended_at FROM plays WHERE listener = {LISTENER} AND kind = 0 \
             AND ended_at > $2 AND ended_at < $3 ORDER BY ended_at DESC, seq DESC LIMIT $4",
        ))
        .bind(user_id.as_str())
        .bind(after_ms.unwrap_or(i64::MIN))
        .bind(before_ms.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?.into(), r.try_get(1)?)))
            .collect()
    }
}
