-- cachedb schema, version 1: the contents of Spack build-cache pages, normalized.
--
-- Naming: tables are singular (spec, stack, release_spec...); the plural names
-- (specs, spec_stacks, spec_variants) are views, the stable interface for analysts.

-- Dimension tables: each distinct value is stored once and referred to by id.
CREATE TABLE release (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE            -- 'develop', 'develop-2025-03-23', 'v0.23'
);

CREATE TABLE package (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE compiler (
  id      INTEGER PRIMARY KEY,
  label   TEXT NOT NULL UNIQUE,        -- as reports show it: 'gcc@11.4.0', or 'none'
  name    TEXT NOT NULL,               -- 'gcc', or 'none' for specs built without one
  version TEXT NOT NULL DEFAULT ''     -- '11.4.0'; '' when none was given
);

CREATE TABLE os (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE platform (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE target (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE stack (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE            -- 'e4s', 'ml-linux-x86_64-cuda'; 'root' holds everything
);

-- A spec belongs to a set of stacks in each release. Most specs share a handful of
-- distinct sets, so each set is stored once and release_spec points at it.
CREATE TABLE stack_set (
  id  INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE             -- the member stack ids, sorted, comma-separated
);

CREATE TABLE stack_set_member (
  stack_set_id INTEGER NOT NULL REFERENCES stack_set(id),
  stack_id     INTEGER NOT NULL REFERENCES stack(id),
  PRIMARY KEY (stack_set_id, stack_id)
) WITHOUT ROWID;
CREATE INDEX stack_set_member_by_stack ON stack_set_member(stack_id);

-- One variant as written on a page ('+mpi', 'libs=shared,static', "build_type='dm+sm'").
CREATE TABLE variant (
  id        INTEGER PRIMARY KEY,
  text      TEXT NOT NULL UNIQUE,      -- the variant exactly as the page wrote it
  name      TEXT NOT NULL,             -- 'mpi', 'libs', 'build_type'
  propagate INTEGER NOT NULL DEFAULT 0 CHECK (propagate IN (0, 1)),  -- '++x', '~~x', 'k==v'
  exact     INTEGER NOT NULL DEFAULT 0 CHECK (exact IN (0, 1))       -- 'k:=v' pins the value set
);

-- The values of a variant: 'true'/'false' for booleans, one row per value for lists.
CREATE TABLE variant_value (
  variant_id INTEGER NOT NULL REFERENCES variant(id),
  position   INTEGER NOT NULL,         -- order on the page, from 0
  value      TEXT NOT NULL,            -- unquoted: build_type='dm+sm' has the value dm+sm
  PRIMARY KEY (variant_id, position)
) WITHOUT ROWID;

-- The specs of a package mostly share one set of variants, so each distinct set
-- is stored once and spec points at it.
CREATE TABLE variant_set (
  id  INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE             -- the member variant ids, sorted, comma-separated
);

CREATE TABLE variant_set_member (
  variant_set_id INTEGER NOT NULL REFERENCES variant_set(id),
  variant_id     INTEGER NOT NULL REFERENCES variant(id),
  PRIMARY KEY (variant_set_id, variant_id)
) WITHOUT ROWID;
CREATE INDEX variant_set_member_by_variant ON variant_set_member(variant_id);

-- One binary, identified by its DAG hash. Its attributes do not depend on the
-- release. all_stack_set_id, the union of its stacks over every release that
-- lists it, is kept by the ingester so that reports over all releases count a
-- spec once without first collapsing its releases.
CREATE TABLE spec (
  id          INTEGER PRIMARY KEY,
  hash        TEXT NOT NULL UNIQUE,
  package_id  INTEGER NOT NULL REFERENCES package(id),
  version     TEXT NOT NULL,           -- the page's versions, comma-separated (usually one)
  compiler_id INTEGER NOT NULL REFERENCES compiler(id),
  os_id       INTEGER NOT NULL REFERENCES os(id),
  platform_id INTEGER NOT NULL REFERENCES platform(id),
  target_id   INTEGER NOT NULL REFERENCES target(id),
  variant_set_id INTEGER NOT NULL REFERENCES variant_set(id),
  all_stack_set_id INTEGER NOT NULL REFERENCES stack_set(id),  -- its stacks in all releases together
  size        INTEGER,                 -- bytes; NULL when the page says '-'
  tarball     TEXT                     -- URL, when the page gives one
);
CREATE INDEX spec_by_package ON spec(package_id);
CREATE INDEX spec_by_dims ON spec(all_stack_set_id, target_id, os_id, compiler_id, platform_id, package_id);

CREATE TABLE spec_version (
  spec_id INTEGER NOT NULL REFERENCES spec(id) ON DELETE CASCADE,
  version TEXT NOT NULL,
  PRIMARY KEY (spec_id, version)
) WITHOUT ROWID;
-- For --filter version=...
CREATE INDEX spec_version_by_version ON spec_version(version);

-- One ingested page: what cache.spack.io says about one package in one release.
-- A file whose path, size and modification time match is taken as unchanged
-- without being read (as make and rsync do); one whose bytes match
-- content_hash is taken as unchanged without being parsed.
CREATE TABLE page (
  id           INTEGER PRIMARY KEY,
  release_id   INTEGER NOT NULL REFERENCES release(id),
  package_id   INTEGER NOT NULL REFERENCES package(id),
  path         TEXT NOT NULL,          -- where it was last read from
  content_hash TEXT NOT NULL,          -- of the file's bytes; unchanged pages are skipped
  file_size    INTEGER,                -- the file's size in bytes when last read
  file_mtime_ns INTEGER,               -- its modification time then, in ns since the epoch
  ingested_at  TEXT NOT NULL,          -- UTC, ISO 8601
  UNIQUE (release_id, package_id)
);
CREATE INDEX page_by_content ON page(content_hash);
CREATE INDEX page_by_path ON page(path);

-- A spec in a release, as listed by one page, with the stacks it is in there.
-- This is the fact table the reports scan: the spec's dimensions are copied here
-- (and kept equal to spec's) so a matrix is one pass over one table.
CREATE TABLE release_spec (
  release_id   INTEGER NOT NULL REFERENCES release(id),
  spec_id      INTEGER NOT NULL REFERENCES spec(id),
  page_id      INTEGER NOT NULL REFERENCES page(id) ON DELETE CASCADE,
  stack_set_id INTEGER NOT NULL REFERENCES stack_set(id),
  package_id   INTEGER NOT NULL REFERENCES package(id),
  compiler_id  INTEGER NOT NULL REFERENCES compiler(id),
  os_id        INTEGER NOT NULL REFERENCES os(id),
  platform_id  INTEGER NOT NULL REFERENCES platform(id),
  target_id    INTEGER NOT NULL REFERENCES target(id),
  -- Keyed by page: a page's rows are written together and replaced together,
  -- so inserts append and a page's rows are one range. A spec is in a release
  -- at most once: the page writer keeps it so.
  PRIMARY KEY (page_id, spec_id)
) WITHOUT ROWID;
-- Spec-ordered and covering every column: a report collapses a spec's
-- releases by streaming this index (GROUP BY spec_id) instead of sorting the
-- table, and ingest still finds a spec's rows by its prefix.
CREATE INDEX release_spec_by_spec ON release_spec(spec_id, stack_set_id, target_id, os_id, compiler_id,
                                                  platform_id, package_id, release_id);
CREATE INDEX release_spec_by_release ON release_spec(release_id, stack_set_id, target_id, os_id, compiler_id,
                                                     platform_id, package_id);

-- The analysts' interface. These names and columns stay stable; new columns may be added.

-- One row per spec per release it appears in.
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
       s.size   AS size,
       s.tarball AS tarball
FROM release_spec rs
JOIN release r   ON r.id = rs.release_id
JOIN spec s      ON s.id = rs.spec_id
JOIN package p   ON p.id = s.package_id
JOIN compiler c  ON c.id = s.compiler_id
JOIN os o        ON o.id = s.os_id
JOIN platform pl ON pl.id = s.platform_id
JOIN target t    ON t.id = s.target_id;

-- One row per spec per stack it is in, per release.
CREATE VIEW spec_stacks AS
SELECT r.name  AS release,
       p.name  AS package,
       s.hash  AS hash,
       st.name AS stack
FROM release_spec rs
JOIN release r            ON r.id = rs.release_id
JOIN spec s               ON s.id = rs.spec_id
JOIN package p            ON p.id = s.package_id
JOIN stack_set_member ssm ON ssm.stack_set_id = rs.stack_set_id
JOIN stack st             ON st.id = ssm.stack_id;

-- One row per spec per variant value ('libs=shared,static' gives two rows).
CREATE VIEW spec_variants AS
SELECT p.name      AS package,
       s.hash      AS hash,
       v.text      AS variant,
       v.name      AS name,
       vv.value    AS value,
       v.propagate AS propagate,
       v.exact     AS exact
FROM spec s
JOIN package p       ON p.id = s.package_id
JOIN variant_set_member vsm ON vsm.variant_set_id = s.variant_set_id
JOIN variant v       ON v.id = vsm.variant_id
JOIN variant_value vv ON vv.variant_id = v.id;
