//! Listening statistics: each user's history is loaded once from the store into the pure
//! engine's compact form (medley-stats) and kept in memory, brought up to date from the
//! store's play version before every question: new plays are appended, a deletion (a coarse
//! copy replaced by a precise one) reloads. Any node answers the same, whatever wrote.

use std::collections::HashMap;
use std::sync::Arc;

use medley_domain::{Id, UserId};
use medley_stats::{History, Kind, Listen, NONE};
use medley_store::{PlayVersion, PlayedKind, StatItem, StatPlay, Store};

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;

use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::App;

/// Plays read from the store per query while loading.
const LOAD_BATCH: i64 = 100_000;
/// Memory for histories kept across requests (all users of this node).
const CACHE_BYTES: u64 = 512 * 1024 * 1024;

/// Dense indices for the engine, and back.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub ids: Vec<Id>,
    by_id: HashMap<Id, u32>,
}

impl Index {
    fn of(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.by_id.get(id) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.push(id.to_owned());
        self.by_id.insert(id.to_owned(), i);
        i
    }

    pub fn id(&self, i: u32) -> &str {
        &self.ids[i as usize]
    }
}

/// One user's history in the engine's form.
#[derive(Debug, Clone, Default)]
pub struct UserHistory {
    pub version: PlayVersion,
    pub history: History,
    /// Tracks and episodes.
    pub items: Index,
    /// The artist and album index of each item.
    item_groups: Vec<(u32, u32)>,
    /// Artists and shows.
    pub artists: Index,
    pub albums: Index,
}

impl UserHistory {
    /// Adds plays; `items` gives the artist and album of items not seen before.
    fn add(&mut self, plays: Vec<StatPlay>, items: &HashMap<Id, StatItem>) {
        let mut listens = Vec::with_capacity(plays.len());
        for p in plays {
            let item = self.items.of(&p.item_id);
            if item as usize == self.item_groups.len() {
                let group = items.get(&p.item_id).cloned().unwrap_or_default();
                let artist = group
                    .artist_id
                    .as_deref()
                    .map_or(NONE, |a| self.artists.of(a));
                let album = group
                    .album_id
                    .as_deref()
                    .map_or(NONE, |a| self.albums.of(a));
                self.item_groups.push((artist, album));
            }
            let (artist, album) = self.item_groups[item as usize];
            listens.push(Listen {
                started_at_ms: p.started_at_ms,
                ms_played: p.ms_played.clamp(0, u32::MAX as i64) as u32,
                kind: match p.kind {
                    PlayedKind::Track => Kind::Track,
                    PlayedKind::Episode => Kind::Episode,
                    PlayedKind::Audiobook => Kind::Audiobook,
                },
                item,
                artist,
                album,
                skipped: p.skipped,
                confirmed: p.confirmed,
            });
            self.version.last_seq = self.version.last_seq.max(p.seq);
        }
        self.history.extend(listens);
    }

    /// Items of `plays` not indexed yet.
    fn unknown_items(&self, plays: &[StatPlay]) -> Vec<Id> {
        let mut ids: Vec<Id> = plays
            .iter()
            .filter(|p| !self.items.by_id.contains_key(&p.item_id))
            .map(|p| p.item_id.clone())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn bytes(&self) -> u64 {
        let index = |i: &Index| i.ids.len() * 64;
        (self.history.memory_bytes()
            + index(&self.items)
            + index(&self.artists)
            + index(&self.albums)) as u64
    }
}

/// The histories of this node's users, bounded by memory.
pub struct Histories {
    cache: moka::sync::Cache<UserId, Arc<UserHistory>>,
}

impl Default for Histories {
    fn default() -> Histories {
        Histories {
            cache: moka::sync::Cache::builder()
                .weigher(|_, h: &Arc<UserHistory>| h.bytes().min(u32::MAX as u64) as u32)
                .max_capacity(CACHE_BYTES)
                .build(),
        }
    }
}

impl Histories {
    /// Drops a user's history (their account was deleted).
    pub fn forget(&self, user_id: &UserId) {
        self.cache.invalidate(user_id);
    }

