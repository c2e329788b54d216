-- API tokens a user manages: each token gets an id to name it by (its hash stays the key, the
-- secret is never stored) and the time it was last used. Tokens issued before this migration
-- take an id from their hash (a prefix of a SHA-256 reveals nothing of the secret).
ALTER TABLE tokens ADD COLUMN id TEXT;
ALTER TABLE tokens ADD COLUMN last_used_at BIGINT;
UPDATE tokens SET id = substr(token_hash, 1, 22) WHERE id IS NULL;
CREATE UNIQUE INDEX tokens_id ON tokens (id);

-- An administrator may disable an account: it cannot sign in, and its tokens were revoked when
-- it was disabled. NULL: the account is enabled.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
