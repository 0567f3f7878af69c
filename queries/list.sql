-- `cachedb list`: each spec once, with the releases it is in, as Spack's spec
-- syntax filters it (src/report/spec_filter.h). A NULL parameter filters
-- nothing. Versions match as Spack's do (@1.3 is 1.3 or 1.3.anything, @=1.3,
-- ranges @1.2:1.4): list_version_ok() and list_compiler_version_ok() are
-- cachedb's own, defined on the connection by src/report/spec_list.cc. A
-- target range (target=zen2:) comes as :targets, the names it stands for.
-- :compiler_alias is the compiler's other name across Spack 1.0 (clang and
-- llvm, oneapi and intel-oneapi-compilers...), or :compiler itself.
-- By package, so that the caller can order each package's specs by version
-- without holding more than one package.
WITH listed AS (
  SELECT hash, package, version, compiler, platform, os, target,
         group_concat(release, char(31)) AS releases
  FROM specs
  WHERE (:releases IS NULL OR release IN (SELECT value FROM json_each(:releases)))
    AND (:package IS NULL OR package = :package)
    AND (:compiler IS NULL OR compiler_name IN (:compiler, :compiler_alias))
    AND (:compiler_version IS NULL OR list_compiler_version_ok(compiler_version))
    AND (:platform IS NULL OR platform = :platform)
    AND (:os IS NULL OR os = :os)
    AND (:targets IS NULL OR target IN (SELECT value FROM json_each(:targets)))
    AND (:hash IS NULL OR substr(hash, 1, length(:hash)) = :hash)
  GROUP BY hash  -- the other columns are the spec's: the same in every release
)
SELECT l.hash, l.package, l.version, l.compiler, l.platform, l.os, l.target,
       (SELECT group_concat(v.text, char(31))
          FROM variant_set_member vsm JOIN variant v ON v.id = vsm.variant_id
         WHERE vsm.variant_set_id = s.variant_set_id) AS variants,
       l.releases
FROM listed l
JOIN spec s ON s.hash = l.hash
WHERE (:version IS NULL OR EXISTS (
        SELECT 1 FROM spec_version sv
         WHERE sv.spec_id = s.id
           AND list_version_ok(sv.version)))
  AND NOT EXISTS (
        SELECT 1 FROM json_each(:variants) want
         WHERE NOT EXISTS (
               SELECT 1
                 FROM variant_set_member vsm
                 JOIN variant v        ON v.id = vsm.variant_id
                 JOIN variant_value vv ON vv.variant_id = v.id
                WHERE vsm.variant_set_id = s.variant_set_id
                  AND v.name = json_extract(want.value, '$[0]')
                  AND (vv.value = json_extract(want.value, '$[1]')
                       -- Spack finds a patch by any start of its sha256
                       -- (variant.py); a spec keeps the 7 characters Spack
                       -- prints of it, so a longer start is cut to those.
                       OR (v.name = 'patches'
                           AND (substr(json_extract(want.value, '$[1]'), 1, length(vv.value)) = vv.value
                                OR substr(vv.value, 1, length(json_extract(want.value, '$[1]')))
                                   = json_extract(want.value, '$[1]'))))))
  -- k:=a,b: no value of k but those.
  AND NOT EXISTS (
        SELECT 1
          FROM json_each(:exact_variants) want
          JOIN variant_set_member vsm ON vsm.variant_set_id = s.variant_set_id
          JOIN variant v              ON v.id = vsm.variant_id AND v.name = json_extract(want.value, '$[0]')
          JOIN variant_value vv       ON vv.variant_id = v.id
         WHERE vv.value NOT IN (SELECT value FROM json_each(json_extract(want.value, '$[1]'))))
ORDER BY l.package, l.hash;
