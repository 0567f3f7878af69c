-- For each spec of a release an index ingest touched (temp.index_affected),
-- the indexes of the release listing it in the build cache: its stacks there
-- are their keys. By spec, so that the writer makes one release_spec row per
-- spec as it reads.
SELECT a.spec_id, src.key_id, src.id, s.package_id, s.compiler_id, s.os_id, s.platform_id, s.target_id
FROM temp.index_affected a
JOIN index_listing l ON l.spec_id = a.spec_id AND l.in_buildcache = 1
JOIN source src      ON src.id = l.source_id AND src.kind = 'index' AND src.release_id = a.release_id
JOIN spec s          ON s.id = a.spec_id
WHERE a.release_id = ?
ORDER BY a.spec_id, src.key_id
