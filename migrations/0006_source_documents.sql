-- cachedb schema, version 6: the database stores source documents, not pages.
--
-- A page is what cache.spack.io says about one package in one release; a
-- build-cache index says what one stack holds in one release. Both are
-- source documents, keyed by (kind, release, key): kind 'page' with the
-- package as key, kind 'index' with the stack. `page` becomes `source`, and
-- what pointed at a page (release_spec.page_id, spec_claim.page_id) points at
-- a source (source_id); the rows are carried over as they are, ids and all.
-- A view named `page` shows the pages as the table did, for the queries
-- analysts wrote against it.
--
-- Run with foreign keys off (migrate() sees to it): the old tables are
-- dropped once their rows are copied, and with enforcement on, dropping the
-- page table would first delete every row that refers to it. The old tables
-- are renamed out of the way the legacy way, which leaves the views that
-- name them alone: they name the new tables once those are made.
PRAGMA legacy_alter_table = ON;
ALTER TABLE page RENAME TO page_0005;
ALTER TABLE release_spec RENAME TO release_spec_0005;
ALTER TABLE spec_claim RENAME TO spec_claim_0005;

CREATE TABLE source (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('page', 'index')),
  release_id   INTEGER NOT NULL REFERENCES release(id),
  key_id       INTEGER NOT NULL,
  path         TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  file_size    INTEGER,
  file_mtime_ns INTEGER,
  ingested_at  TEXT NOT NULL,
  UNIQUE (kind, release_id, key_id)
);
INSERT INTO source(id, kind, release_id, key_id, path, content_hash, file_size, file_mtime_ns, ingested_at)
SELECT id, 'page', release_id, package_id, path, content_hash, file_size, file_mtime_ns, ingested_at
FROM page_0005 ORDER BY id;

CREATE TABLE release_spec (
  release_id   INTEGER NOT NULL REFERENCES release(id),
  spec_id      INTEGER NOT NULL REFERENCES spec(id),
  source_id    INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
  stack_set_id INTEGER NOT NULL REFERENCES stack_set(id),
  package_id   INTEGER NOT NULL REFERENCES package(id),
  compiler_id  INTEGER NOT NULL REFERENCES compiler(id),
  os_id        INTEGER NOT NULL REFERENCES os(id),
  platform_id  INTEGER NOT NULL REFERENCES platform(id),
  target_id    INTEGER NOT NULL REFERENCES target(id),
  size         INTEGER,
  tarball      TEXT,
  PRIMARY KEY (source_id, spec_id)
) WITHOUT ROWID;
INSERT INTO release_spec(release_id, spec_id, source_id, stack_set_id, package_id, compiler_id, os_id, platform_id,
                         target_id, size, tarball)
SELECT release_id, spec_id, page_id, stack_set_id, package_id, compiler_id, os_id, platform_id, target_id, size,
       tarball
FROM release_spec_0005 ORDER BY page_id, spec_id;

CREATE TABLE spec_claim (
  spec_id      INTEGER NOT NULL REFERENCES spec(id),
  source_id    INTEGER NOT NULL REFERENCES source(id),
  package_id   INTEGER NOT NULL REFERENCES package(id),
  version      TEXT NOT NULL,
  compiler_id  INTEGER NOT NULL REFERENCES compiler(id),
  os_id        INTEGER NOT NULL REFERENCES os(id),
  platform_id  INTEGER NOT NULL REFERENCES platform(id),
  target_id    INTEGER NOT NULL REFERENCES target(id),
  variant_set_id INTEGER NOT NULL REFERENCES variant_set(id),
  stack_set_id INTEGER NOT NULL REFERENCES stack_set(id),
  size         INTEGER,
  tarball      TEXT,
  PRIMARY KEY (spec_id, source_id)
) WITHOUT ROWID;
INSERT INTO spec_claim(spec_id, source_id, package_id, version, compiler_id, os_id, platform_id, target_id,
                       variant_set_id, stack_set_id, size, tarball)
SELECT spec_id, page_id, package_id, version, compiler_id, os_id, platform_id, target_id, variant_set_id,
       stack_set_id, size, tarball
FROM spec_claim_0005 ORDER BY spec_id, page_id;

DROP TABLE spec_claim_0005;
DROP TABLE release_spec_0005;
DROP TABLE page_0005;

-- The indexes the old tables had, under the new names. release_spec's two are
-- made in the order an ingest into an empty database (which drops them and
-- builds them again, see storage/bulk_load.cc) leaves them: when a query could
-- use either, SQLite takes the one made last, so a database upgraded here and
-- one loaded anew answer with the same plans.
CREATE INDEX source_by_content ON source(content_hash);
CREATE INDEX source_by_path ON source(path, file_size, file_mtime_ns, kind, release_id, key_id);
CREATE INDEX release_spec_by_release ON release_spec(release_id, stack_set_id, target_id, os_id, compiler_id,
                                                     platform_id, package_id);
CREATE INDEX release_spec_by_spec ON release_spec(spec_id, stack_set_id, target_id, os_id, compiler_id,
                                                  platform_id, package_id, release_id);
CREATE INDEX spec_claim_by_source ON spec_claim(source_id);

CREATE VIEW page AS
SELECT id AS id, release_id AS release_id, key_id AS package_id, path AS path, content_hash AS content_hash,
       file_size AS file_size, file_mtime_ns AS file_mtime_ns, ingested_at AS ingested_at
FROM source WHERE kind = 'page';

PRAGMA legacy_alter_table = OFF;
