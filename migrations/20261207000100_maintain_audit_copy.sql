-- The audit copy grows with every sync run, and two things its searches depend on are left
-- to autovacuum, which may be switched off (this project's own test machines run without
-- it) or come late for a table of millions of rows (it analyzes after a tenth has changed,
-- and vacuums after a fifth was inserted):
-- * the planner's statistics: without them Postgres guesses how common a searched word is,
--   and a word found in three events of 55,000 walked the whole table in time order
--   (42 ms; seconds at millions) instead of reading its three matches from the full-text
--   index (0.2 ms);
-- * the full-text index's pending list (GIN's fast update), which every search through
--   that index reads whole: up to 4 MB of entries not yet merged (238 pages after the
--   large world's backfill of 55,000 events, 1.2 ms of each such search).
-- So the sync does both itself after each run (and every hundred pages of a long one): it
-- merges the pending list, and analyzes the table when it never was or a tenth of it has
-- changed since (autovacuum's own rule; `ANALYZE` samples 30,000 rows, about half a second
-- at 55,000 events). Only a table's owner may do either, and the console may run as a role
-- that owns nothing (README: Database roles), so, like analyze_snapshot_tables, this runs
-- as its owner and does only this. It answers whether it analyzed.
CREATE FUNCTION maintain_audit_copy() RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    rows_counted real;
    changed bigint;
BEGIN
    PERFORM gin_clean_pending_list('audit_events_search'::regclass);
    SELECT c.reltuples, s.n_mod_since_analyze INTO rows_counted, changed
      FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
     WHERE c.oid = 'audit_events'::regclass;
    IF rows_counted < 0 OR coalesce(changed, 0) > 500 + 0.1 * rows_counted THEN
        ANALYZE audit_events;
        RETURN true;
    END IF;
    RETURN false;
END $$;
