-- A source document new to the database; nothing when (kind, release, key) is
-- stored already: sqlite3_changes() tells which.
INSERT INTO source(kind, release_id, key_id, path, content_hash, file_size, file_mtime_ns, ingested_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (kind, release_id, key_id) DO NOTHING
