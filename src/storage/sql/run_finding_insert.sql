-- Something odd about a page an ingest run stored all the same.
INSERT INTO ingest_findings(run_id, path, release, package, kind, hash, message)
VALUES (?, ?, ?, ?, ?, ?, ?)
