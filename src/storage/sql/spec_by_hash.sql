-- A stored spec, as the page writer compares it with a page's word.
SELECT id, package_id, compiler_id, os_id, platform_id, target_id, version, variant_set_id, all_stack_set_id,
       contested
FROM spec WHERE hash = ?
