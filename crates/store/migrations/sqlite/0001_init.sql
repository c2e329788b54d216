-- Medley's schema on SQLite. Times are Unix milliseconds; flags are 0/1 integers (the same
-- representation as on PostgreSQL, so one set of queries serves both backends).

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name  TEXT,
    is_admin      INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);

CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    label      TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE follows (
    follower_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followee_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id);

CREATE TABLE artists (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    birth_date TEXT,
    country    TEXT,
    status     TEXT,
    spotify_id TEXT UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE albums (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    artist_id    TEXT NOT NULL REFERENCES artists (id),
    release_date TEXT,
    album_type   TEXT NOT NULL DEFAULT 'album',
    total_tracks BIGINT NOT NULL DEFAULT 0,
    spotify_id   TEXT UNIQUE,
    created_at   BIGINT NOT NULL,
    UNIQUE (artist_id, name_key)
);

CREATE TABLE tracks (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    album_id     TEXT NOT NULL REFERENCES albums (id),
    duration_ms  BIGINT NOT NULL,
    isrc         TEXT,
    explicit     INTEGER NOT NULL DEFAULT 0,
    track_number BIGINT NOT NULL DEFAULT 1,
    disc_number  BIGINT NOT NULL DEFAULT 1,
    popularity   BIGINT NOT NULL DEFAULT 0,
    spotify_id   TEXT UNIQUE,
    external_ids TEXT NOT NULL DEFAULT '{}',
    created_at   BIGINT NOT NULL
);
CREATE INDEX tracks_album ON tracks (album_id, name_key);
CREATE INDEX tracks_isrc ON tracks (isrc);

CREATE TABLE track_artists (
    track_id  TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    ord       BIGINT NOT NULL,
    artist_id TEXT NOT NULL REFERENCES artists (id),
    PRIMARY KEY (track_id, ord)
);
CREATE INDEX track_artists_artist ON track_artists (artist_id);

CREATE TABLE playlists (
    id            TEXT PRIMARY KEY,
    owner_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    description   TEXT,
    public        INTEGER NOT NULL,
    collaborative INTEGER NOT NULL,
    version       BIGINT NOT NULL,
    snapshot_id   TEXT NOT NULL,
    item_count    BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX playlists_owner ON playlists (owner_id, created_at);

CREATE TABLE playlist_collaborators (
    playlist_id TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (playlist_id, user_id)
);
CREATE INDEX playlist_collaborators_user ON playlist_collaborators (user_id);

CREATE TABLE playlist_followers (
    playlist_id TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (playlist_id, user_id)
);
CREATE INDEX playlist_followers_user ON playlist_followers (user_id, created_at);

CREATE TABLE playlist_items (
    item_id     INTEGER PRIMARY KEY,
    playlist_id TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    track_id    TEXT NOT NULL REFERENCES tracks (id),
    added_at    BIGINT NOT NULL,
    added_by    TEXT NOT NULL
);
CREATE INDEX playlist_items_position ON playlist_items (playlist_id, position);
CREATE INDEX playlist_items_track ON playlist_items (playlist_id, track_id);

CREATE TABLE saved_tracks (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id TEXT NOT NULL REFERENCES tracks (id),
    added_at BIGINT NOT NULL,
    seq      BIGINT NOT NULL,
    PRIMARY KEY (user_id, track_id)
);
CREATE INDEX saved_tracks_recent ON saved_tracks (user_id, seq);
