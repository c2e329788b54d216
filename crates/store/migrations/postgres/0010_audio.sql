-- Audio: the files behind catalog tracks (found by library scans or uploaded), and the scans.
-- Times are Unix milliseconds. A track may have several files (a FLAC and an MP3 of one
-- recording); a file is the audio of exactly one track. Files are never deleted by a scan:
-- one that disappeared is marked `missing`, so its track stays in every playlist.

CREATE TABLE audio_files (
    id             TEXT PRIMARY KEY,
    track_id       TEXT NOT NULL REFERENCES tracks (id),
    -- 'scan' or 'upload'
    origin         TEXT NOT NULL,
    -- Scans: the folder the last scan that saw the file named, and the file's absolute path
    -- (which identifies it, whichever folder a scan names). Uploads: '' and the file's
    -- sanitised name.
    root           TEXT NOT NULL,
    path           TEXT NOT NULL,
    -- The object holding the bytes (uploads, and scanned files copied in); NULL: read in
    -- place from path.
    object_key     TEXT,
    size           BIGINT NOT NULL,
    mtime_ms       BIGINT NOT NULL,
    -- SHA-256 of the content, hex: recognises moved files, names objects, is the ETag.
    content_hash   TEXT NOT NULL,
    format         TEXT NOT NULL,
    codec          TEXT NOT NULL,
    duration_ms    BIGINT NOT NULL,
    bitrate_kbps   BIGINT,
    sample_rate_hz BIGINT,
    channels       BIGINT,
    bit_depth      BIGINT,
    -- Everything the tags said (JSON, medley-audio `AudioTags`).
    tags           TEXT NOT NULL,
    -- 'present' or 'missing'
    status         TEXT NOT NULL,
    uploaded_by    TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    missing_since  BIGINT
);
CREATE UNIQUE INDEX audio_files_place ON audio_files (path) WHERE origin = 'scan';
CREATE INDEX audio_files_track ON audio_files (track_id);
CREATE INDEX audio_files_hash ON audio_files (content_hash);
CREATE INDEX audio_files_object ON audio_files (object_key);

CREATE TABLE library_scans (
    id           TEXT PRIMARY KEY,
    -- NULL when started from the command line.
    requested_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    -- The folders, as a JSON array of absolute paths.
    paths        TEXT NOT NULL,
    copy_files   BIGINT NOT NULL,
    -- 'queued', 'running', 'done' or 'failed'
    status       TEXT NOT NULL,
    files_total  BIGINT NOT NULL DEFAULT 0,
    files_done   BIGINT NOT NULL DEFAULT 0,
    report       TEXT,
    error        TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    started_at   BIGINT,
    finished_at  BIGINT
);
CREATE INDEX library_scans_recent ON library_scans (created_at);

-- Files are matched to catalog tracks by title (then artist and duration).
CREATE INDEX tracks_name_key ON tracks (name_key);
