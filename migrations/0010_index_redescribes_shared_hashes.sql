-- cachedb schema, version 10: a hash that pages and build-cache indexes both
-- list is described by an index, whichever was read first.
--
-- Before, the source read first described the hash. A database written then
-- may hold a page's description of a hash an index lists (the page came
-- first: the index's description was never stored), or lack a page's word
-- where it differs from the index's (the index came first: the page's word
-- was dropped). Neither can be told from what is stored, nor mended from it.
-- So each such hash waits in index_redescribe for the next index read that
-- lists it, which describes it again (the page's word kept as a claim where
-- it differs); and every source that lists it is read again by the next
-- ingest that names it: its checksum and stamp are cleared, so that it is
-- not found unchanged.
CREATE TABLE index_redescribe (
  spec_id INTEGER PRIMARY KEY REFERENCES spec(id) ON DELETE CASCADE
);

CREATE TRIGGER spec_deleted_redescribe AFTER DELETE ON spec
BEGIN
  DELETE FROM index_redescribe WHERE spec_id = OLD.id;
END;

INSERT INTO index_redescribe(spec_id)
SELECT DISTINCT l.spec_id FROM index_listing l
WHERE l.spec_id IN (SELECT r.spec_id FROM release_spec r JOIN source s ON s.id = r.source_id WHERE s.kind = 'page'
                    UNION SELECT c.spec_id FROM spec_claim c);

UPDATE source SET content_hash = '', file_size = NULL, file_mtime_ns = NULL
WHERE id IN (SELECT l.source_id FROM index_listing l JOIN index_redescribe x ON x.spec_id = l.spec_id
             UNION SELECT r.source_id FROM release_spec r JOIN index_redescribe x ON x.spec_id = r.spec_id
             UNION SELECT c.source_id FROM spec_claim c JOIN index_redescribe x ON x.spec_id = c.spec_id);
