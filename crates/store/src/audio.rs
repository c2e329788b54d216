//! Audio files: the files behind catalog tracks, as scans find them and uploads bring them, and
//! the catalog reads that match a file to a track already there.

use async_trait::async_trait;
use medley_domain::catalog::NewTrack;
use medley_domain::text::TextEnum;
use medley_domain::{AudioFileId, TrackId, UserId};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::catalog::{upsert_track, NameCache};
use crate::error::{stored_enum, Result, StoreError};
use crate::sql::{params, SqlStore};

/// A file as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudioFile {
    pub id: AudioFileId,
    pub track_id: TrackId,
    pub origin: AudioOrigin,
    /// Scans: the folder the last scan that saw it named. Uploads: empty.
    pub root: String,
    /// Scans: the file's absolute path (what identifies it, whichever folder is scanned).
    /// Uploads: the file's sanitised name.
    pub path: String,
    /// The object holding the bytes; `None` when they are read in place from `path`.
    pub object_key: Option<String>,
    pub size: i64,
    pub mtime_ms: i64,
    pub content_hash: String,
    pub format: String,
    pub codec: String,
    pub duration_ms: i64,
    pub bitrate_kbps: Option<i64>,
    pub sample_rate_hz: Option<i64>,
    pub channels: Option<i64>,
    pub bit_depth: Option<i64>,
    /// What the tags said, as JSON.
    pub tags: String,
    pub status: AudioStatus,
    pub uploaded_by: Option<UserId>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub missing_since_ms: Option<i64>,
}

medley_domain::text_enum! {
    /// How a file came to the library (stored as this text).
    pub enum AudioOrigin {
        /// Found by a scan of a folder, read in place (or copied, when the scan was asked to).
        Scan = "scan",
        /// Uploaded through the API (or made for the demo), kept in the audio storage.
        Upload = "upload",
    }
}

medley_domain::text_enum! {
    /// Whether a file's bytes are there (stored as this text).
    pub enum AudioStatus {
        Present = "present",
        /// Gone from its folder at the last scan or stream: kept (its track stays in playlists)
        /// and found again if it comes back.
        Missing = "missing",
    }
}

impl AudioStatus {
    /// The stored spelling, callable without importing the trait.
    pub fn as_str(self) -> &'static str {
        TextEnum::as_str(self)
    }
}

impl AudioOrigin {
    /// The stored spelling, callable without importing the trait.
    pub fn as_str(self) -> &'static str {
        TextEnum::as_str(self)
    }
}

/// A catalog track a file brings, when it matched none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackToAdd {
    pub track: NewTrack,
    /// The album's artist when the tags name one (compilations).
    pub album_artist: Option<String>,
    pub disc_number: Option<i64>,
}

/// Which track a written file belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrackChoice {
    Existing(TrackId),
    /// The track at this index of the tracks written with it.
    New(usize),
}

/// A catalog track that may be the same recording as a file: same title key; the caller
/// compares artists and duration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TitleCandidate {
    pub track_id: TrackId,
    pub name_key: String,
    pub duration_ms: i64,
    pub artist_keys: Vec<String>,
}

#[async_trait]
pub trait AudioStore: Send + Sync {
    /// Adds `tracks` and inserts or updates (by id) `files`, each given its track, in one
    /// transaction. Returns the ids of `tracks` (found rather than added when the catalog has
    /// them by ISRC, or by name on the album).
    async fn write_audio_files(
        &self,
        tracks: &[TrackToAdd],
        files: &[(AudioFile, TrackChoice)],
        now_ms: i64,
    ) -> Result<Vec<TrackId>>;
    /// Every scanned file below the folder `root` (present or missing), whichever folder the
    /// scan that found it named.
    async fn audio_files_under(&self, root: &str) -> Result<Vec<AudioFile>>;
    /// Scanned files marked missing whose content hash is one of `hashes`.
    async fn missing_audio_by_hash(&self, hashes: &[String]) -> Result<Vec<AudioFile>>;
    /// Records that a scanned file is now at `path`, found by a scan of `root` (and present).
    async fn move_audio_file(
        &self,
        id: &AudioFileId,
        root: &str,
        path: &str,
        mtime_ms: i64,
        now_ms: i64,
    ) -> Result<()>;
    /// Marks files present or missing; returns how many changed.
    async fn set_audio_status(
        &self,
        ids: &[AudioFileId],
        present: bool,
        now_ms: i64,
    ) -> Result<u64>;
    /// A track's files, the one to play first: present ones, then higher bitrate, then older.
    async fn track_audio(&self, track_id: &TrackId) -> Result<Vec<AudioFile>>;
    /// Which of `ids` have a present file.
    async fn tracks_with_audio(&self, ids: &[TrackId]) -> Result<Vec<TrackId>>;
    async fn audio_file(&self, id: &AudioFileId) -> Result<Option<AudioFile>>;
    /// Removes a file's row (its track stays); whether it existed.
    async fn delete_audio_file(&self, id: &AudioFileId) -> Result<bool>;
    /// Whether any file row keeps its bytes in the object `key`.
    async fn object_in_use(&self, key: &str) -> Result<bool>;
    /// Catalog tracks carrying the given ISRCs, as `(isrc, track_id)`.
    async fn tracks_by_isrcs(&self, isrcs: &[String]) -> Result<Vec<(String, TrackId)>>;
    /// Catalog tracks whose title key is one of `name_keys`, with their artists' keys.
    async fn title_candidates(&self, name_keys: &[String]) -> Result<Vec<TitleCandidate>>;
}

