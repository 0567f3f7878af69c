-- `cachedb list`: each spec once, with the releases it is in, as Spack's spec
-- syntax filters it (src/report/spec_filter.h). A NULL parameter filters
-- nothing. Versions match as Spack's @1.3 does: 1.3 itself or 1.3.anything.
-- By package, so that the caller can order each package's specs by version
-- without holding more than one package.
WITH listed AS (
  SELECT hash, package, version, compiler, platform, os, target,
         group_concat(release, char(31)) AS releases
  FROM specs
  WHERE (:releases IS NULL OR release IN (SELECT value FROM json_each(:releases)))
    AND (:package IS NULL OR package = :package)
    AND (:compiler IS NULL OR compiler_name = :compiler)
    AND (:compiler_version IS NULL OR compiler_version = :compiler_version
         OR substr(compiler_version, 1, length(:compiler_version) + 1) = :compiler_version || '.')
    AND (:platform IS NULL OR platform = :platform)
    AND (:os IS NULL OR os = :os)
    AND (:target IS NULL OR target = :target)
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
           AND (sv.version = :version OR substr(sv.version, 1, length(:version) + 1) = :version || '.')))
  AND NOT EXISTS (
        SELECT 1 FROM json_each(:variants) want
         WHERE NOT EXISTS (
               SELECT 1
                 FROM variant_set_member vsm
                 JOIN variant v        ON v.id = vsm.variant_id
                 JOIN variant_value vv ON vv.variant_id = v.id
                WHERE vsm.variant_set_id = s.variant_set_id
                  AND v.name = json_extract(want.value, '$[0]')
                  AND vv.value = json_extract(want.value, '$[1]')))
ORDER BY l.package, l.hash;
