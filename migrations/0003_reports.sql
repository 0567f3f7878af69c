-- cachedb schema, version 3: reports by package read spec in package order.
--
-- spec_by_package held only package_id; it now covers every dimension of a
-- spec, ordered by (package, stack set) first. A report of packages by stack
-- over every release counts each package's specs per stack set by streaming
-- this index instead of sorting all the specs, and lookups by package use
-- its prefix as before. It is an index: SQLite keeps it as spec rows are
-- written, the ingest does nothing for it.
DROP INDEX spec_by_package;
CREATE INDEX spec_by_package ON spec(package_id, all_stack_set_id, target_id, os_id, compiler_id, platform_id);
-- spec_by_dims again, unchanged, after it: when a report has no use for either
-- order (os-by-target sorts whatever it reads), SQLite takes the most recently
-- created of two equally good covering indexes, and a sort of spec_by_dims'
-- (stack set, target, os, ...) order costs a fifth less than one of package
-- order. tests/matrix_test.cc checks which index each canned report reads.
DROP INDEX spec_by_dims;
CREATE INDEX spec_by_dims ON spec(all_stack_set_id, target_id, os_id, compiler_id, platform_id, package_id);
