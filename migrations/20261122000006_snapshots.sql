-- Periodic snapshots of the enterprise's state, so an investigator can answer "who was an
-- admin on date X" and compare two dates, long after Airtable forgot.
CREATE TABLE snapshots (
    id              BIGSERIAL PRIMARY KEY,
    started_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Set when complete; incomplete snapshots are never used for answers.
    taken_at        TIMESTAMPTZ,
    error           TEXT,
    requested_by    TEXT
);
CREATE INDEX snapshots_taken ON snapshots (taken_at DESC) WHERE taken_at IS NOT NULL;

CREATE TABLE snapshot_users (
    snapshot_id     BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    state           TEXT NOT NULL,
    is_admin        BOOLEAN NOT NULL,
    is_super_admin  BOOLEAN NOT NULL,
    is_managed      BOOLEAN NOT NULL,
    is_service_account BOOLEAN NOT NULL,
    PRIMARY KEY (snapshot_id, user_id)
);

CREATE TABLE snapshot_group_members (
    snapshot_id     BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    group_id        TEXT NOT NULL,
    group_name      TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    email           TEXT NOT NULL,
    role            TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, group_id, user_id)
);

-- Who could reach each workspace (users and groups), and how.
CREATE TABLE snapshot_workspace_access (
    snapshot_id     BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    workspace_id    TEXT NOT NULL,
    workspace_name  TEXT NOT NULL,
    principal_id    TEXT NOT NULL,
    principal_name  TEXT NOT NULL,
    permission      TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, workspace_id, principal_id)
);

-- "Take a snapshot now" from the UI; the scheduler picks these up within seconds.
CREATE TABLE snapshot_requests (
    id            BIGSERIAL PRIMARY KEY,
    requested_by  TEXT,
    requested_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
