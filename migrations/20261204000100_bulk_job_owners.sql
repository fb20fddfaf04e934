-- Bulk jobs survive their process (issue 20). A job runs under the lease `bulk-job:<id>`
-- (see `leases`); when its process dies, another one resumes it once the lease expires.
-- To resume it with the maker's Airtable authority it needs the maker's sign-in (where
-- their tokens are kept), and to never run a user's change twice it needs to know which
-- users' calls were started: a row whose call started but has no outcome is reported for a
-- person to check, never re-run.
ALTER TABLE bulk_jobs ADD COLUMN created_by_login TEXT;
ALTER TABLE bulk_jobs ADD COLUMN created_by_name TEXT NOT NULL DEFAULT '';
ALTER TABLE bulk_job_items ADD COLUMN started_at TIMESTAMPTZ;
