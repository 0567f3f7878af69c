-- A file taken as unchanged without being parsed: the same bytes are stored.
SELECT id, release_id, key_id FROM source WHERE content_hash = ? AND kind = ? LIMIT 1
