-- A contested spec's description, as the rule settles it.
UPDATE spec SET package_id = ?, version = ?, compiler_id = ?, os_id = ?, platform_id = ?, target_id = ?,
                variant_set_id = ?, contested = ?
WHERE id = ?
