-- A file taken as unchanged without being read: same path, size and
-- modification time as when it was stored (source_by_path answers alone).
SELECT id, release_id, key_id FROM source
WHERE path = ? AND file_size = ? AND file_mtime_ns = ? AND kind = ?
LIMIT 1
