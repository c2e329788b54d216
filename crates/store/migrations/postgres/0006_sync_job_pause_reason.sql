-- Why a sync job is paused: NULL when its owner paused it (or it runs), `spotify_reconnect`
-- when Medley paused it because a Spotify account it reads or writes must be connected again
-- (it resumes by itself once the account is linked again).
ALTER TABLE sync_jobs ADD COLUMN paused_reason TEXT;
