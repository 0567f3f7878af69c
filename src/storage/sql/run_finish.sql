-- An ingest run's end: its status and counts, written inside its data
-- transaction (ingest/run_log.h).
UPDATE ingest_runs
SET finished_at = ?, status = ?, pages_added = ?, pages_updated = ?, pages_unchanged = ?, pages_removed = ?,
    pages_rejected = ?, pages_skipped = ?, pages_legacy = ?, specs_added = ?, specs_removed = ?, findings = ?,
    prune_refused = ?
WHERE id = ?
