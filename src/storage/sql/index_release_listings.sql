-- The release rows an index release should have, from its indexes: each spec
-- one of them lists in the build cache, with the indexes listing it there
-- (their keys are its stacks). By spec, so that the writer makes one row per
-- spec as it reads, and compares them with the stored ones in one pass.
SELECT l.spec_id, src.key_id, src.id, s.package_id, s.compiler_id, s.os_id, s.platform_id, s.target_id
FROM source src
JOIN index_listing l ON l.source_id = src.id AND l.in_buildcache = 1
JOIN spec s          ON s.id = l.spec_id
WHERE src.kind = 'index' AND src.release_id = ?
ORDER BY l.spec_id, src.key_id
