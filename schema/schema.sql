-- The cachedb schema as it stands after every migration in migrations/, in one
-- readable file. tests/schema_test.cc proves the two agree: change both together.
--
-- Naming: tables are singular (spec, stack, release_spec...); the plural names
-- (specs, spec_stacks, spec_variants) are views, the stable interface for analysts.

-- Dimension tables: each distinct value is stored once and referred to by id.
-- A value (or a stack or variant set) that no row refers to any more is
-- deleted by the run that left it so: the tables hold what the cache has now.
-- (Comments right above a CREATE and after a column are its documentation:
-- 'cachedb schema' prints them.)

-- A release of the build cache: a version or a dated develop snapshot.
CREATE TABLE release (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE            -- 'develop', 'develop-2025-03-23', 'v0.23'
);

-- A Spack package.
CREATE TABLE package (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE            -- the package name, e.g. 'zlib', 'py-torch'
);

-- A compiler a spec was built with.
CREATE TABLE compiler (
  id      INTEGER PRIMARY KEY,
  label   TEXT NOT NULL UNIQUE,        -- as reports show it: 'gcc@11.4.0', or 'none'
  name    TEXT NOT NULL,               -- 'gcc', or 'none' for specs built without one
  version TEXT NOT NULL DEFAULT ''     -- '11.4.0'; '' when none was given
);

-- An operating system.
CREATE TABLE os (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE            -- 'ubuntu22.04', 'rhel8', 'sequoia'
);

-- A platform.
CREATE TABLE platform (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE            -- 'linux', 'darwin'
);

-- A microarchitecture a spec was built for.
CREATE TABLE target (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE            -- 'x86_64_v3', 'neoverse_v2', 'aarch64'
);

-- A stack of Spack's CI (a named set of binaries).
CREATE TABLE stack (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE            -- 'e4s', 'ml-linux-x86_64-cuda'; 'root' is a release's whole cache
);

-- A spec belongs to a set of stacks in each release. Most specs share a handful of
-- distinct sets, so each set is stored once and release_spec points at it.
CREATE TABLE stack_set (
  id  INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE             -- the member stack ids, sorted, each followed by a comma ('1,2,'; '-' for no stack)
);

-- The stacks of each stack set.
CREATE TABLE stack_set_member (
  stack_set_id INTEGER NOT NULL REFERENCES stack_set(id),  -- the set
  stack_id     INTEGER NOT NULL REFERENCES stack(id),      -- one of its stacks
  PRIMARY KEY (stack_set_id, stack_id)
) WITHOUT ROWID;
CREATE INDEX stack_set_member_by_stack ON stack_set_member(stack_id);

-- One variant as written on a page ('+mpi', 'libs=shared,static', "build_type='dm+sm'").
CREATE TABLE variant (
  id        INTEGER PRIMARY KEY,
  text      TEXT NOT NULL UNIQUE,      -- the variant exactly as the page wrote it
  name      TEXT NOT NULL,             -- 'mpi', 'libs', 'build_type'
  propagate INTEGER NOT NULL DEFAULT 0 CHECK (propagate IN (0, 1)),  -- 1 when it propagates: '++x', '~~x', 'k==v'
  exact     INTEGER NOT NULL DEFAULT 0 CHECK (exact IN (0, 1))       -- 1 for 'k:=v', which pins the value set
);

-- The values of a variant: 'true'/'false' for booleans, one row per value for lists.
CREATE TABLE variant_value (
  variant_id INTEGER NOT NULL REFERENCES variant(id),  -- the variant
  position   INTEGER NOT NULL,         -- order on the page, from 0
  value      TEXT NOT NULL,            -- unquoted: build_type='dm+sm' has the value dm+sm
  PRIMARY KEY (variant_id, position)
) WITHOUT ROWID;

-- The specs of a package mostly share one set of variants, so each distinct set
-- is stored once and spec points at it.
CREATE TABLE variant_set (
  id  INTEGER PRIMARY KEY,             -- the set's id
  key TEXT NOT NULL UNIQUE             -- the member variant ids, sorted, each followed by a comma ('4,5,6,')
);

