-- A snapshot writes tens of thousands of rows in one transaction. Until the planner's
-- statistics include them it guesses (with none at all, ~200 rows for a snapshot of 50,000
-- users) and picks plans that sort every user of the snapshot to show one page: 60 ms for
-- page 50 of the users list instead of 3. Autovacuum analyzes a minute or more later, or
-- never where it is switched off, so the console analyzes these tables itself when a
-- snapshot completes. Only a table's owner may ANALYZE it (Postgres 15), and the console may
-- run as a role that owns nothing (README: Database roles): this function runs as its owner
-- and does only this.
CREATE FUNCTION analyze_snapshot_tables() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    ANALYZE snapshots, snapshot_users, snapshot_group_members, snapshot_workspace_access,
            snapshot_shares, snapshot_tokens, known_names;
END $$;
