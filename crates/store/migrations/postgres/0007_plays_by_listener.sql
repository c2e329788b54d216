-- Plays keyed by a small number per listener instead of the 22-character user id, and a
-- deduplication code that grows with the end time (medley-imports `dedup_code`: 16-second
-- bucket of the end second in the high 32 bits, the low 32 bits of the key's hash below).
-- Both keep the indexes of a history small and written in time order, so an import appends
-- to them instead of seeking all over them. The codes of stored plays are derived from their
-- earlier whole hash and end time, exactly as new plays compute them.

CREATE TABLE listeners (
    no      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE
);
INSERT INTO listeners (user_id) SELECT DISTINCT user_id FROM plays ORDER BY user_id;

DROP INDEX plays_dedup, plays_user_ended, plays_user_seq, plays_coarse;
ALTER TABLE plays ADD COLUMN listener BIGINT REFERENCES listeners (no) ON DELETE CASCADE;

-- The end second (ended_at rounded, floored for times before 1970), then its 16-second bucket.
UPDATE plays p
SET listener = l.no,
    dedup = ((CASE WHEN s.second >= 0 THEN s.second / 16 ELSE -((15 - s.second) / 16) END) << 32)
        | (p.dedup & 4294967295)
FROM listeners l,
    (SELECT seq,
        CASE WHEN ended_at + 500 >= 0 THEN (ended_at + 500) / 1000
             ELSE -((999 - (ended_at + 500)) / 1000) END AS second
     FROM plays) s
WHERE l.user_id = p.user_id AND s.seq = p.seq;

ALTER TABLE plays ALTER COLUMN listener SET NOT NULL;
ALTER TABLE plays DROP COLUMN user_id;

CREATE UNIQUE INDEX plays_dedup ON plays (listener, dedup);
CREATE INDEX plays_listener_ended ON plays (listener, ended_at);
CREATE INDEX plays_listener_seq ON plays (listener, seq);
-- The few plays of lower precision, looked up when a more precise copy may arrive.
CREATE INDEX plays_coarse ON plays (listener, ended_at) WHERE precision > 0;
