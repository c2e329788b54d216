-- Live live_shows (LIVE.md): what a show is and who may see it, the live state a restart needs,
-- and what a show leaves behind: its comments, bans and history.

CREATE TABLE live_shows (
    id            TEXT PRIMARY KEY,
    creator_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    description   TEXT,
    -- The playlist prepared for the show; its tracks are copied into the live state at start.
    playlist_id   TEXT REFERENCES playlists (id) ON DELETE SET NULL,
    -- 'public', 'followers' (of the creator) or 'invite' (guests who redeemed an invite).
    visibility    TEXT NOT NULL,
    -- 'scheduled', 'live' or 'ended'.
    state         TEXT NOT NULL,
    scheduled_for BIGINT,
    started_at    BIGINT,
    ended_at      BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    -- While live, and after: the actor's state (medley-live's Show and the resumable
    -- sessions, JSON) as of the reliable event `live_seq`.
    live_state    TEXT,
    live_seq      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX live_shows_state ON live_shows (state, created_at);
CREATE INDEX live_shows_creator ON live_shows (creator_id);

-- Invite links: only the code's SHA-256 is kept.
CREATE TABLE live_show_invites (
    code_hash  TEXT PRIMARY KEY,
    show_id    TEXT NOT NULL REFERENCES live_shows (id) ON DELETE CASCADE,
    created_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX live_show_invites_show ON live_show_invites (show_id);

-- Who redeemed an invite of a show (and so may see it).
CREATE TABLE live_show_guests (
    show_id    TEXT NOT NULL REFERENCES live_shows (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (show_id, user_id)
);
CREATE INDEX live_show_guests_user ON live_show_guests (user_id);

-- Comments, kept after the show; `seq` is the comment event's, which orders them.
CREATE TABLE live_show_comments (
    show_id    TEXT NOT NULL REFERENCES live_shows (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    at         BIGINT NOT NULL,
    deleted_at BIGINT,
    deleted_by TEXT,
    PRIMARY KEY (show_id, id)
);
CREATE INDEX live_show_comments_order ON live_show_comments (show_id, seq);

-- Who is banned from a show now (an unban deletes the row; the history keeps both).
CREATE TABLE live_show_bans (
    show_id TEXT NOT NULL REFERENCES live_shows (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    by_id   TEXT NOT NULL,
    at      BIGINT NOT NULL,
    PRIMARY KEY (show_id, user_id)
);

-- What happened: the show's reliable events that make its history (what played, role
-- changes, who spoke, moderation), each as its `op` and `d` (JSON), by `seq`.
CREATE TABLE live_show_history (
    show_id TEXT NOT NULL REFERENCES live_shows (id) ON DELETE CASCADE,
    seq     BIGINT NOT NULL,
    at      BIGINT NOT NULL,
    op      TEXT NOT NULL,
    data    TEXT NOT NULL,
    PRIMARY KEY (show_id, seq)
);