-- The variants of each variant set.
CREATE TABLE variant_set_member (
  variant_set_id INTEGER NOT NULL REFERENCES variant_set(id),  -- the set
  variant_id     INTEGER NOT NULL REFERENCES variant(id),      -- one of its variants
  PRIMARY KEY (variant_set_id, variant_id)
) WITHOUT ROWID;
CREATE INDEX variant_set_member_by_variant ON variant_set_member(variant_id);

-- One binary, identified by its DAG hash. Its attributes do not depend on the
-- release: when pages describe one hash differently, the page whose (release,
-- package) sorts last in byte order describes it (spec_claim keeps the others).
-- all_stack_set_id, the union of its stacks over every release that lists it,
-- is kept by the ingester so that reports over all releases count a spec once
-- without first collapsing its releases.
CREATE TABLE spec (
  id          INTEGER PRIMARY KEY,
  hash        TEXT NOT NULL UNIQUE,    -- the DAG hash, 32 characters
  package_id  INTEGER NOT NULL REFERENCES package(id),    -- its package
  version     TEXT NOT NULL,           -- the page's versions, comma-separated (usually one)
  compiler_id INTEGER NOT NULL REFERENCES compiler(id),  -- what built it ('none' since Spack 1.0)
  os_id       INTEGER NOT NULL REFERENCES os(id),        -- its operating system
  platform_id INTEGER NOT NULL REFERENCES platform(id),  -- its platform
  target_id   INTEGER NOT NULL REFERENCES target(id),    -- its target microarchitecture
  variant_set_id INTEGER NOT NULL REFERENCES variant_set(id),  -- its variants
  all_stack_set_id INTEGER NOT NULL REFERENCES stack_set(id),  -- its stacks in all releases together
  contested   INTEGER NOT NULL DEFAULT 0 CHECK (contested IN (0, 1)),  -- 1 when pages disagree about it: see spec_claim
  compiler_by_dependency INTEGER NOT NULL DEFAULT 0 CHECK (compiler_by_dependency IN (0, 1))  -- 1 when the compiler is the build dependency providing c, cxx or fortran (indexes of Spack 1.0 on)
);
-- By package, then stack set, covering the dimensions: packages-by-stack
-- counts each package's specs per stack set by streaming it, without a sort.
CREATE INDEX spec_by_package ON spec(package_id, all_stack_set_id, target_id, os_id, compiler_id, platform_id);
-- Covering the dimensions: a report over every release counts specs from this
-- (a few MB) instead of the fact table, and grouping by (stack set, target...)
-- streams without a sort.
CREATE INDEX spec_by_dims ON spec(all_stack_set_id, target_id, os_id, compiler_id, platform_id, package_id);

-- A spec's versions, one row each (almost always one per spec).
CREATE TABLE spec_version (
  spec_id INTEGER NOT NULL REFERENCES spec(id) ON DELETE CASCADE,  -- the spec
  version TEXT NOT NULL,               -- one of its versions, e.g. '1.3.1'
  PRIMARY KEY (spec_id, version)
) WITHOUT ROWID;
-- For --filter version=...
CREATE INDEX spec_version_by_version ON spec_version(version);

-- One ingested source document, keyed by (kind, release, key): a page (what
-- cache.spack.io says about one package in one release) is kind 'page' with
-- its package as key; an index of Spack's build cache (what one stack holds in
-- one release) is kind 'index' with its stack as key.
-- A file whose path, size and modification time match is taken as unchanged
-- without being read (as make and rsync do); one whose bytes match
-- content_hash is taken as unchanged without being parsed.
CREATE TABLE source (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('page', 'index')),  -- what sort of document: 'page' or 'index'
  release_id   INTEGER NOT NULL REFERENCES release(id),  -- the release ('categories' of a page)
  key_id       INTEGER NOT NULL,       -- what it is about in its release: a page's package(id) ('title'), an index's stack(id)
  path         TEXT NOT NULL,          -- where it was last read from
  content_hash TEXT NOT NULL,          -- of the file's bytes; unchanged documents are skipped
  file_size    INTEGER,                -- the file's size in bytes when last read
  file_mtime_ns INTEGER,               -- its modification time then, in ns since the epoch
  ingested_at  TEXT NOT NULL,          -- UTC, ISO 8601
  UNIQUE (kind, release_id, key_id)
);
CREATE INDEX source_by_content ON source(content_hash);
-- Whether a file is unchanged since it was stored is answered by this index alone.
CREATE INDEX source_by_path ON source(path, file_size, file_mtime_ns, kind, release_id, key_id);

