-- The most recent ingest runs, newest first (?2 of them); only run ?1 when it is not NULL.
SELECT id, started_at, finished_at, status, inputs, message, pages_added, pages_updated, pages_unchanged,
       pages_removed, pages_rejected, pages_skipped, pages_legacy, specs_added, specs_removed, findings, prune,
       force, prune_refused
FROM ingest_runs
WHERE ?1 IS NULL OR id = ?1
ORDER BY id DESC
LIMIT ?2
