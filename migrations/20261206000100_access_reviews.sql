-- Access reviews (issue 22): campaigns that freeze a scope from the latest snapshot, the
-- reviewers' decisions, the reminders sent, and the evidence pack made at close.

-- Personal access tokens, recorded with each snapshot from now on, so a campaign can
-- freeze them with their scopes. `tokens_recorded` is false for snapshots taken before
-- (a token review then says to take a snapshot first) and when Airtable refused the list
-- (`tokens_error` says why; the rest of the snapshot is still good).
CREATE TABLE snapshot_tokens (
    snapshot_id     BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    token_id        TEXT NOT NULL,
    name            TEXT NOT NULL,
    state           TEXT NOT NULL,
    scopes          TEXT[] NOT NULL,
    -- `enterprise`, `allResources`, `specificResources`… (NULL when Airtable said nothing).
    access_mode     TEXT,
    owner_id        TEXT NOT NULL,
    created_at      TIMESTAMPTZ,
    PRIMARY KEY (snapshot_id, token_id)
);
ALTER TABLE snapshots
    ADD COLUMN tokens_recorded BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN tokens_error TEXT;

CREATE TABLE review_campaigns (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT NOT NULL CHECK (btrim(name) <> ''),
    -- The snapshot the items were frozen from.
    snapshot_id     BIGINT NOT NULL REFERENCES snapshots (id),
    snapshot_taken_at TIMESTAMPTZ NOT NULL,
    -- Among `admins`, `external`, `tokens`, `shares`, `inactive`.
    scopes          TEXT[] NOT NULL CHECK (cardinality(scopes) > 0),
    inactive_days   INTEGER,
    due_at          TIMESTAMPTZ NOT NULL,
    owner_id        TEXT NOT NULL,
    owner_email     TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at       TIMESTAMPTZ,
    closed_by_email TEXT
);
CREATE INDEX review_campaigns_open ON review_campaigns (due_at) WHERE closed_at IS NULL;

CREATE TABLE review_items (
    id              BIGSERIAL PRIMARY KEY,
    campaign_id     BIGINT NOT NULL REFERENCES review_campaigns (id),
    scope           TEXT NOT NULL
                    CHECK (scope IN ('admins', 'external', 'tokens', 'shares', 'inactive')),
    -- The user, token or share the item is about, as frozen from the snapshot.
    subject_id      TEXT NOT NULL,
    subject_label   TEXT NOT NULL,
    -- The person it is about (the user, the token's owner, the share's creator), lower
    -- case: they may not review it.
    person_id       TEXT,
    person_email    TEXT,
    -- What the access reaches, in words, and the facts shown to the reviewer.
    reaches         TEXT NOT NULL,
    facts           JSONB NOT NULL,
    -- The RiskyAction a revoke decision asks for.
    action          JSONB NOT NULL,
    reviewer_email  TEXT NOT NULL,
    decision        TEXT CHECK (decision IN ('keep', 'revoke')),
    comment         TEXT,
    decided_by_email TEXT,
    decided_at      TIMESTAMPTZ,
    -- The approval request a revoke became, or the outcome when the kind needed no second
    -- person and was carried out at once.
    request_id      UUID REFERENCES approval_requests (id),
    done_at_once    TEXT,
    CHECK ((decision IS NULL) = (decided_at IS NULL))
);
CREATE INDEX review_items_campaign ON review_items (campaign_id, id);
CREATE INDEX review_items_undecided ON review_items (campaign_id, lower(reviewer_email))
    WHERE decision IS NULL;

-- One row per reminder sent: the unique key is what stops two processes (or a restart)
-- from sending the same reminder twice.
CREATE TABLE review_reminders (
    campaign_id     BIGINT NOT NULL REFERENCES review_campaigns (id),
    reviewer_email  TEXT NOT NULL,
    -- `due_soon` (before the due date) or `overdue`.
    kind            TEXT NOT NULL CHECK (kind IN ('due_soon', 'overdue')),
    sent_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    items           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, reviewer_email, kind)
);

-- The evidence pack, rendered once at close and served unchanged afterwards.
CREATE TABLE review_evidence (
    campaign_id     BIGINT PRIMARY KEY REFERENCES review_campaigns (id),
    csv             TEXT NOT NULL,
    csv_sha256      TEXT NOT NULL,
    html            TEXT NOT NULL,
    html_sha256     TEXT NOT NULL,
    chain_head_seq  BIGINT NOT NULL,
    chain_head_hash TEXT NOT NULL,
    made_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
