-- A stored source document read again with other bytes.
UPDATE source SET path = ?, content_hash = ?, file_size = ?, file_mtime_ns = ?, ingested_at = ?
WHERE id = ?
