-- The console's own copy of the Airtable audit log, kept for as long as the customer wants
-- (Airtable keeps 180 days). One row per Airtable event; the event id is Airtable's own
-- (a ULID), so storing a page twice stores nothing new.
CREATE TABLE audit_events (
    id            TEXT PRIMARY KEY,
    occurred_at   TIMESTAMPTZ NOT NULL,
    action        TEXT NOT NULL,
    -- Airtable filters by category but does not put it in the event: the console derives it
    -- from the action (NULL for actions it does not know yet).
    category      TEXT,
    actor_type    TEXT NOT NULL,
    actor_id      TEXT,
    actor_email   TEXT,
    actor_name    TEXT,
    model_id      TEXT,
    model_type    TEXT,
    workspace_id  TEXT,
    base_id       TEXT,
    interface_id  TEXT,
    ip_address    TEXT,
    user_agent    TEXT,
    -- The whole event exactly as Airtable sent it, so nothing is lost when Airtable adds a
    -- field the columns above do not know.
    raw           JSONB NOT NULL,
    -- Every string in the event, for the quoted free-text search.
    search        TSVECTOR GENERATED ALWAYS AS (jsonb_to_tsvector('simple', raw, '["string"]')) STORED,
    ingested_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Results are read newest first with keyset pagination on (occurred_at, id); every filter
-- index ends with the same pair so a filtered page is an index range scan.
CREATE INDEX audit_events_time ON audit_events (occurred_at DESC, id DESC);
CREATE INDEX audit_events_action ON audit_events (action, occurred_at DESC, id DESC);
CREATE INDEX audit_events_category ON audit_events (category, occurred_at DESC, id DESC);
CREATE INDEX audit_events_actor_id ON audit_events (actor_id, occurred_at DESC, id DESC);
CREATE INDEX audit_events_actor_email ON audit_events (lower(actor_email), occurred_at DESC, id DESC);
CREATE INDEX audit_events_model ON audit_events (model_id, occurred_at DESC, id DESC);
CREATE INDEX audit_events_workspace ON audit_events (workspace_id, occurred_at DESC, id DESC);
CREATE INDEX audit_events_base ON audit_events (base_id, occurred_at DESC, id DESC);
CREATE INDEX audit_events_ip ON audit_events (ip_address, occurred_at DESC, id DESC);
CREATE INDEX audit_events_search ON audit_events USING GIN (search);

-- Where the ingestion job stands. One row; the cursor is written in the same transaction as
-- the page of events it follows, so a crash at any point resumes exactly where it stopped.
CREATE TABLE audit_sync (
    id                  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    -- Airtable's `next` cursor of the ascending walk; NULL until the first page is stored.
    cursor              TEXT,
    -- Where the backfill started (Airtable's retention horizon at the first run).
    backfill_from       TIMESTAMPTZ,
    backfill_done_at    TIMESTAMPTZ,
    last_event_at       TIMESTAMPTZ,
    events_stored       BIGINT NOT NULL DEFAULT 0,
    run_started_at      TIMESTAMPTZ,
    run_finished_at     TIMESTAMPTZ,
    run_pages           BIGINT NOT NULL DEFAULT 0,
    run_events          BIGINT NOT NULL DEFAULT 0,
    last_success_at     TIMESTAMPTZ,
    last_error          TEXT,
    last_error_at       TIMESTAMPTZ,
    -- Set from the UI: the scheduler runs a sync at once when it sees this.
    requested_at        TIMESTAMPTZ,
    requested_by        TEXT
);
INSERT INTO audit_sync (id) VALUES (TRUE);
