-- The action log's chain becomes keyed: each new row's hash is an HMAC-SHA256 with
-- `CONSOLE_LOG_KEY`, which is kept outside the database, so someone who can write the
-- tables (even their owner) cannot recompute a valid chain after changing a row. Rows
-- written before this migration keep their plain SHA-256 hashes (`keyed` false); the
-- verifier accepts those only before the first keyed row.
ALTER TABLE console_actions ADD COLUMN keyed BOOLEAN NOT NULL DEFAULT FALSE;

-- The head record lived in the same database as the rows, so whoever could delete the
-- newest rows could rewrite it too; and keeping it needed UPDATE on a log table, which the
-- console's runtime role no longer has. The head is now written outside the database
-- (the witness file `action-log-head` in the data directory, and a daily notice to the
-- console's admins), where deletions and TRUNCATE are caught.
DROP TABLE console_action_head;
