-- cachedb schema, version 13: a compiler node described anew gives the specs
-- it built its new name and version.
--
-- A spec whose compiler is a dependency reads it off the node stored with the
-- edge's hash (its package and versions). When that node was described again
-- (an index describing a hash a page described, a page's word back once no
-- index lists it, pages disagreeing), the specs it built kept the label the
-- node had when they were stored, where a fresh ingest gives them the node's
-- description now. From this version on they wait in compiler_pending, which
-- every ingest settles as it ends. Existing databases: every spec whose
-- compiler is a dependency waits once, so that the next ingest reads each
-- label off its node again.
CREATE TRIGGER spec_redescribed_compiler_node AFTER UPDATE OF package_id, version ON spec
WHEN OLD.package_id <> NEW.package_id OR OLD.version <> NEW.version
BEGIN
  INSERT OR IGNORE INTO compiler_pending(spec_id)
  SELECT e.spec_id FROM dependency e JOIN spec s ON s.id = e.spec_id
  WHERE e.dependency_hash = NEW.hash AND e.virtuals <> '' AND s.compiler_by_dependency = 1;
END;

INSERT OR IGNORE INTO compiler_pending(spec_id)
SELECT id FROM spec WHERE compiler_by_dependency = 1;
