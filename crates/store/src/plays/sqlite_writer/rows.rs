//! Binding plays to the SQLite writer's multi-row insert.

use rusqlite::Connection;

use crate::plays::statements::{insert_plays_sql, PLAY_COLUMN_COUNT};
use crate::plays::{opt_flag, NewPlay};
use crate::sql::Backend;

/// Plays per multi-row insert: SQLite sets up the statement (a cursor on the table and on each
/// index) once per execution, so rows written 16 to 64 at a time cost a fifth less than one by
/// one (no difference between 16, 32 and 64 beyond the machine's noise).
pub(super) const ROWS_PER_INSERT: usize = 32;

/// An `INSERT` of a number of plays at a time. Text is bound only when it differs from what
/// its parameter held at the last execution (SQLite keeps bindings from one to the next): most
/// rows of an export share their source, platform and country, and copying text into SQLite
/// was the costliest part of binding. The listener and the import are bound once.
pub(super) struct PlayInsert<'c, 'p> {
    pub(super) statement: rusqlite::CachedStatement<'c>,
    /// The text last bound to each parameter, by number; `None`: not bound yet.
    texts: Vec<Option<Option<&'p str>>>,
}

impl<'c, 'p> PlayInsert<'c, 'p> {
    pub(super) fn new(
        conn: &'c Connection,
        rows: usize,
        listener: i64,
        import_id: Option<&str>,
    ) -> rusqlite::Result<PlayInsert<'c, 'p>> {
        let mut statement = conn.prepare_cached(&insert_plays_sql(Backend::Sqlite, rows))?;
        for base in (0..rows).map(|slot| slot * PLAY_COLUMN_COUNT) {
            statement.raw_bind_parameter(base + 1, listener)?;
            statement.raw_bind_parameter(base + PLAY_COLUMN_COUNT, import_id)?;
        }
        Ok(PlayInsert {
            statement,
            texts: vec![None; rows * PLAY_COLUMN_COUNT + 1],
        })
    }

    /// Binds `p` to the parameters of row `slot`.
    pub(super) fn bind(&mut self, slot: usize, p: &'p NewPlay) -> rusqlite::Result<()> {
        let base = slot * PLAY_COLUMN_COUNT;
        let (track_id, episode_id) = p.item_columns();
        let statement = &mut self.statement;
        statement.raw_bind_parameter(base + 2, p.dedup)?;
        statement.raw_bind_parameter(base + 3, p.name_hash)?;
        statement.raw_bind_parameter(base + 4, p.precision as i64)?;
        statement.raw_bind_parameter(base + 5, p.started_at_ms)?;
        statement.raw_bind_parameter(base + 6, p.ended_at_ms)?;
        statement.raw_bind_parameter(base + 7, p.ms_played)?;
        statement.raw_bind_parameter(base + 8, i64::from(p.measured))?;
        statement.raw_bind_parameter(base + 9, p.kind as i64)?;
        statement.raw_bind_parameter(base + 10, track_id)?;
        statement.raw_bind_parameter(base + 11, episode_id)?;
        self.text(base + 12, Some(&p.source))?;
        self.text(base + 13, p.platform.as_deref())?;
        self.text(base + 14, p.country.as_deref())?;
        self.text(base + 15, p.reason_start.as_deref())?;
        self.text(base + 16, p.reason_end.as_deref())?;
        let statement = &mut self.statement;
        statement.raw_bind_parameter(base + 17, opt_flag(p.shuffle))?;
        statement.raw_bind_parameter(base + 18, opt_flag(p.skipped))?;
        statement.raw_bind_parameter(base + 19, opt_flag(p.offline))?;
        statement.raw_bind_parameter(base + 20, p.offline_at_ms)
    }

    fn text(&mut self, index: usize, value: Option<&'p str>) -> rusqlite::Result<()> {
        if self.texts[index] != Some(value) {
            self.statement.raw_bind_parameter(index, value)?;
            self.texts[index] = Some(value);
        }
        Ok(())
    }
}
