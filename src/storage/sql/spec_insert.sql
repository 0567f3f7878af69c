-- A spec new to the database; nothing when the hash is stored already:
-- sqlite3_changes() tells which.
INSERT INTO spec(hash, package_id, version, compiler_id, os_id, platform_id, target_id, variant_set_id,
                 all_stack_set_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (hash) DO NOTHING
