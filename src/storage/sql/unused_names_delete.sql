-- Deletes the rows of the name and set tables that nothing refers to any
-- more: an OS no spec has now, the stack set a spec had before its stacks
-- changed, the package of a pruned release. The database must equal a fresh
-- ingest of the same input, and analysts read these tables: without this,
-- every name the cache ever had would stay in them.
--
-- Sets go first, then their members, then the names the members named. Each
-- test asks an index that leads with the id where there is one; the spec
-- table has none by variant set, so the unused variant sets are found in one
-- pass over it (17 ms for 65,000 specs) and their members by key.

DELETE FROM stack_set
WHERE NOT EXISTS (SELECT 1 FROM spec WHERE all_stack_set_id = stack_set.id)
  AND NOT EXISTS (SELECT 1 FROM release_spec
                  WHERE release_id IN (SELECT id FROM release) AND stack_set_id = stack_set.id)
  AND NOT EXISTS (SELECT 1 FROM spec_claim WHERE stack_set_id = stack_set.id);
DELETE FROM stack_set_member WHERE stack_set_id NOT IN (SELECT id FROM stack_set);
DELETE FROM stack
WHERE NOT EXISTS (SELECT 1 FROM stack_set_member WHERE stack_id = stack.id)
  AND NOT EXISTS (SELECT 1 FROM source
                  WHERE kind = 'index' AND release_id IN (SELECT id FROM release) AND key_id = stack.id);

-- The scratch table is emptied after use (a failure rolls its rows back with the run).
CREATE TEMP TABLE IF NOT EXISTS unused_variant_set (id INTEGER PRIMARY KEY);
INSERT INTO temp.unused_variant_set
SELECT id FROM variant_set
WHERE id NOT IN (SELECT variant_set_id FROM spec)
  AND NOT EXISTS (SELECT 1 FROM spec_claim WHERE variant_set_id = variant_set.id);
DELETE FROM variant_set_member WHERE variant_set_id IN (SELECT id FROM temp.unused_variant_set);
DELETE FROM variant_set WHERE id IN (SELECT id FROM temp.unused_variant_set);
DELETE FROM temp.unused_variant_set;
DELETE FROM variant WHERE NOT EXISTS (SELECT 1 FROM variant_set_member WHERE variant_id = variant.id);
DELETE FROM variant_value WHERE variant_id NOT IN (SELECT id FROM variant);

-- The dependency table has no index by package: its test comes last, for
-- the few packages that no spec, page or claim has (one pass each).
DELETE FROM package
WHERE NOT EXISTS (SELECT 1 FROM spec WHERE package_id = package.id)
  AND NOT EXISTS (SELECT 1 FROM source
                  WHERE kind = 'page' AND release_id IN (SELECT id FROM release) AND key_id = package.id)
  AND NOT EXISTS (SELECT 1 FROM spec_claim WHERE package_id = package.id)
  AND NOT EXISTS (SELECT 1 FROM dependency WHERE package_id = package.id);

-- release_spec and spec_claim repeat a spec's own names, or a claim's.
DELETE FROM compiler
WHERE NOT EXISTS (SELECT 1 FROM spec WHERE compiler_id = compiler.id)
  AND NOT EXISTS (SELECT 1 FROM spec_claim WHERE compiler_id = compiler.id);
DELETE FROM os
WHERE NOT EXISTS (SELECT 1 FROM spec WHERE os_id = os.id)
  AND NOT EXISTS (SELECT 1 FROM spec_claim WHERE os_id = os.id);
DELETE FROM platform
WHERE NOT EXISTS (SELECT 1 FROM spec WHERE platform_id = platform.id)
  AND NOT EXISTS (SELECT 1 FROM spec_claim WHERE platform_id = platform.id);
DELETE FROM target
WHERE NOT EXISTS (SELECT 1 FROM spec WHERE target_id = target.id)
  AND NOT EXISTS (SELECT 1 FROM spec_claim WHERE target_id = target.id);

-- A release's rows all come from its documents.
DELETE FROM release
WHERE NOT EXISTS (SELECT 1 FROM source WHERE kind IN ('page', 'index') AND release_id = release.id);
