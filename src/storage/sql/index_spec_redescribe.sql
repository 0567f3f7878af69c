-- A spec a page described, as an index describes it (an index describes
-- every hash it lists; the pages' words stay in spec_claim when they differ).
UPDATE spec SET package_id = ?, version = ?, compiler_id = ?, os_id = ?, platform_id = ?, target_id = ?,
                variant_set_id = ?, compiler_by_dependency = ?
WHERE id = ?
