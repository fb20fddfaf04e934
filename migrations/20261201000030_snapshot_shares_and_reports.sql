-- Shares (public and restricted links) of every base, recorded with each snapshot from now
-- on, so the reports can list links anyone on the internet can open.
CREATE TABLE snapshot_shares (
    snapshot_id     BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    base_id         TEXT NOT NULL,
    -- NULL: the base was not in the token's list of bases, so its name is unknown.
    base_name       TEXT,
    workspace_id    TEXT NOT NULL,
    workspace_name  TEXT NOT NULL,
    share_id        TEXT NOT NULL,
    -- `base`, `view` or `blockInstallation`.
    kind            TEXT NOT NULL,
    -- `enabled` or `disabled`.
    state           TEXT NOT NULL,
    is_password_protected BOOLEAN NOT NULL,
    restricted_to_email_domains TEXT[] NOT NULL,
    restricted_to_enterprise_members BOOLEAN NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (snapshot_id, share_id)
);

-- Whether the snapshot read the bases' shares (false for snapshots taken before this
-- migration: their reports say so instead of showing an empty list), and why not when
-- Airtable refused (the rest of the snapshot is still good).
ALTER TABLE snapshots
    ADD COLUMN shares_recorded BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN shares_error TEXT;

-- The public-shares report reads one snapshot's open links in base order, a page at a time.
CREATE INDEX snapshot_shares_open
    ON snapshot_shares (snapshot_id, lower(coalesce(base_name, base_id)), base_id, share_id)
    WHERE state = 'enabled' AND NOT is_password_protected
      AND cardinality(restricted_to_email_domains) = 0
      AND NOT restricted_to_enterprise_members;

-- The external-collaborators report finds, per user, their groups and where they and their
-- groups have access (the primary keys lead with the group and the workspace instead).
CREATE INDEX snapshot_group_members_by_user
    ON snapshot_group_members (snapshot_id, user_id);
CREATE INDEX snapshot_workspace_access_by_principal
    ON snapshot_workspace_access (snapshot_id, principal_id);
-- Owners of each workspace (sole-owner report).
CREATE INDEX snapshot_workspace_access_owners
    ON snapshot_workspace_access (snapshot_id, workspace_id)
    WHERE permission = 'owner';

-- The small sets the user reports list out of 50,000 users, in email order.
CREATE INDEX snapshot_users_external
    ON snapshot_users (snapshot_id, lower(email), user_id) WHERE is_external;
CREATE INDEX snapshot_users_admins
    ON snapshot_users (snapshot_id, lower(email), user_id) WHERE is_admin;
