-- The specs of a package (a range of spec_by_package), up to a limit: the
-- columns of spec_by_hash.sql, then the hash.
SELECT id, package_id, compiler_id, os_id, platform_id, target_id, version, variant_set_id, all_stack_set_id,
       contested, hash
FROM spec WHERE package_id = ? LIMIT ?
