-- What the console itself changed about a user since the latest snapshot, so the users
-- table, its CSV and a user's page are right before the next snapshot (issue 16). The
-- snapshots stay as Airtable was when they were taken; this is laid over the newest one.
CREATE TABLE console_user_changes (
    id           BIGSERIAL PRIMARY KEY,
    user_id      TEXT NOT NULL,
    at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The kind of action (`delete_user`, `users.reactivate`, ...).
    action       TEXT NOT NULL,
    -- The user's state after it (`deleted`, `removed`, `deactivated`, `provisioned`), if it
    -- changed; admin access after it, if that changed.
    state        TEXT,
    is_admin     BOOLEAN,
    -- The approval request that allowed it, for destructive changes.
    approval_id  UUID
);
CREATE INDEX console_user_changes_by_user ON console_user_changes (user_id, at DESC);
