-- The claims on a spec in byte order (SQLite's BINARY collation) of their
-- page's (release, package): the last row is the one whose word counts.
SELECT c.source_id, src.release_id, r.name, pk.name, c.package_id, c.version, c.compiler_id, c.os_id,
       c.platform_id, c.target_id, c.variant_set_id, c.stack_set_id, c.size, c.tarball
FROM spec_claim c
JOIN source src ON src.id = c.source_id
JOIN release r  ON r.id = src.release_id
JOIN package pk ON pk.id = src.key_id
WHERE c.spec_id = ?
ORDER BY r.name, pk.name
