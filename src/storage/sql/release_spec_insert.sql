-- One row of the fact table; the writer repeats the VALUES group to insert
-- several rows with one statement.
INSERT INTO release_spec(release_id, spec_id, source_id, stack_set_id, package_id, compiler_id, os_id, platform_id,
                         target_id, size, tarball)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
