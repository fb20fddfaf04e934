-- The console's own tables. Sessions live in the `tower_sessions` schema, created by the
-- session store at start-up.

-- People allowed to use the console, and what they may do there.
CREATE TABLE console_users (
    airtable_user_id TEXT PRIMARY KEY,
    email            TEXT NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    role             TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'approver', 'admin')),
    granted_by       TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX console_users_email ON console_users (lower(email));

-- One row per sign-in. The browser's session only holds this row's id; the Airtable tokens
-- stay here, encrypted with AES-256-GCM (nonce || ciphertext, the login id as associated
-- data, so a ciphertext cannot be moved to another row).
CREATE TABLE logins (
    id                  UUID PRIMARY KEY,
    airtable_user_id    TEXT NOT NULL REFERENCES console_users (airtable_user_id) ON DELETE CASCADE,
    csrf_token          TEXT NOT NULL,
    access_token        BYTEA NOT NULL,
    refresh_token       BYTEA,
    access_expires_at   TIMESTAMPTZ NOT NULL,
    refresh_expires_at  TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at          TIMESTAMPTZ NOT NULL,
    ended_at            TIMESTAMPTZ,
    end_reason          TEXT
);
CREATE INDEX logins_by_user ON logins (airtable_user_id) WHERE ended_at IS NULL;

-- OAuth sign-ins under way: the PKCE verifier waits here, keyed by a hash of `state`,
-- for at most ten minutes, and is used once.
CREATE TABLE oauth_pending (
    state_hash     TEXT PRIMARY KEY,
    pkce_verifier  TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
