-- Rows a console older than the bulk-job leases left pending were never marked started, so
-- it is not known whether their Airtable call was made. The new resumer would run them
-- again; count them as started instead, so that they are reported as interrupted for a
-- person to check (what the old console did with them at its next start).
UPDATE bulk_job_items SET started_at = now()
 WHERE status = 'pending' AND started_at IS NULL
   AND job_id IN (SELECT id FROM bulk_jobs WHERE created_by_login IS NULL AND finished_at IS NULL);