const COLUMNS: &str = "id, track_id, origin, root, path, object_key, size, mtime_ms, \
     content_hash, format, codec, duration_ms, bitrate_kbps, sample_rate_hz, channels, \
     bit_depth, tags, status, uploaded_by, created_at, updated_at, missing_since";

fn file_row(r: &AnyRow) -> Result<AudioFile> {
    Ok(AudioFile {
        id: r.try_get::<String, _>("id")?.into(),
        track_id: r.try_get::<String, _>("track_id")?.into(),
        origin: stored_enum(&r.try_get::<String, _>("origin")?, "audio file origin")?,
        root: r.try_get("root")?,
        path: r.try_get("path")?,
        object_key: r.try_get("object_key")?,
        size: r.try_get("size")?,
        mtime_ms: r.try_get("mtime_ms")?,
        content_hash: r.try_get("content_hash")?,
        format: r.try_get("format")?,
        codec: r.try_get("codec")?,
        duration_ms: r.try_get("duration_ms")?,
        bitrate_kbps: r.try_get("bitrate_kbps")?,
        sample_rate_hz: r.try_get("sample_rate_hz")?,
        channels: r.try_get("channels")?,
        bit_depth: r.try_get("bit_depth")?,
        tags: r.try_get("tags")?,
        status: stored_enum(&r.try_get::<String, _>("status")?, "audio file status")?,
        uploaded_by: r
            .try_get::<Option<String>, _>("uploaded_by")?
            .map(UserId::from),
        created_at_ms: r.try_get("created_at")?,
        updated_at_ms: r.try_get("updated_at")?,
        missing_since_ms: r.try_get("missing_since")?,
    })
}

impl SqlStore {
    pub(crate) async fn files_where(
        &self,
        sql_where: &str,
        binds: &[&str],
    ) -> Result<Vec<AudioFile>> {
        let sql = format!("SELECT {COLUMNS} FROM audio_files {sql_where}");
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.fetch_all(&self.read)
            .await?
            .iter()
            .map(file_row)
            .collect()
    }
}

#[async_trait]
impl AudioStore for SqlStore {
    async fn write_audio_files(
        &self,
        tracks: &[TrackToAdd],
        files: &[(AudioFile, TrackChoice)],
        now_ms: i64,
    ) -> Result<Vec<TrackId>> {
        let mut tx = self.write.begin().await?;
        let mut cache = NameCache::default();
        let mut ids = Vec::with_capacity(tracks.len());
        for t in tracks {
            let album_artist = t.album_artist.as_deref();
            let id = upsert_track(
                &mut tx,
                &mut cache,
                &t.track,
                album_artist,
                t.disc_number,
                now_ms,
            )
            .await?;
            ids.push(id);
        }
        for (f, choice) in files {
            let track_id = match choice {
                TrackChoice::Existing(id) => id,
                TrackChoice::New(i) => ids.get(*i).ok_or_else(|| {
                    StoreError::Corrupt(format!("a file names new track {i} of {}", ids.len()))
                })?,
            };
            sqlx::query(&format!(
                "INSERT INTO audio_files ({COLUMNS}) VALUES ({}) \
                 ON CONFLICT (id) DO UPDATE SET track_id = $2, root = $4, path = $5, \
                 object_key = $6, size = $7, mtime_ms = $8, content_hash = $9, format = $10, \
                 codec = $11, duration_ms = $12, bitrate_kbps = $13, sample_rate_hz = $14, \
                 channels = $15, bit_depth = $16, tags = $17, status = $18, updated_at = $21, \
                 missing_since = $22",
                params(1, 22)
            ))
            .bind(f.id.as_str())
            .bind(track_id.as_str())
            .bind(f.origin.as_str())
            .bind(&f.root)
            .bind(&f.path)
            .bind(&f.object_key)
            .bind(f.size)
            .bind(f.mtime_ms)
            .bind(&f.content_hash)
            .bind(&f.format)
            .bind(&f.codec)
            .bind(f.duration_ms)
            .bind(f.bitrate_kbps)
            .bind(f.sample_rate_hz)
            .bind(f.channels)
            .bind(f.bit_depth)
            .bind(&f.tags)
            .bind(f.status.as_str())
            .bind(f.uploaded_by.as_deref())
            .bind(now_ms)
            .bind(now_ms)
            .bind(f.missing_since_ms)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                if StoreError::is_unique_violation(&e) {
                    StoreError::Conflict(format!(
                        "{} was added by another scan running at the same time: scan again \
                         when it has finished",
                        f.path
                    ))
                } else {
                    e.into()
                }
            })?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn audio_files_under(&self, root: &str) -> Result<Vec<AudioFile>> {
        // A prefix compared as text: LIKE would read `%` and `_` in folder names as patterns.
        let prefix = if root.ends_with('/') {
            root.to_owned()
        } else {
            format!("{root}/")
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM audio_files \
             WHERE origin = 'scan' AND substr(path, 1, CAST($2 AS INTEGER)) = $1"
        );
        let rows = sqlx::query(&sql)
            .bind(&prefix)
            .bind(prefix.chars().count() as i64)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(file_row).collect()
    }

