-- cachedb schema, version 7: what Spack's build-cache indexes say.
--
-- An index (source kind 'index', keyed by its release and stack) lists specs,
-- each in the build cache or not (a dependency only: an external, a package
-- built elsewhere). index_listing keeps that word per (index, spec); the
-- release_spec rows of an index release are derived from it (a spec is a
-- binary of the release when an index of the release lists it in the build
-- cache; its stacks are the labels of those indexes). A spec's dependencies
-- are fixed by its hash, so they are stored once per spec, whatever the
-- number of indexes and releases listing it; an edge names its dependency by
-- hash, as the index does, since an index may name a dependency it does not
-- list.
CREATE TABLE index_listing (
  source_id     INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
  spec_id       INTEGER NOT NULL REFERENCES spec(id),
  in_buildcache INTEGER NOT NULL CHECK (in_buildcache IN (0, 1)),
  PRIMARY KEY (source_id, spec_id)
) WITHOUT ROWID;
CREATE INDEX index_listing_by_spec ON index_listing(spec_id, in_buildcache, source_id);

CREATE TABLE dependency (
  spec_id         INTEGER NOT NULL REFERENCES spec(id),
  dependency_hash TEXT NOT NULL,
  package_id      INTEGER NOT NULL REFERENCES package(id),
  deptypes        TEXT NOT NULL,
  virtuals        TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (spec_id, dependency_hash)
) WITHOUT ROWID;
CREATE INDEX dependency_by_hash ON dependency(dependency_hash);

CREATE VIEW dependencies AS
SELECT p.name  AS package,
       s.hash  AS hash,
       dp.name AS dependency,
       e.dependency_hash AS dependency_hash,
       d.version AS dep_version,
       e.deptypes AS deptypes,
       e.virtuals AS virtuals
FROM dependency e
JOIN spec s      ON s.id = e.spec_id
JOIN package p   ON p.id = s.package_id
JOIN package dp  ON dp.id = e.package_id
LEFT JOIN spec d ON d.hash = e.dependency_hash;
