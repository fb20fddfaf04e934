-- Bulk actions on users: a job (what to do, to whom, asked for by whom) and one row per
-- user with where it stands and what Airtable or the console answered. The server's
-- background task works through the rows; rows a stopped console left unfinished are
-- marked interrupted at the next start-up, never re-run by themselves.
CREATE TABLE bulk_jobs (
    id                UUID PRIMARY KEY,
    kind              TEXT NOT NULL,
    reason            TEXT NOT NULL DEFAULT '',
    -- How the users were chosen, in words (the ticked rows, or the filter and snapshot).
    selection         TEXT NOT NULL,
    snapshot_id       BIGINT,
    created_by_id     TEXT NOT NULL,
    created_by_email  TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at       TIMESTAMPTZ
);
CREATE INDEX bulk_jobs_unfinished ON bulk_jobs (created_at) WHERE finished_at IS NULL;

CREATE TABLE bulk_job_items (
    job_id       UUID NOT NULL REFERENCES bulk_jobs (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    user_id      TEXT NOT NULL,
    email        TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                   ('pending', 'done', 'failed', 'approval_requested', 'already_waiting', 'interrupted')),
    result       TEXT NOT NULL DEFAULT '',
    approval_id  UUID REFERENCES approval_requests (id),
    finished_at  TIMESTAMPTZ,
    PRIMARY KEY (job_id, position),
    UNIQUE (job_id, user_id)
);
CREATE INDEX bulk_job_items_pending ON bulk_job_items (job_id) WHERE status = 'pending';
