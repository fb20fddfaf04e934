-- Where each SIEM sink stands in the audit copy's stream (`audit_events.copy_seq`): the
-- last number its receiver acknowledged. Forwarders advance it only after the receiver
-- accepted a batch, and only while they still hold the sink's lease (`siem-sink:<name>`),
-- so a crash between the two resends that one batch and never skips an event.
--
-- A sink is named by the settings (`http`, `syslog`) and keeps its row when the settings
-- change or drop it: setting it again carries on from where it was. Delete the row to make
-- the sink start afresh (from CONSOLE_SIEM_START).
CREATE TABLE siem_sinks (
    name            TEXT PRIMARY KEY,
    -- `splunk-hec`, `ndjson` or `syslog`, and where it sends (no credentials): as the
    -- process that last started with it configured saw them.
    kind            TEXT NOT NULL,
    target          TEXT NOT NULL,
    position        BIGINT NOT NULL CHECK (position >= 0),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_success_at TIMESTAMPTZ,
    -- The last failure in plain words; kept after a later success (shown with its time).
    last_error      TEXT,
    last_error_at   TIMESTAMPTZ
);
