-- A run's errors, then its findings, in the order they were met; at most ?2 (negative: all).
SELECT 'error', path, line, '', '', '', '', message FROM ingest_errors WHERE run_id = ?1
UNION ALL
SELECT 'finding', path, NULL, release, package, kind, hash, message FROM ingest_findings WHERE run_id = ?1
LIMIT ?2
