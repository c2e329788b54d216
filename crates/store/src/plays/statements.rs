//! The statements both play writers run, with their parameters, and the text of the
//! multi-row insert of plays.

use crate::sql::{bulk_params, Backend};

/// `$1` user id: gives the user a listener number if they have none yet. Only a user that
/// exists gets one (SQLite's play writer runs without foreign keys): plays that arrive for a
/// deleted account find no listener and are refused.
pub(super) const NEW_LISTENER: &str = "INSERT INTO listeners (user_id) \
     SELECT id FROM users WHERE id = $1 ON CONFLICT (user_id) DO NOTHING";
/// `$1` user id: their listener number.
pub(super) const LISTENER_NO: &str = "SELECT no FROM listeners WHERE user_id = $1";
/// `$1` listener.
pub(super) const LAST_SEQ: &str = "SELECT COALESCE(MAX(seq), 0) FROM plays WHERE listener = $1";
/// `$1` listener, `$2`/`$3` end times: one play of lower than exact precision, if any.
pub(super) const COARSE_PLAY: &str = "SELECT seq FROM plays WHERE listener = $1 \
     AND precision > 0 AND ended_at >= $2 AND ended_at <= $3 LIMIT 1";
/// `$1` listener, `$2`/`$3` end times.
pub(super) const STAMPS: &str = "SELECT seq, name_hash, precision, started_at, ended_at \
     FROM plays WHERE listener = $1 AND ended_at >= $2 AND ended_at <= $3";
/// `$1` user id: counts a deletion in the version of their history.
pub(super) const COUNT_DELETION: &str = "INSERT INTO play_versions (user_id, deletions) \
     VALUES ($1, 1) ON CONFLICT (user_id) DO UPDATE SET deletions = play_versions.deletions + 1";

/// The columns of a track the catalog-matching rule needs (`catalog_match::TrackRow`), in a
/// query on `tracks t` joined to its album `al`: id, Spotify id, album name key, creation.
/// A macro so that the statements using it are `concat!`-ed constants.
macro_rules! track_row {
    () => {
        "t.id, t.spotify_id, al.name_key, t.created_at"
    };
}
pub(super) use track_row;

/// Columns of one `plays` row, in insert order.
const PLAY_COLUMNS: &str = "listener, dedup, name_hash, precision, started_at, ended_at, \
     ms_played, measured, kind, track_id, episode_id, source, platform, country, reason_start, \
     reason_end, shuffle, skipped, offline, offline_at, import_id";
pub(super) const PLAY_COLUMN_COUNT: usize = 21;

/// `INSERT` of `rows` plays (all of [`PLAY_COLUMNS`]), skipping duplicates.
pub(super) fn insert_plays_sql(backend: Backend, rows: usize) -> String {
    let values = (0..rows)
        .map(|r| {
            let first = r * PLAY_COLUMN_COUNT + 1;
            format!("({})", bulk_params(backend, first, PLAY_COLUMN_COUNT))
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO plays ({PLAY_COLUMNS}) VALUES {values} \
         ON CONFLICT (listener, dedup) DO NOTHING"
    )
}
