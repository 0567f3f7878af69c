-- A spec becomes contested: the word of every page that lists it now (its
-- release_spec rows, with the spec's description) is copied into spec_claim.
-- (An index's rows are derived from its listing, and it makes no claim.)
INSERT INTO spec_claim(spec_id, source_id, package_id, version, compiler_id, os_id, platform_id, target_id,
                       variant_set_id, stack_set_id, size, tarball)
SELECT rs.spec_id, rs.source_id, s.package_id, s.version, s.compiler_id, s.os_id, s.platform_id, s.target_id,
       s.variant_set_id, rs.stack_set_id, rs.size, rs.tarball
FROM release_spec rs JOIN spec s ON s.id = rs.spec_id
JOIN source src ON src.id = rs.source_id AND src.kind = 'page'
WHERE rs.spec_id = ?
