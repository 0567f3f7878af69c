-- cachedb schema, version 16: a release row derived from build-cache indexes
-- is held (its source_id) by the release's root index when it lists the spec
-- in the build cache, else by the first such index by stack name.
--
-- Before, the index stored first held it, so that the same indexes read in
-- another order, or over several nights, gave another database than a fresh
-- ingest. And every index is read again by the next ingest that names it (its
-- checksum and stamp are cleared), for what this version refuses that the one
-- before read (a dependency's deptypes, virtuals or parameters of another
-- shape, or one that is not an object; an empty `installs` key; `database` or
-- `installs` given twice; a NUL byte after the document).
UPDATE release_spec SET source_id = coalesce((
  SELECT l.source_id FROM index_listing l
  JOIN source src ON src.id = l.source_id
  JOIN stack st ON st.id = src.key_id
  WHERE l.spec_id = release_spec.spec_id AND l.in_buildcache = 1
    AND src.kind = 'index' AND src.release_id = release_spec.release_id
  ORDER BY st.name <> 'root', st.name LIMIT 1), source_id)
WHERE source_id IN (SELECT id FROM source WHERE kind = 'index');

UPDATE source SET content_hash = '', file_size = NULL, file_mtime_ns = NULL WHERE kind = 'index';