    /// The user's history as of now.
    pub async fn get(&self, app: &App, user_id: &UserId) -> AppResult<Arc<UserHistory>> {
        self.load(app.store.as_ref(), user_id).await
    }

    /// The user's history as of now, from `store`.
    pub async fn load(&self, store: &dyn Store, user_id: &UserId) -> AppResult<Arc<UserHistory>> {
        let version = store.play_version(user_id).await?;
        let cached = self.cache.get(user_id);
        if let Some(h) = &cached {
            if h.version == version {
                return Ok(h.clone());
            }
        }
        let mut fresh = match cached {
            Some(h) if h.version.deletions == version.deletions => (*h).clone(),
            _ => UserHistory {
                version: PlayVersion {
                    last_seq: 0,
                    deletions: version.deletions,
                },
                ..UserHistory::default()
            },
        };
        loop {
            let plays = store
                .stat_plays_after(user_id, fresh.version.last_seq, LOAD_BATCH)
                .await?;
            let done = (plays.len() as i64) < LOAD_BATCH;
            let items = store.stat_items(&fresh.unknown_items(&plays)).await?;
            fresh.add(plays, &items);
            if done {
                break;
            }
        }
        let fresh = Arc::new(fresh);
        self.cache.insert(user_id.to_owned(), fresh.clone());
        Ok(fresh)
    }
}

/// The window and filters of a question, from the API's or the CLI's parameters: `from` and
/// `to` are RFC 3339 times or local dates (`to` dates included whole), `tz` an IANA zone.
pub fn window(
    from: Option<&str>,
    to: Option<&str>,
    tz: Option<&str>,
    min_ms: Option<i64>,
    podcasts: Option<bool>,
) -> AppResult<medley_stats::Query> {
    let tz = parse_tz(tz)?;
    let min_ms = match min_ms {
        None => medley_stats::DEFAULT_MIN_MS,
        Some(v) if (0..=86_400_000).contains(&v) => v as u32,
        Some(v) => {
            return Err(AppError::Invalid(format!(
                "`min_ms` must be between 0 and 86400000, not {v}"
            )))
        }
    };
    let from_ms = match from {
        Some(v) => parse_bound("from", v, tz, false)?,
        None => medley_stats::Query::all_time().from_ms,
    };
    let to_ms = match to {
        Some(v) => parse_bound("to", v, tz, true)?,
        None => now_ms() + 1,
    };
    let q = medley_stats::Query {
        from_ms,
        to_ms,
        tz,
        min_ms,
        podcasts: podcasts.unwrap_or(false),
    };
    q.validate().map_err(|e| AppError::Invalid(e.to_string()))?;
    Ok(q)
}

fn parse_tz(tz: Option<&str>) -> AppResult<Tz> {
    match tz {
        None => Ok(Tz::UTC),
        Some(name) => name.parse().map_err(|_| {
            AppError::Invalid(format!(
                "`tz` must be an IANA time zone such as Europe/Berlin, not `{name}`"
            ))
        }),
    }
}

/// A bound given as a time or a local date; `end` dates mean the end of that day.
fn parse_bound(name: &str, value: &str, tz: Tz, end: bool) -> AppResult<i64> {
    if let Ok(t) = value.parse::<jiff::Timestamp>() {
        return Ok(t.as_millisecond());
    }
    let date: NaiveDate = value.parse().map_err(|_| {
        AppError::Invalid(format!(
            "`{name}` must be an RFC 3339 time (2024-05-01T10:00:00Z) or a date (2024-05-01), \
             not `{value}`"
        ))
    })?;
    let day = if end {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight");
    // Where midnight does not exist (a DST change at 00:00), the day starts an hour later.
    let local = tz
        .from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })
        .ok_or_else(|| AppError::Invalid(format!("`{name}` does not exist in {tz}")))?;
    Ok(local.timestamp_millis())
}
