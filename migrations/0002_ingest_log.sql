-- cachedb schema, version 2: every ingest run, what it rejected and what it noticed.
--
-- These tables are written outside the data transaction too (a run is recorded as
-- 'running' before it starts and as 'failed' after a rollback), so an operator can
-- always see what the nightly job did, even when it changed nothing.

-- One row per `cachedb ingest` run.
CREATE TABLE ingest_runs (
  id              INTEGER PRIMARY KEY,
  started_at      TEXT NOT NULL,          -- UTC, ISO 8601
  finished_at     TEXT,                   -- NULL while running, or when the run was interrupted
  status          TEXT NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'ok', 'rejected', 'failed', 'interrupted')),
  inputs          TEXT NOT NULL DEFAULT '',  -- the paths given, one per line
  prune           INTEGER NOT NULL DEFAULT 0 CHECK (prune IN (0, 1)),
  force           INTEGER NOT NULL DEFAULT 0 CHECK (force IN (0, 1)),
  pages_added     INTEGER NOT NULL DEFAULT 0,
  pages_updated   INTEGER NOT NULL DEFAULT 0,
  pages_unchanged INTEGER NOT NULL DEFAULT 0,
  pages_removed   INTEGER NOT NULL DEFAULT 0,
  pages_rejected  INTEGER NOT NULL DEFAULT 0,
  pages_skipped   INTEGER NOT NULL DEFAULT 0,
  pages_legacy    INTEGER NOT NULL DEFAULT 0,
  specs_added     INTEGER NOT NULL DEFAULT 0,
  specs_removed   INTEGER NOT NULL DEFAULT 0,
  findings        INTEGER NOT NULL DEFAULT 0,  -- rows in ingest_findings for this run
  prune_refused   INTEGER NOT NULL DEFAULT 0 CHECK (prune_refused IN (0, 1)),
  message         TEXT                    -- why a run failed or was interrupted
);
CREATE INDEX ingest_runs_by_status ON ingest_runs(status);

-- A page a run rejected: it was not stored, and what an earlier version of it
-- stored was kept.
CREATE TABLE ingest_errors (
  run_id  INTEGER NOT NULL REFERENCES ingest_runs(id) ON DELETE CASCADE,
  path    TEXT NOT NULL,
  line    INTEGER,                        -- 1-based; NULL when unknown
  message TEXT NOT NULL
);
CREATE INDEX ingest_errors_by_run ON ingest_errors(run_id);

-- Something odd about a page that was stored all the same.
CREATE TABLE ingest_findings (
  run_id  INTEGER NOT NULL REFERENCES ingest_runs(id) ON DELETE CASCADE,
  path    TEXT NOT NULL,
  release TEXT NOT NULL,
  package TEXT NOT NULL,
  kind    TEXT NOT NULL,                  -- 'num_specs', 'num_specs_by_stack', 'stacks', 'hash_conflict'
  hash    TEXT,                           -- the spec concerned, for 'hash_conflict'
  message TEXT NOT NULL
);
CREATE INDEX ingest_findings_by_run ON ingest_findings(run_id);
