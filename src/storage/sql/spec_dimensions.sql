-- A spec's dimensions, as a release row repeats them.
SELECT package_id, compiler_id, os_id, platform_id, target_id FROM spec WHERE id = ?
