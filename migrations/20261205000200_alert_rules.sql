-- Alert rules: saved searches of the audit copy that act on each newly copied matching
-- event once (console_core::alerts). A rule follows the copy by `copy_seq`: `position` is
-- the last number it has handled, moved in the same transaction as the notices, outbox
-- emails and webhook deliveries it produced, so a crash commits all of a step or none.
CREATE TABLE alert_rules (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT NOT NULL CHECK (name <> ''),
    -- In the audit search language; checked by its parser when saved.
    query           TEXT NOT NULL,
    owner_id        TEXT NOT NULL,
    owner_email     TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    email_to        TEXT[] NOT NULL DEFAULT '{}',
    webhook_url     TEXT,
    webhook_format  TEXT NOT NULL DEFAULT 'json' CHECK (webhook_format IN ('json', 'slack')),
    -- The HMAC key for the webhook's signature, AES-256-GCM under CONSOLE_TOKEN_KEY (the
    -- rule's id as associated data), like the stored Airtable tokens.
    webhook_secret  BYTEA,
    -- The starter rule it was made from (console_core::alerts::starters), if any.
    starter         TEXT,
    position        BIGINT NOT NULL,
    -- Why the evaluator could not evaluate the rule last time (NULL when it could).
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Deleted rules stay, so that their notices and deliveries keep their history.
    deleted_at      TIMESTAMPTZ,
    CHECK (webhook_url IS NULL OR webhook_secret IS NOT NULL)
);
-- One live rule per starter: "enable" twice makes one rule.
CREATE UNIQUE INDEX alert_rules_starter ON alert_rules (starter)
    WHERE starter IS NOT NULL AND deleted_at IS NULL;

-- One row per (rule, event) the rule matched; the unique pair makes a repeat impossible.
CREATE TABLE alert_notices (
    id          BIGSERIAL PRIMARY KEY,
    rule_id     BIGINT NOT NULL REFERENCES alert_rules (id),
    event_id    TEXT NOT NULL REFERENCES audit_events (id),
    copy_seq    BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (rule_id, event_id)
);
CREATE INDEX alert_notices_newest ON alert_notices (id DESC);
CREATE INDEX alert_notices_rule ON alert_notices (rule_id, id DESC);

-- Webhook deliveries, sent in id order per rule (n+1 waits until n is delivered or given
-- up). The body is fixed when the notice is made, so every attempt sends the same bytes.
CREATE TABLE alert_deliveries (
    id               BIGSERIAL PRIMARY KEY,
    rule_id          BIGINT NOT NULL REFERENCES alert_rules (id),
    notice_id        BIGINT NOT NULL UNIQUE REFERENCES alert_notices (id),
    url              TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_http_status INTEGER,
    last_error       TEXT,
    delivered_at     TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX alert_deliveries_pending ON alert_deliveries (rule_id, id) WHERE status = 'pending';
