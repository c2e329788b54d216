-- OpenSubsonic (`/rest`): how existing music players sign in, and what they annotate.
-- Times are Unix milliseconds.

-- Per-user API keys (the apiKeyAuthentication extension). Only the SHA-256 of a key is kept:
-- the key itself is shown once, when it is created.
CREATE TABLE subsonic_api_keys (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX subsonic_api_keys_user ON subsonic_api_keys (user_id);

-- A separate Subsonic password, only for users who set one (token authentication needs the
-- password itself): sealed with the server's secret key, bound to its user. Never the login
-- password.
CREATE TABLE subsonic_passwords (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sealed     TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Stars on albums and artists (a star on a song is a liked song, in saved_tracks).
CREATE TABLE subsonic_stars (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- 'album' or 'artist'
    kind       TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    starred_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind, item_id)
);

-- Ratings, 1 to 5, of songs, albums and artists (rating 0 deletes the row).
CREATE TABLE subsonic_ratings (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- 'song', 'album' or 'artist'
    kind       TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    rating     BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind, item_id)
);

-- What each user's players last said they are playing (scrobble with submission=false).
CREATE TABLE subsonic_now_playing (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    player     TEXT NOT NULL,
    track_id   TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    started_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, player)
);
