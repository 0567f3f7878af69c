-- cachedb schema, version 15: a list in a build-cache index is read as Spack
-- keeps a multi-valued variant's values, a sorted set.
--
-- `["fortran", "c", "c"]` is `k:=c,fortran`, as Spack prints it; cachedb
-- before this version kept the values as the index gave them. Spack writes
-- them sorted, but another tool may not. So every spec an index lists whose
-- `k:=` values are not each greater than the one before waits in
-- index_redescribe for the next index read that lists it, which describes it
-- again (version 10's way). And every index is read again by the next ingest
-- that names it (its checksum and stamp are cleared, so that it is not found
-- unchanged), for what this version also reads otherwise and what is stored
-- cannot tell: a hash the `installs` object gives twice (in the build cache as
-- its last record says), a dict target without a name, a parameter that is an
-- object and a list holding a list (each refused now).
INSERT OR IGNORE INTO index_redescribe(spec_id)
SELECT DISTINCT l.spec_id FROM index_listing l
JOIN spec s ON s.id = l.spec_id
JOIN variant_set_member m ON m.variant_set_id = s.variant_set_id
JOIN variant v ON v.id = m.variant_id AND v.exact = 1
JOIN variant_value a ON a.variant_id = v.id
JOIN variant_value b ON b.variant_id = v.id AND b.position = a.position + 1
WHERE b.value <= a.value;

UPDATE source SET content_hash = '', file_size = NULL, file_mtime_ns = NULL WHERE kind = 'index';
