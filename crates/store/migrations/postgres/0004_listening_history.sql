-- Listening history: podcast shows and episodes (catalog entities next to tracks), plays, and
-- imports of data exports. Times are Unix milliseconds; flags 0/1 (NULL: the source did not say).

CREATE TABLE shows (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    -- 'podcast' or 'audiobook'
    kind       TEXT NOT NULL,
    spotify_id TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    UNIQUE (kind, name_key)
);

CREATE TABLE episodes (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    show_id    TEXT NOT NULL REFERENCES shows (id),
    spotify_id TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    UNIQUE (show_id, name_key)
);

CREATE TABLE imports (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,
    bytes_total BIGINT NOT NULL DEFAULT 0,
    bytes_done  BIGINT NOT NULL DEFAULT 0,
    rows_done   BIGINT NOT NULL DEFAULT 0,
    report      TEXT,
    error       TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX imports_user ON imports (user_id, created_at);

CREATE TABLE plays (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- 64-bit hash of the play's deduplication key (medley-history `DedupKey`).
    dedup        BIGINT NOT NULL,
    -- 64-bit hash of the normalized (creator, title): tolerance matching across precisions.
    name_hash    BIGINT NOT NULL,
    -- 0 exact (Extended history, Spotify), 1 minute (Account data), 2 live (player, scrobblers)
    precision    BIGINT NOT NULL,
    started_at   BIGINT NOT NULL,
    ended_at     BIGINT NOT NULL,
    ms_played    BIGINT NOT NULL,
    measured     BIGINT NOT NULL,
    -- 0 track, 1 episode, 2 audiobook
    kind         BIGINT NOT NULL,
    track_id     TEXT REFERENCES tracks (id),
    episode_id   TEXT REFERENCES episodes (id),
    source       TEXT NOT NULL,
    platform     TEXT,
    country      TEXT,
    reason_start TEXT,
    reason_end   TEXT,
    shuffle      BIGINT,
    skipped      BIGINT,
    offline      BIGINT,
    offline_at   BIGINT,
    import_id    TEXT
);
CREATE UNIQUE INDEX plays_dedup ON plays (user_id, dedup);
CREATE INDEX plays_user_ended ON plays (user_id, ended_at);
CREATE INDEX plays_user_seq ON plays (user_id, seq);
-- Bumped whenever plays of a user are deleted (a coarse copy replaced by a precise one), so
-- that in-memory copies of a history know to reload rather than append.
CREATE TABLE play_versions (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    deletions BIGINT NOT NULL
);
-- The few plays of lower precision, looked up when a more precise copy may arrive.
CREATE INDEX plays_coarse ON plays (user_id, ended_at) WHERE precision > 0;
-- Plays name tracks by artist and title: found by title, then checked for the artist.
CREATE INDEX tracks_name ON tracks (name_key);
