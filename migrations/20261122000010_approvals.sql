-- Two-person approval of risky actions. A request stores the exact call and a hash of it;
-- a second person approves exactly that; the console executes it once.
CREATE TABLE approval_requests (
    id                  UUID PRIMARY KEY,
    -- The kind (`delete_user`, ...) and the target key: one open request per pair.
    kind                TEXT NOT NULL,
    target              TEXT NOT NULL,
    -- The exact call (a serialised `RiskyAction`) and SHA-256 over its canonical text.
    call                JSONB NOT NULL,
    call_hash           TEXT NOT NULL,
    reason              TEXT NOT NULL CHECK (length(btrim(reason)) > 0),
    requested_by_id     TEXT NOT NULL,
    requested_by_email  TEXT NOT NULL,
    requested_at        TIMESTAMPTZ NOT NULL,
    expires_at          TIMESTAMPTZ NOT NULL,
    -- What the action would touch, as found when the request was made.
    preview             JSONB NOT NULL,
    status              TEXT NOT NULL CHECK (status IN
                          ('pending', 'executing', 'succeeded', 'failed', 'rejected', 'cancelled', 'expired')),
    decided_by_id       TEXT,
    decided_by_email    TEXT,
    decided_at          TIMESTAMPTZ,
    decision_comment    TEXT,
    -- Each execution attempt (first approval, then explicit retries).
    attempts            INTEGER NOT NULL DEFAULT 0,
    executing_since     TIMESTAMPTZ,
    finished_at         TIMESTAMPTZ,
    -- What Airtable answered, or why it failed, in words.
    outcome             TEXT
);

CREATE UNIQUE INDEX approval_requests_one_open ON approval_requests (kind, target)
    WHERE status IN ('pending', 'executing', 'failed');
CREATE INDEX approval_requests_status ON approval_requests (status, requested_at DESC);
CREATE INDEX approval_requests_requester ON approval_requests (requested_by_id, requested_at DESC);

-- Which kinds need approval. A kind without a row needs it (the safe default).
CREATE TABLE approval_policy (
    kind            TEXT PRIMARY KEY,
    needs_approval  BOOLEAN NOT NULL,
    updated_by      TEXT NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Every email the console writes. Sent through SMTP when configured (then `sent_at` is
-- set); otherwise kept here and shown in the UI.
CREATE TABLE outbox (
    id          BIGSERIAL PRIMARY KEY,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    to_email    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    approval_id UUID REFERENCES approval_requests (id),
    sent_at     TIMESTAMPTZ,
    last_error  TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;
