-- A spec described again by an index: its rows in releases read from indexes
-- copy its dimensions (the rows of page releases are the claims' to settle).
UPDATE release_spec SET package_id = ?, compiler_id = ?, os_id = ?, platform_id = ?, target_id = ?
WHERE spec_id = ? AND source_id IN (SELECT id FROM source WHERE kind = 'index')
