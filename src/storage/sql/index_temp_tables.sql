-- Scratch tables of an index ingest, on the writer's connection only: the
-- specs whose holdings may have changed (their stacks over all releases are
-- derived again, or they are deleted, when the run ends), and the specs whose
-- compiler node came later in the index.
CREATE TEMP TABLE IF NOT EXISTS index_touched (spec_id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS index_late_compiler (spec_id INTEGER NOT NULL, compiler_hash TEXT NOT NULL);
