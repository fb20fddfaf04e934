-- What the users page filters and sorts on, recorded with each snapshot from now on.
-- Nullable: snapshots taken before this migration did not record them (NULL = unknown).
ALTER TABLE snapshot_users
    ADD COLUMN is_external BOOLEAN,
    ADD COLUMN is_two_factor_auth_enabled BOOLEAN,
    ADD COLUMN is_sso_required BOOLEAN,
    -- NULL in a snapshot that recorded the details (see snapshots.email_domains): never active.
    ADD COLUMN last_activity_at TIMESTAMPTZ;

-- The enterprise's email domains when the snapshot was taken (a user is external when their
-- email's domain is none of these). NULL: the snapshot predates the columns above.
ALTER TABLE snapshots ADD COLUMN email_domains TEXT[];

-- The users page reads one snapshot's users in one of these orders, a page at a time.
CREATE INDEX snapshot_users_by_name ON snapshot_users (snapshot_id, lower(name), user_id);
CREATE INDEX snapshot_users_by_email ON snapshot_users (snapshot_id, lower(email), user_id);
CREATE INDEX snapshot_users_by_activity
    ON snapshot_users (snapshot_id, last_activity_at NULLS FIRST, user_id);
