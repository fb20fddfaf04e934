-- Who does a piece of background work right now, across every console process on this
-- database (issue 20). A lease names its holder (one process's instance id) and lasts until
-- `expires_at` unless the holder renews it; once it has expired, any process may take it.
-- Times are the database's own clock, so processes on machines whose clocks differ agree.
CREATE TABLE leases (
    -- What the lease is for: `audit-sync`, `snapshots`, `approval-sweeper`, `mail-sender`,
    -- `login-sweeper`, or `bulk-job:<id>` for one bulk job.
    name        TEXT PRIMARY KEY,
    -- The holding process's instance id (host, process id and a random part).
    holder      TEXT NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    renewed_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    -- How many times this lease changed hands (a takeover after a holder died counts).
    generation  BIGINT NOT NULL DEFAULT 1
);
