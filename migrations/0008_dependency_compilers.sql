-- cachedb schema, version 8: a compiler that is a dependency follows its node.
--
-- Since Spack 1.0 an index names a spec's compiler as the build dependency
-- providing c, cxx or fortran, and the label ('gcc@10.2.1') is that node's
-- name and version. When no index stored has the node, only the edge's
-- package name is known ('gcc'); the spec waits in compiler_pending until a
-- node arrives, and goes back to waiting when its node is deleted, so that
-- the database does not depend on which index came first.
ALTER TABLE spec ADD COLUMN compiler_by_dependency INTEGER NOT NULL DEFAULT 0
  CHECK (compiler_by_dependency IN (0, 1));

CREATE TABLE compiler_pending (
  spec_id INTEGER PRIMARY KEY REFERENCES spec(id) ON DELETE CASCADE
);

CREATE TRIGGER spec_deleted_compiler_node AFTER DELETE ON spec
BEGIN
  DELETE FROM compiler_pending WHERE spec_id = OLD.id;
  INSERT OR IGNORE INTO compiler_pending(spec_id)
  SELECT e.spec_id FROM dependency e JOIN spec s ON s.id = e.spec_id
  WHERE e.dependency_hash = OLD.hash AND e.virtuals <> '' AND s.compiler_by_dependency = 1;
END;

-- Specs stored before: a spec's compiler came from its dependency when it is
-- what that rule gives (database version 8: versions 6 and 7 name no such
-- edge): a build dependency providing c, cxx or fortran whose node's name and
-- version, or without a node stored the edge's package name, is the label.
UPDATE spec SET compiler_by_dependency = 1
WHERE id IN (SELECT e.spec_id FROM dependency e
             JOIN package p ON p.id = e.package_id
             JOIN spec s ON s.id = e.spec_id
             JOIN compiler c ON c.id = s.compiler_id
             LEFT JOIN spec n ON n.hash = e.dependency_hash
             LEFT JOIN package np ON np.id = n.package_id
             WHERE instr(',' || e.deptypes || ',', ',build,') > 0
               AND (instr(',' || e.virtuals || ',', ',c,') > 0 OR instr(',' || e.virtuals || ',', ',cxx,') > 0
                    OR instr(',' || e.virtuals || ',', ',fortran,') > 0)
               AND c.label = CASE WHEN n.id IS NULL THEN p.name
                                  WHEN n.version = '' THEN np.name
                                  ELSE np.name || '@' || n.version END);

-- Those whose compiler is the edge's name alone are settled by the next ingest.
INSERT INTO compiler_pending(spec_id)
SELECT s.id FROM spec s JOIN compiler c ON c.id = s.compiler_id
WHERE s.compiler_by_dependency = 1 AND c.version = '';
