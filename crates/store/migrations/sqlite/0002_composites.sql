-- Composite playlists: the definition (sources, options), each source's last good read and
-- health, and the ledger entries. JSON columns hold the engine's own types.

CREATE TABLE composites (
    playlist_id    TEXT PRIMARY KEY REFERENCES playlists (id) ON DELETE CASCADE,
    options        TEXT NOT NULL,
    -- Bumped by every write of the ledger: concurrent syncs of one composite cannot both win.
    ledger_version BIGINT NOT NULL DEFAULT 0,
    last_sync_at   BIGINT,
    last_report    TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE composite_sources (
    playlist_id TEXT NOT NULL REFERENCES composites (playlist_id) ON DELETE CASCADE,
    ord         BIGINT NOT NULL,
    uri         TEXT NOT NULL,
    mode        TEXT NOT NULL,
    memo        TEXT NOT NULL,
    PRIMARY KEY (playlist_id, ord)
);
CREATE INDEX composite_sources_uri ON composite_sources (uri);

CREATE TABLE composite_entries (
    playlist_id TEXT NOT NULL REFERENCES composites (playlist_id) ON DELETE CASCADE,
    entry_key   TEXT NOT NULL,
    entry       TEXT NOT NULL,
    suppressed  BIGINT NOT NULL,
    PRIMARY KEY (playlist_id, entry_key)
);
