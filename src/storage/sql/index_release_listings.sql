-- The release rows an index release should have, from its indexes: each spec
-- one of them lists in the build cache, with the indexes listing it there
-- (their keys are its stacks). By spec, so that the writer makes one row per
-- spec as it reads, and compares them with the stored ones in one pass. The
-- spec's columns are not joined here: the sort would carry them for every
-- listing (a spec is listed by several stacks), and the writer needs them
-- only for the rows it inserts (storage/spec_dimensions.sql).
SELECT l.spec_id, src.key_id, src.id
FROM source src
JOIN index_listing l ON l.source_id = src.id AND l.in_buildcache = 1
WHERE src.kind = 'index' AND src.release_id = ?
ORDER BY l.spec_id, src.key_id
