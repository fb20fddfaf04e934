-- The overview's descendant-accounts card and the AI-allowlist page read the action log by
-- kind of action (newest first); without this they scanned the whole log on every load.
CREATE INDEX console_actions_by_action ON console_actions (action, seq DESC);
