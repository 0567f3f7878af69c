-- A spec new to the database, described by an index: as spec_insert.sql, and
-- whether its compiler is its build dependency providing c, cxx or fortran.
INSERT INTO spec(hash, package_id, version, compiler_id, os_id, platform_id, target_id, variant_set_id,
                 all_stack_set_id, compiler_by_dependency)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (hash) DO NOTHING
