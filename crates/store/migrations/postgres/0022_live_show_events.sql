-- A live show's recent reliable events (its replay buffer: the last 120 s), one row each as
-- they happen, so that its stored state (`live_shows.live_state`) need not carry them: a busy
-- show's state would otherwise repeat its last 1,200 events in every snapshot. A server taking
-- the show back reads them to answer resumes.
CREATE TABLE live_show_events (
    show_id TEXT NOT NULL REFERENCES live_shows (id) ON DELETE CASCADE,
    seq     BIGINT NOT NULL,
    at      BIGINT NOT NULL,
    event   TEXT NOT NULL,
    PRIMARY KEY (show_id, seq)
);
