-- A contested spec's description, as the rule settles it: a page's word, so
-- its compiler is the page's, not a dependency's.
UPDATE spec SET package_id = ?, version = ?, compiler_id = ?, os_id = ?, platform_id = ?, target_id = ?,
                variant_set_id = ?, contested = ?, compiler_by_dependency = 0
WHERE id = ?
