-- Spotify: users' connected accounts (tokens sealed by the application, never in clear),
-- authorizations in flight, each app's pauses, and requests sent per minute.

CREATE TABLE spotify_connections (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The Spotify app the tokens belong to.
    client_id       TEXT NOT NULL,
    spotify_user_id TEXT NOT NULL,
    display_name    TEXT,
    scopes          TEXT NOT NULL,
    -- Access and refresh token, encrypted with a key kept outside the database.
    sealed_tokens   TEXT NOT NULL,
    -- 'active' or 'reconnect' (the refresh token expired or was revoked).
    status          TEXT NOT NULL,
    status_reason   TEXT,
    consented_at    BIGINT NOT NULL,
    -- Recently played: the latest `played_at` (Unix ms) already recorded.
    plays_cursor    BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (user_id, spotify_user_id)
);
CREATE INDEX spotify_connections_app ON spotify_connections (client_id);

CREATE TABLE spotify_authorizations (
    -- SHA-256 of the `state` parameter; the state itself is only in the user's browser.
    state_hash      TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sealed_verifier TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    expires_at      BIGINT NOT NULL
);

CREATE TABLE spotify_apps (
    client_id     TEXT PRIMARY KEY,
    -- No request before these (Unix ms): Retry-After of the rate limit, and the daily quota.
    rate_until    BIGINT NOT NULL DEFAULT 0,
    quota_until   BIGINT NOT NULL DEFAULT 0,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE spotify_usage (
    client_id     TEXT NOT NULL,
    -- '' for requests on behalf of no connection (e.g. exchanging an authorization code).
    connection_id TEXT NOT NULL,
    minute        BIGINT NOT NULL,
    requests      BIGINT NOT NULL,
    PRIMARY KEY (client_id, connection_id, minute)
);
CREATE INDEX spotify_usage_minute ON spotify_usage (minute);

-- What Medley knows of each Spotify collection a connection's composites and jobs use: the
-- snapshot the latest sweep of `GET /me/playlists` saw (for Liked Songs: count and newest
-- save), and the items as of the last complete read, as Medley track ids. A read is reused
-- while the two snapshots agree, so an unchanged collection costs no request.
CREATE TABLE spotify_collections (
    connection_id TEXT NOT NULL REFERENCES spotify_connections (id) ON DELETE CASCADE,
    uri           TEXT NOT NULL,
    seen_snapshot TEXT,
    read_snapshot TEXT,
    -- JSON: [[track_id, added_at_ms or null], …] in collection order.
    items         TEXT,
    read_at       BIGINT,
    PRIMARY KEY (connection_id, uri)
);

-- Requests to Spotify a sync-job run cost.
ALTER TABLE sync_runs ADD COLUMN requests BIGINT NOT NULL DEFAULT 0;

-- A composite written to Spotify records what it sets out to write before writing (the next
-- sync settles it against what it finds), since Spotify is outside the database's
-- transactions.
ALTER TABLE composites ADD COLUMN pending_intent TEXT;
