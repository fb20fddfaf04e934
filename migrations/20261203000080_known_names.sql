-- The name of every user, group, workspace and base a snapshot has seen, by ID, kept after
-- the thing is gone: audit events and the overview's risky events are shown by name (a
-- deleted user's name is what the reader needs) without a call to Airtable (issue 16).
CREATE TABLE known_names (
    id       TEXT PRIMARY KEY,
    -- `user`, `group`, `workspace` or `base`.
    kind     TEXT NOT NULL CHECK (kind IN ('user', 'group', 'workspace', 'base')),
    name     TEXT NOT NULL,
    -- Users only.
    email    TEXT,
    -- When a snapshot last saw it.
    seen_at  TIMESTAMPTZ NOT NULL
);

-- What the snapshots taken so far know, newest first.
INSERT INTO known_names (id, kind, name, email, seen_at)
SELECT DISTINCT ON (u.user_id) u.user_id, 'user', u.name, u.email, s.taken_at
  FROM snapshot_users u JOIN snapshots s ON s.id = u.snapshot_id
 WHERE s.taken_at IS NOT NULL
 ORDER BY u.user_id, s.taken_at DESC
ON CONFLICT (id) DO NOTHING;
INSERT INTO known_names (id, kind, name, seen_at)
SELECT DISTINCT ON (m.group_id) m.group_id, 'group', m.group_name, s.taken_at
  FROM snapshot_group_members m JOIN snapshots s ON s.id = m.snapshot_id
 WHERE s.taken_at IS NOT NULL
 ORDER BY m.group_id, s.taken_at DESC
ON CONFLICT (id) DO NOTHING;
INSERT INTO known_names (id, kind, name, seen_at)
SELECT DISTINCT ON (a.workspace_id) a.workspace_id, 'workspace', a.workspace_name, s.taken_at
  FROM snapshot_workspace_access a JOIN snapshots s ON s.id = a.snapshot_id
 WHERE s.taken_at IS NOT NULL
 ORDER BY a.workspace_id, s.taken_at DESC
ON CONFLICT (id) DO NOTHING;
INSERT INTO known_names (id, kind, name, seen_at)
SELECT DISTINCT ON (x.base_id) x.base_id, 'base', x.base_name, s.taken_at
  FROM snapshot_shares x JOIN snapshots s ON s.id = x.snapshot_id
 WHERE s.taken_at IS NOT NULL AND x.base_name IS NOT NULL
 ORDER BY x.base_id, s.taken_at DESC
ON CONFLICT (id) DO NOTHING;
