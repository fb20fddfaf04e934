-- Each complete snapshot's sizes, counted once when it completes (a complete snapshot never
-- changes). The snapshots page lists up to 200 snapshots and "who was an admin on date X"
-- reads one; at 50,000 users counting them on every view cost ~15 ms per snapshot.
-- NULL: completed before these columns (by an older console process during an upgrade,
-- say); the console counts such a snapshot's rows when it reads it.
ALTER TABLE snapshots
    ADD COLUMN user_count BIGINT,
    ADD COLUMN admin_count BIGINT,
    ADD COLUMN group_count BIGINT,
    ADD COLUMN workspace_count BIGINT;

UPDATE snapshots AS s
   SET user_count = (SELECT count(*) FROM snapshot_users u WHERE u.snapshot_id = s.id),
       admin_count = (SELECT count(*) FROM snapshot_users u
                       WHERE u.snapshot_id = s.id AND u.is_admin),
       group_count = (SELECT count(DISTINCT group_id) FROM snapshot_group_members g
                       WHERE g.snapshot_id = s.id),
       workspace_count = (SELECT count(DISTINCT workspace_id) FROM snapshot_workspace_access w
                           WHERE w.snapshot_id = s.id)
 WHERE s.taken_at IS NOT NULL;
