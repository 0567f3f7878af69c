-- Scratch tables of an index ingest, on the writer's connection only: the
-- (release, spec) pairs the run's documents touched (their release rows are
-- derived again once, when the run ends), and the specs whose compiler node
-- came later in the index.
CREATE TEMP TABLE IF NOT EXISTS index_affected (
  release_id INTEGER NOT NULL,
  spec_id    INTEGER NOT NULL,
  PRIMARY KEY (release_id, spec_id)
) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS index_late_compiler (spec_id INTEGER NOT NULL, compiler_hash TEXT NOT NULL);
