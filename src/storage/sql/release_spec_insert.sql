-- One row of the fact table; the writer repeats the VALUES group to insert
-- several rows with one statement.
-- OR FAIL rather than the default (ABORT): a statement of several rows that
-- could fail half-way and must then undo its own rows first copies every page
-- it changes to a statement journal, a temporary file (a fresh ingest of 1 GB
-- of indexes: 96,769 writes to files before, 46,636 after). No writer goes on
-- after a failed row: the run, or the document's savepoint, is rolled back
-- whole.
INSERT OR FAIL INTO release_spec(release_id, spec_id, source_id, stack_set_id, package_id, compiler_id, os_id,
                                 platform_id, target_id, size, tarball)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
