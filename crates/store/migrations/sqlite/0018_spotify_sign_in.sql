-- Signing in with Spotify: a user's picture (from their Spotify profile), which Spotify
-- account signs in to which Medley account, and sign-ins in flight.
ALTER TABLE users ADD COLUMN image_url TEXT;

CREATE TABLE spotify_logins (
    spotify_user_id TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL
);
CREATE INDEX spotify_logins_user ON spotify_logins (user_id);

CREATE TABLE spotify_sign_ins (
    -- SHA-256 of the `state` parameter, and of the secret in the browser's sign-in cookie
    -- that binds the sign-in to the browser that started it.
    state_hash      TEXT PRIMARY KEY,
    browser_hash    TEXT NOT NULL,
    sealed_verifier TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    expires_at      BIGINT NOT NULL
);
