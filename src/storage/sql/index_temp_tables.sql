-- Scratch tables of an index ingest, on the writer's connection only: the
-- specs a document touched (their release rows are derived again when it
-- ends), and the specs whose compiler node came later in the index.
CREATE TEMP TABLE IF NOT EXISTS index_affected (spec_id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS index_late_compiler (spec_id INTEGER NOT NULL, compiler_hash TEXT NOT NULL);
