-- Artists a user follows (Spotify's GET /me/following?type=artist), paged by artist id.
CREATE TABLE followed_artists (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id   TEXT NOT NULL REFERENCES artists (id),
    followed_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, artist_id)
);

-- Saved albums (Spotify's /me/albums), most recent first by seq, as saved_tracks.
CREATE TABLE saved_albums (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    album_id TEXT NOT NULL REFERENCES albums (id),
    added_at BIGINT NOT NULL,
    seq      BIGINT NOT NULL,
    PRIMARY KEY (user_id, album_id)
);
CREATE INDEX saved_albums_recent ON saved_albums (user_id, seq);

-- A playlist's cover image, uploaded as a JPEG (at most 256 KB in base64, as on Spotify).
CREATE TABLE playlist_covers (
    playlist_id TEXT PRIMARY KEY REFERENCES playlists (id) ON DELETE CASCADE,
    jpeg        BYTEA NOT NULL,
    width       BIGINT NOT NULL,
    height      BIGINT NOT NULL,
    -- Changes with every upload, so the image's URL changes and caches never serve an old one.
    version     BIGINT NOT NULL
);

