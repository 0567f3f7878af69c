-- cachedb schema, version 14: a list in a build-cache index is printed
-- `k:=a,b`.
--
-- A list in a node's parameters is a multi-valued variant's exact set of
-- values, which Spack prints `k:=a,b` since 1.0, as the cache pages of its
-- releases show it; cachedb before this version wrote `k=a,b`, so a hash
-- that a page and an index both list differed in its variants. Which stored
-- value was a list (`libs=shared,static`) and which a single value with a
-- comma cannot be told from what is stored. So every spec an index lists
-- whose variants hold one written `k=v` waits in index_redescribe for the next
-- index read that lists it, which describes it again (version 10's way), and
-- every index listing it is read again by the next ingest that names it: its
-- checksum and stamp are cleared, so that it is not found unchanged.
-- The same for what this version reads as Spack reads it, and cachedb did not
-- before: a value "true" or "false" (`k=true`, now a boolean variant), and a
-- parameter named twice (both were kept; now the last).
INSERT OR IGNORE INTO index_redescribe(spec_id)
SELECT DISTINCT l.spec_id FROM index_listing l
JOIN spec s ON s.id = l.spec_id
JOIN variant_set_member m ON m.variant_set_id = s.variant_set_id
JOIN variant v ON v.id = m.variant_id
WHERE (v.exact = 0 AND substr(v.text, 1, 1) NOT IN ('+', '~'))
   OR EXISTS (SELECT 1 FROM variant_set_member m2 JOIN variant v2 ON v2.id = m2.variant_id
              WHERE m2.variant_set_id = s.variant_set_id AND v2.name = v.name AND v2.id <> v.id);

UPDATE source SET content_hash = '', file_size = NULL, file_mtime_ns = NULL
WHERE kind = 'index'
  AND id IN (SELECT l.source_id FROM index_listing l JOIN index_redescribe x ON x.spec_id = l.spec_id);