-- A spec in a release, as listed by one page, with the stacks it is in there.
-- This is the fact table the reports scan: the spec's dimensions are copied here
-- (and kept equal to spec's) so a matrix is one pass over one table.
CREATE TABLE release_spec (
  release_id   INTEGER NOT NULL REFERENCES release(id),                  -- the release
  spec_id      INTEGER NOT NULL REFERENCES spec(id),                     -- the spec
  source_id    INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,  -- the page that lists it
  stack_set_id INTEGER NOT NULL REFERENCES stack_set(id),                -- its stacks in this release
  package_id   INTEGER NOT NULL REFERENCES package(id),   -- = spec.package_id
  compiler_id  INTEGER NOT NULL REFERENCES compiler(id),  -- = spec.compiler_id
  os_id        INTEGER NOT NULL REFERENCES os(id),        -- = spec.os_id
  platform_id  INTEGER NOT NULL REFERENCES platform(id),  -- = spec.platform_id
  target_id    INTEGER NOT NULL REFERENCES target(id),    -- = spec.target_id
  size         INTEGER,                -- the binary's size in bytes, as this release's page gives it; NULL for '-'
  tarball      TEXT,                   -- its URL in this release, when the page gives one

  -- Keyed by source: a page's rows are written together and replaced together,
  -- so inserts append and a page's rows are one range. A spec is in a release
  -- at most once: when two packages' pages of a release list it, the page of
  -- the package that sorts last holds it (spec_claim keeps the other).
  PRIMARY KEY (source_id, spec_id)
) WITHOUT ROWID;
-- Release-ordered and covering: a report on one release reads only its range,
-- and grouping by (release, stack set, target...) streams without a sort.
CREATE INDEX release_spec_by_release ON release_spec(release_id, stack_set_id, target_id, os_id, compiler_id,
                                                     platform_id, package_id);
-- Made after release_spec_by_release (migration 0006, and a bulk load keeps
-- the order): of two indexes equally good for a query, SQLite takes the one
-- made last.
-- Spec-ordered and covering every column: a report collapses a spec's
-- releases by streaming this index (GROUP BY spec_id) instead of sorting the
-- table, and ingest still finds a spec's rows by its prefix.
CREATE INDEX release_spec_by_spec ON release_spec(spec_id, stack_set_id, target_id, os_id, compiler_id,
                                                  platform_id, package_id, release_id);
-- What a page says of a hash that pages disagree about (spec.contested = 1):
-- one row per page listing it, the page's whole word, whether or not it is the
-- one spec and release_spec show. When the page that won changes or goes, the
-- next one's word is here. Empty while the pages agree, which is nearly always.
CREATE TABLE spec_claim (
  spec_id      INTEGER NOT NULL REFERENCES spec(id),            -- the hash
  source_id    INTEGER NOT NULL REFERENCES source(id),          -- the page that lists it
  package_id   INTEGER NOT NULL REFERENCES package(id),         -- the page's package
  version      TEXT NOT NULL,                                   -- the page's versions, comma-separated
  compiler_id  INTEGER NOT NULL REFERENCES compiler(id),        -- the page's compiler
  os_id        INTEGER NOT NULL REFERENCES os(id),              -- the page's OS
  platform_id  INTEGER NOT NULL REFERENCES platform(id),        -- the page's platform
  target_id    INTEGER NOT NULL REFERENCES target(id),          -- the page's target
  variant_set_id INTEGER NOT NULL REFERENCES variant_set(id),   -- the page's variants
  stack_set_id INTEGER NOT NULL REFERENCES stack_set(id),       -- the stacks the page lists it in
  size         INTEGER,                                         -- the page's size; NULL for '-'
  tarball      TEXT,                                            -- the page's URL, when given
  PRIMARY KEY (spec_id, source_id)
) WITHOUT ROWID;
-- A page's claims, for when the page is replaced or pruned.
CREATE INDEX spec_claim_by_source ON spec_claim(source_id);

-- What one build-cache index (a source of kind 'index') says of one spec: that
-- it lists it, in the build cache or as a dependency only (an external, a
-- package built elsewhere). The release_spec rows of a release read from
-- indexes are derived from these: a spec is a binary of the release when some
-- index of the release lists it in the build cache, and its stacks there are
-- those indexes' labels ('root' included).
CREATE TABLE index_listing (
  source_id     INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,  -- the index
  spec_id       INTEGER NOT NULL REFERENCES spec(id),                      -- a spec it lists
  in_buildcache INTEGER NOT NULL CHECK (in_buildcache IN (0, 1)),  -- 1 when the index has its binary; 0 for a dependency only
  PRIMARY KEY (source_id, spec_id)
) WITHOUT ROWID;
-- The indexes listing a spec, in the build cache first, for deriving its release rows.
CREATE INDEX index_listing_by_spec ON index_listing(spec_id, in_buildcache, source_id);

-- One dependency edge of a spec, as Spack's indexes give it. A spec's
-- dependencies are fixed by its hash, so they are stored once per spec however
-- many indexes and releases list it. The dependency is named by its hash: an
-- index may name one it does not list (the dependencies view finds it in spec
-- when it is there).
CREATE TABLE dependency (
  spec_id         INTEGER NOT NULL REFERENCES spec(id),      -- the dependent spec
  dependency_hash TEXT NOT NULL,                             -- the dependency's DAG hash
  package_id      INTEGER NOT NULL REFERENCES package(id),   -- the dependency's package, as the edge names it
  deptypes        TEXT NOT NULL,            -- 'build,link,run,test', comma-separated, in the index's order
  virtuals        TEXT NOT NULL DEFAULT '', -- the virtuals it provides to the spec, 'c,cxx'; '' for none
  PRIMARY KEY (spec_id, dependency_hash)
) WITHOUT ROWID;
-- What depends on a hash.
CREATE INDEX dependency_by_hash ON dependency(dependency_hash);

-- The specs whose compiler is a dependency (spec.compiler_by_dependency) that
-- no stored index has the node of: their compiler is the edge's package name
-- alone ('gcc') until a node arrives, when it becomes the node's name and
-- version ('gcc@10.2.1'). Kept by ingest; a spec returns here when its
-- compiler's node is deleted, and until the ingest ends when the node is
-- described anew.
CREATE TABLE compiler_pending (
  spec_id INTEGER PRIMARY KEY REFERENCES spec(id) ON DELETE CASCADE  -- the spec waiting for its compiler's node
);
-- A spec deleted: it waits for nothing, and the specs it was the compiler of wait for a node again.
CREATE TRIGGER spec_deleted_compiler_node AFTER DELETE ON spec
BEGIN
  DELETE FROM compiler_pending WHERE spec_id = OLD.id;
  INSERT OR IGNORE INTO compiler_pending(spec_id)
  SELECT e.spec_id FROM dependency e JOIN spec s ON s.id = e.spec_id
  WHERE e.dependency_hash = OLD.hash AND e.virtuals <> '' AND s.compiler_by_dependency = 1;
END;
-- A node described anew (its package or versions): the specs it is the
-- compiler of take its new name and version when the ingest ends.
CREATE TRIGGER spec_redescribed_compiler_node AFTER UPDATE OF package_id, version ON spec
WHEN OLD.package_id <> NEW.package_id OR OLD.version <> NEW.version
BEGIN
  INSERT OR IGNORE INTO compiler_pending(spec_id)
  SELECT e.spec_id FROM dependency e JOIN spec s ON s.id = e.spec_id
  WHERE e.dependency_hash = NEW.hash AND e.virtuals <> '' AND s.compiler_by_dependency = 1;
END;

-- Hashes that pages and indexes both list in a database written before schema
-- version 10, when the source read first described a hash: each is described
-- again by the next index read that lists it (an index describes every hash
-- it lists; a page's differing word is kept in spec_claim), or leaves when no
-- index lists it any more (the pages describe it then). Filled once, by
-- migration 0010, which also has every source listing them read again; empty
-- in a database made since.
CREATE TABLE index_redescribe (
  spec_id INTEGER PRIMARY KEY REFERENCES spec(id) ON DELETE CASCADE  -- the spec to describe again
);
-- A spec deleted waits for nothing.
CREATE TRIGGER spec_deleted_redescribe AFTER DELETE ON spec
BEGIN
  DELETE FROM index_redescribe WHERE spec_id = OLD.id;
END;

-- The analysts' interface. These names and columns stay stable; new columns may be added.

-- The pages among the sources, with the columns the page table had before
-- sources of other kinds were stored (schema version 6), for queries written then.
CREATE VIEW page AS
SELECT id AS id,                       -- the source's id, as release_spec.source_id refers to it
       release_id AS release_id,       -- the release
       key_id AS package_id,           -- the package
       path AS path,                   -- where it was last read from
       content_hash AS content_hash,   -- of the file's bytes
       file_size AS file_size,         -- its size in bytes when last read
       file_mtime_ns AS file_mtime_ns, -- its modification time then, in ns since the epoch
       ingested_at AS ingested_at      -- UTC, ISO 8601
FROM source WHERE kind = 'page';

-- One row per spec per release it appears in.
CREATE VIEW specs AS
SELECT r.name   AS release,           -- the release, e.g. 'develop', 'v0.23.0'
       p.name   AS package,           -- the package, e.g. 'zlib'
       s.hash   AS hash,              -- the spec's DAG hash: one binary
       s.version AS version,          -- the page's versions, comma-separated (almost always one)
       c.label  AS compiler,          -- 'gcc@11.4.0' (whether the page wrote gcc@= or gcc@), or 'none'
       o.name   AS os,                -- 'ubuntu22.04', 'rhel8', 'sequoia'...
       pl.name  AS platform,          -- 'linux', 'darwin'
       t.name   AS target,            -- the microarchitecture: 'x86_64_v3', 'neoverse_v2'...
       c.name   AS compiler_name,     -- 'gcc', or 'none'
       c.version AS compiler_version, -- '11.4.0'; '' when there is no compiler
       rs.size  AS size,              -- the binary's size in bytes, as this release's page gives it; NULL for '-'
       rs.tarball AS tarball          -- the binary's URL in this release, when the page gives one
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
SELECT r.name  AS release,   -- the release
       p.name  AS package,   -- the package
       s.hash  AS hash,      -- the spec's DAG hash
       st.name AS stack      -- a stack the release lists it in; 'root' is the release's whole cache (for indexes, when its root index was read)
FROM release_spec rs
JOIN release r            ON r.id = rs.release_id
JOIN spec s               ON s.id = rs.spec_id
JOIN package p            ON p.id = s.package_id
JOIN stack_set_member ssm ON ssm.stack_set_id = rs.stack_set_id
JOIN stack st             ON st.id = ssm.stack_id;

-- One row per spec per variant value ('libs=shared,static' gives two rows).
CREATE VIEW spec_variants AS
SELECT p.name      AS package,    -- the package
       s.hash      AS hash,       -- the spec's DAG hash
       v.text      AS variant,    -- the variant as the page wrote it: '+mpi', 'libs=shared,static'
       v.name      AS name,       -- its name: 'mpi', 'libs'
       vv.value    AS value,      -- one value: 'true'/'false' for +x/~x, else each listed value, unquoted
       v.propagate AS propagate,  -- 1 for '++x', '~~x', 'k==v'
       v.exact     AS exact       -- 1 for 'k:=v'
FROM spec s
JOIN package p       ON p.id = s.package_id
JOIN variant_set_member vsm ON vsm.variant_set_id = s.variant_set_id
JOIN variant v       ON v.id = vsm.variant_id
JOIN variant_value vv ON vv.variant_id = v.id;

-- One row per dependency edge of a spec (from build-cache indexes: pages give none).
CREATE VIEW dependencies AS
SELECT p.name  AS package,             -- the dependent spec's package
       s.hash  AS hash,                -- the dependent spec's DAG hash
       dp.name AS dependency,          -- the dependency's package
       e.dependency_hash AS dependency_hash,  -- the dependency's DAG hash
       d.version AS dep_version,       -- its version; NULL when no index lists the dependency
       e.deptypes AS deptypes,         -- 'build,link', comma-separated
       e.virtuals AS virtuals          -- the virtuals it provides, 'c,cxx'; '' for none
FROM dependency e
JOIN spec s      ON s.id = e.spec_id
JOIN package p   ON p.id = s.package_id
JOIN package dp  ON dp.id = e.package_id
LEFT JOIN spec d ON d.hash = e.dependency_hash;

-- The ingest log (migration 0002): every ingest run, what it rejected and what it
-- noticed. These tables are written outside the data transaction too (a run is recorded as
-- 'running' before it starts and as 'failed' after a rollback), so an operator can
-- always see what the nightly job did, even when it changed nothing.

-- One row per `cachedb ingest` run.
CREATE TABLE ingest_runs (
  id              INTEGER PRIMARY KEY,    -- the run's number, increasing
  started_at      TEXT NOT NULL,          -- UTC, ISO 8601
  finished_at     TEXT,                   -- NULL while running, or when the run was interrupted
  status          TEXT NOT NULL DEFAULT 'running'  -- running, ok, rejected, failed or interrupted
                  CHECK (status IN ('running', 'ok', 'rejected', 'failed', 'interrupted')),
  inputs          TEXT NOT NULL DEFAULT '',  -- the paths given, one per line
  prune           INTEGER NOT NULL DEFAULT 0 CHECK (prune IN (0, 1)),  -- 1 when run with --prune
  force           INTEGER NOT NULL DEFAULT 0 CHECK (force IN (0, 1)),  -- 1 when run with --force
  pages_added     INTEGER NOT NULL DEFAULT 0,  -- pages new to the database
  pages_updated   INTEGER NOT NULL DEFAULT 0,  -- known pages whose content changed
  pages_unchanged INTEGER NOT NULL DEFAULT 0,  -- pages skipped as byte-identical
  pages_removed   INTEGER NOT NULL DEFAULT 0,  -- pages --prune removed
  pages_rejected  INTEGER NOT NULL DEFAULT 0,  -- pages that could not be read (see ingest_errors)
  pages_skipped   INTEGER NOT NULL DEFAULT 0,  -- *.md files that are not cache pages, and paths passed over
  pages_legacy    INTEGER NOT NULL DEFAULT 0,  -- pages of the 2021 site (spec_files)
  specs_added     INTEGER NOT NULL DEFAULT 0,  -- (release, spec) pairs added
  specs_removed   INTEGER NOT NULL DEFAULT 0,  -- (release, spec) pairs removed
  findings        INTEGER NOT NULL DEFAULT 0,  -- rows in ingest_findings for this run
  prune_refused   INTEGER NOT NULL DEFAULT 0 CHECK (prune_refused IN (0, 1)),  -- 1 when rejections stopped --prune
  message         TEXT                    -- why a run failed or was interrupted
);
CREATE INDEX ingest_runs_by_status ON ingest_runs(status);

-- A page a run rejected: it was not stored, and what an earlier version of it
-- stored was kept.
CREATE TABLE ingest_errors (
  run_id  INTEGER NOT NULL REFERENCES ingest_runs(id) ON DELETE CASCADE,  -- the run
  path    TEXT NOT NULL,                  -- the page's file, absolute
  line    INTEGER,                        -- 1-based; NULL when unknown
  message TEXT NOT NULL                   -- why it was rejected
);
CREATE INDEX ingest_errors_by_run ON ingest_errors(run_id);

-- Something odd about a page that was stored all the same.
CREATE TABLE ingest_findings (
  run_id  INTEGER NOT NULL REFERENCES ingest_runs(id) ON DELETE CASCADE,  -- the run
  path    TEXT NOT NULL,                  -- the page's file, absolute
  release TEXT NOT NULL,                  -- the page's release
  package TEXT NOT NULL,                  -- the page's package
  kind    TEXT NOT NULL,                  -- 'num_specs', 'num_specs_by_stack', 'stacks', 'hash_conflict', 'duplicate_page'
  hash    TEXT,                           -- the spec concerned, for 'hash_conflict'
  message TEXT NOT NULL                   -- what disagrees, in words
);
CREATE INDEX ingest_findings_by_run ON ingest_findings(run_id);
