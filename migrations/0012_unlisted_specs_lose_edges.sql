-- cachedb schema, version 12: a hash no build-cache index lists has no
-- dependencies.
--
-- Before version 10, an index that stopped listing a hash a cache page still
-- listed left the hash its edges, and the description the first source read
-- gave it (the index's, where the index came first: the page's word was never
-- stored). A fresh ingest gives such a hash the pages' description and no
-- edges; and from this version on, an ingest takes a hash with edges for one
-- an index describes (an index run may unlist it and list it again), so the
-- edges would keep the index's word on it for good.
-- The edges go, with the compiler such a hash waited for, and every page
-- listing it is read again by the next ingest that names it (its checksum and
-- stamp cleared, as version 10 does), which describes it as the pages say.
CREATE TEMP TABLE unlisted_with_edges AS
SELECT DISTINCT d.spec_id FROM dependency d
WHERE NOT EXISTS (SELECT 1 FROM index_listing l WHERE l.spec_id = d.spec_id);

UPDATE source SET content_hash = '', file_size = NULL, file_mtime_ns = NULL
WHERE kind = 'page'
  AND id IN (SELECT r.source_id FROM release_spec r JOIN temp.unlisted_with_edges u ON u.spec_id = r.spec_id
             UNION SELECT c.source_id FROM spec_claim c JOIN temp.unlisted_with_edges u ON u.spec_id = c.spec_id);

DELETE FROM compiler_pending WHERE spec_id IN (SELECT spec_id FROM temp.unlisted_with_edges);
UPDATE spec SET compiler_by_dependency = 0 WHERE id IN (SELECT spec_id FROM temp.unlisted_with_edges);
DELETE FROM dependency WHERE spec_id IN (SELECT spec_id FROM temp.unlisted_with_edges);

DROP TABLE temp.unlisted_with_edges;
