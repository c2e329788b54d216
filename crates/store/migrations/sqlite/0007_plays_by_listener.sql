-- Plays keyed by a small number per listener instead of the 22-character user id, and a
-- deduplication code that grows with the end time (medley-imports `dedup_code`: 16-second
-- bucket of the end second in the high 32 bits, the low 32 bits of the key's hash below).
-- Both keep the indexes of a history small and written in time order, so an import appends
-- to them instead of seeking all over them; an import of a million plays got several times
-- faster. The codes of stored plays are derived from their earlier whole hash and end time,
-- exactly as new plays compute them.

CREATE TABLE listeners (
    no      INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE
);
INSERT INTO listeners (user_id) SELECT DISTINCT user_id FROM plays ORDER BY user_id;

CREATE TABLE plays_by_listener (
    seq          INTEGER PRIMARY KEY,
    listener     INTEGER NOT NULL REFERENCES listeners (no) ON DELETE CASCADE,
    -- The play's deduplication code (see above): unique per listener.
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

-- The end second (ended_at rounded, floored for times before 1970), then its 16-second bucket.
INSERT INTO plays_by_listener (seq, listener, dedup, name_hash, precision, started_at, ended_at,
    ms_played, measured, kind, track_id, episode_id, source, platform, country, reason_start,
    reason_end, shuffle, skipped, offline, offline_at, import_id)
SELECT p.seq, l.no,
    ((CASE WHEN p.second >= 0 THEN p.second / 16 ELSE -((15 - p.second) / 16) END) << 32)
        | (p.dedup & 4294967295),
    p.name_hash, p.precision, p.started_at, p.ended_at, p.ms_played, p.measured, p.kind,
    p.track_id, p.episode_id, p.source, p.platform, p.country, p.reason_start, p.reason_end,
    p.shuffle, p.skipped, p.offline, p.offline_at, p.import_id
FROM (
    SELECT *,
        CASE WHEN ended_at + 500 >= 0 THEN (ended_at + 500) / 1000
             ELSE -((999 - (ended_at + 500)) / 1000) END AS second
    FROM plays
) p
JOIN listeners l ON l.user_id = p.user_id
ORDER BY p.seq;

DROP TABLE plays;
ALTER TABLE plays_by_listener RENAME TO plays;

CREATE UNIQUE INDEX plays_dedup ON plays (listener, dedup);
CREATE INDEX plays_listener_ended ON plays (listener, ended_at);
CREATE INDEX plays_listener_seq ON plays (listener, seq);
-- The few plays of lower precision, looked up when a more precise copy may arrive.
CREATE INDEX plays_coarse ON plays (listener, ended_at) WHERE precision > 0;