    async fn missing_audio_by_hash(&self, hashes: &[String]) -> Result<Vec<AudioFile>> {
        if hashes.is_empty() {
            return Ok(vec![]);
        }
        let binds: Vec<&str> = hashes.iter().map(String::as_str).collect();
        self.files_where(
            &format!(
                "WHERE origin = 'scan' AND status = 'missing' AND content_hash IN ({}) \
                 ORDER BY missing_since DESC, id",
                params(1, hashes.len())
            ),
            &binds,
        )
        .await
    }

    async fn move_audio_file(
        &self,
        id: &AudioFileId,
        root: &str,
        path: &str,
        mtime_ms: i64,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE audio_files SET root = $2, path = $3, mtime_ms = $4, status = 'present', \
             missing_since = NULL, updated_at = $5 WHERE id = $1",
        )
        .bind(id.as_str())
        .bind(root)
        .bind(path)
        .bind(mtime_ms)
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn set_audio_status(
        &self,
        ids: &[AudioFileId],
        present: bool,
        now_ms: i64,
    ) -> Result<u64> {
        let mut changed = 0;
        for chunk in ids.chunks(500) {
            let sql = format!(
                "UPDATE audio_files SET status = $1, updated_at = $2, \
                 missing_since = CASE WHEN $1 = 'missing' THEN $2 ELSE NULL END \
                 WHERE status <> $1 AND id IN ({})",
                params(3, chunk.len())
            );
            let mut q = sqlx::query(&sql)
                .bind(
                    if present {
                        AudioStatus::Present
                    } else {
                        AudioStatus::Missing
                    }
                    .as_str(),
                )
                .bind(now_ms);
            for id in chunk {
                q = q.bind(id.as_str());
            }
            changed += q.execute(&self.write).await?.rows_affected();
        }
        Ok(changed)
    }

    async fn track_audio(&self, track_id: &TrackId) -> Result<Vec<AudioFile>> {
        self.files_where(
            "WHERE track_id = $1 ORDER BY CASE WHEN status = 'present' THEN 0 ELSE 1 END, \
             COALESCE(bitrate_kbps, 0) DESC, created_at, id",
            &[track_id],
        )
        .await
    }

    async fn tracks_with_audio(&self, ids: &[TrackId]) -> Result<Vec<TrackId>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT DISTINCT track_id FROM audio_files WHERE status = 'present' \
             AND track_id IN ({})",
            params(1, ids.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for id in ids {
            q = q.bind(id.as_str());
        }
        Ok(q.fetch_all(&self.read)
            .await?
            .into_iter()
            .map(TrackId::from)
            .collect())
    }

    async fn audio_file(&self, id: &AudioFileId) -> Result<Option<AudioFile>> {
        Ok(self.files_where("WHERE id = $1", &[id]).await?.pop())
    }

    async fn delete_audio_file(&self, id: &AudioFileId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM audio_files WHERE id = $1")
            .bind(id.as_str())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn object_in_use(&self, key: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audio_files WHERE object_key = $1")
            .bind(key)
            .fetch_one(&self.write)
            .await?;
        Ok(n > 0)
    }

    async fn tracks_by_isrcs(&self, isrcs: &[String]) -> Result<Vec<(String, TrackId)>> {
        if isrcs.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT isrc, id FROM tracks WHERE isrc IN ({}) ORDER BY created_at, id",
            params(1, isrcs.len())
        );
        let mut q = sqlx::query(&sql);
        for isrc in isrcs {
            q = q.bind(isrc);
        }
        let rows = q.fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get::<String, _>(1)?.into())))
            .collect()
    }

    async fn title_candidates(&self, name_keys: &[String]) -> Result<Vec<TitleCandidate>> {
        if name_keys.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT t.id, t.name_key, t.duration_ms, a.name_key FROM tracks t \
             JOIN track_artists ta ON ta.track_id = t.id JOIN artists a ON a.id = ta.artist_id \
             WHERE t.name_key IN ({}) ORDER BY t.id, ta.ord",
            params(1, name_keys.len())
        );
        let mut q = sqlx::query(&sql);
        for key in name_keys {
            q = q.bind(key);
        }
        let mut out: Vec<TitleCandidate> = Vec::new();
        for r in q.fetch_all(&self.read).await? {
            let id: String = r.try_get(0)?;
            let artist: String = r.try_get(3)?;
            match out.last_mut() {
                Some(last) if last.track_id == id => last.artist_keys.push(artist),
                _ => out.push(TitleCandidate {
                    track_id: id.into(),
                    name_key: r.try_get(1)?,
                    duration_ms: r.try_get(2)?,
                    artist_keys: vec![artist],
                }),
            }
        }
        Ok(out)
    }
}
