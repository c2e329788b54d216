-- A live show's resumable sessions (session id → user), one row each, written as sessions open
-- and close, so that its stored state (`live_shows.live_state`) need not carry them: at 10,000
-- listeners they were most of a 772 KB state. A server taking the show back reads them so that
-- everyone whose session it knew may resume.
CREATE TABLE live_show_sessions (
    show_id    TEXT NOT NULL REFERENCES live_shows (id) ON DELETE CASCADE,
    session_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    PRIMARY KEY (show_id, session_id)
);
