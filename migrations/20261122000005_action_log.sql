-- What people did through the console: append-only, each row chained to the previous one by
-- a SHA-256 hash, so a changed or deleted row is detected by `console-server
-- verify-action-log` and the action log page.
CREATE TABLE console_actions (
    seq               BIGINT PRIMARY KEY,
    at                TIMESTAMPTZ NOT NULL,
    actor_id          TEXT NOT NULL,
    actor_email       TEXT NOT NULL,
    -- What was done, e.g. `roles.grant`, `audit.sync_now`, `users.delete`.
    action            TEXT NOT NULL,
    -- What it was done to (ids), if anything.
    target            TEXT,
    -- The request as made (never tokens).
    details           JSONB NOT NULL,
    -- The approval that allowed it, for destructive actions.
    approval_id       UUID,
    -- `ok` or `failed`, and what Airtable (or the console) answered.
    outcome           TEXT NOT NULL CHECK (outcome IN ('ok', 'failed')),
    response          JSONB,
    prev_hash         BYTEA NOT NULL,
    hash              BYTEA NOT NULL UNIQUE
);

-- The newest row's position, kept in the same transaction as each append, so deleting the
-- newest rows is detected too.
CREATE TABLE console_action_head (
    id    BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    seq   BIGINT NOT NULL,
    hash  BYTEA NOT NULL
);

-- Append-only: the console never updates or deletes a row. (Someone with the database
-- owner's rights can still disable this; the hash chain is what detects that.)
CREATE FUNCTION console_actions_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'console_actions is append-only';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER console_actions_append_only
    BEFORE UPDATE OR DELETE ON console_actions
    FOR EACH ROW EXECUTE FUNCTION console_actions_append_only();
