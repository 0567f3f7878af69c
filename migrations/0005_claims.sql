-- cachedb schema, version 5: what each page says, so that the database follows
-- from the pages that are there now, whatever order they came in.
--
-- A binary's size and URL differ between releases (the URL names the release):
-- they move from spec, where the last page read overwrote them, to release_spec.
-- When pages disagree about a hash (two descriptions of it, or two packages of
-- one release listing it), every page's word is kept in spec_claim, and spec
-- and release_spec show the one the documented rule picks; when the page that
-- won changes or goes, the next one's word is known without reading it again.
DROP VIEW specs;
ALTER TABLE release_spec ADD COLUMN size INTEGER;
ALTER TABLE release_spec ADD COLUMN tarball TEXT;
UPDATE release_spec SET (size, tarball) = (SELECT size, tarball FROM spec WHERE spec.id = release_spec.spec_id);
ALTER TABLE spec DROP COLUMN size;
ALTER TABLE spec DROP COLUMN tarball;
ALTER TABLE spec ADD COLUMN contested INTEGER NOT NULL DEFAULT 0 CHECK (contested IN (0, 1));

CREATE TABLE spec_claim (
  spec_id      INTEGER NOT NULL REFERENCES spec(id),
  page_id      INTEGER NOT NULL REFERENCES page(id),
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
  PRIMARY KEY (spec_id, page_id)
) WITHOUT ROWID;
CREATE INDEX spec_claim_by_page ON spec_claim(page_id);

CREATE VIEW specs AS
SELECT r.name   AS release,
       p.name   AS package,
       s.hash   AS hash,
       s.version AS version,
       c.label  AS compiler,
       o.name   AS os,
       pl.name  AS platform,
       t.name   AS target,
       c.name   AS compiler_name,
       c.version AS compiler_version,
       rs.size  AS size,
       rs.tarball AS tarball
FROM release_spec rs
JOIN release r   ON r.id = rs.release_id
JOIN spec s      ON s.id = rs.spec_id
JOIN package p   ON p.id = s.package_id
JOIN compiler c  ON c.id = s.compiler_id
JOIN os o        ON o.id = s.os_id
JOIN platform pl ON pl.id = s.platform_id
JOIN target t    ON t.id = s.target_id;

-- What earlier versions stored depended on the order pages were read in (the
-- last one read described a hash, and gave its size and URL to every release):
-- every page is read again by the next ingest, which puts each right.
UPDATE page SET content_hash = '', file_size = NULL, file_mtime_ns = NULL;
