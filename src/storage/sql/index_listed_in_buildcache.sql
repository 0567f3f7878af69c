-- The specs one index lists in the build cache, in spec order, after a given
-- spec (0 for all): a range of index_listing's key, read without a sort. The
-- writer merges those of a release's indexes to derive the release's rows (a
-- spec is a binary of the release when one of them lists it; their keys are
-- its stacks), a slice at a time when it derives while reading.
SELECT spec_id FROM index_listing WHERE source_id = ? AND spec_id > ? AND in_buildcache = 1 ORDER BY spec_id
