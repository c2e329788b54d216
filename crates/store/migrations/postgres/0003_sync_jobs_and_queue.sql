-- Scheduled one-way syncs (copy new tracks of a source into a target on a cron schedule), their
-- runs, and the database-backed work queue every node leases jobs from.

CREATE TABLE sync_jobs (
    id             TEXT PRIMARY KEY,
    owner_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source_uri     TEXT NOT NULL,
    target_uri     TEXT NOT NULL,
    schedule       TEXT NOT NULL,
    timezone       TEXT NOT NULL,
    paused         BIGINT NOT NULL DEFAULT 0,
    next_run_at    BIGINT,
    -- The engine's ledger (JSON): everything ever copied, so nothing deleted is copied again.
    ledger         TEXT NOT NULL,
    ledger_version BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL
);
CREATE INDEX sync_jobs_owner ON sync_jobs (owner_id, created_at);
CREATE INDEX sync_jobs_due ON sync_jobs (next_run_at);

CREATE TABLE sync_runs (
    id          TEXT PRIMARY KEY,
    job_id      TEXT NOT NULL REFERENCES sync_jobs (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    trigger     TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,
    added       BIGINT NOT NULL DEFAULT 0,
    skipped     BIGINT NOT NULL DEFAULT 0,
    error       TEXT
);
CREATE INDEX sync_runs_job ON sync_runs (job_id, seq);

CREATE TABLE work_queue (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '',
    run_at       BIGINT NOT NULL,
    leased_by    TEXT,
    leased_until BIGINT,
    attempts     BIGINT NOT NULL DEFAULT 0,
    -- Bumped when the same work is asked for again, so a run that started before the request
    -- does not count as doing it.
    generation   BIGINT NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    UNIQUE (kind, subject)
);
CREATE INDEX work_queue_due ON work_queue (run_at);
