-- `cachedb list`: each spec once, with the releases it is in, as Spack's spec
-- syntax filters it (src/report/spec_filter.h). A NULL parameter filters
-- nothing. Versions match as Spack's @1.3 does: 1.3 itself or 1.3.anything.
-- By package, so that the caller can order each package's specs by version
-- without holding more than one package.
WITH wanted AS (
  SELECT rs.spec_id, group_concat(r.name, char(31)) AS releases
  FROM release_spec rs
  JOIN release r ON r.id = rs.release_id
  WHERE :releases IS NULL OR r.name IN (SELECT value FROM json_each(:releases))
  GROUP BY rs.spec_id
)
SELECT s.hash,
       p.name AS package,
       s.version,
       c.label AS compiler,
       pl.name AS platform,
       o.name AS os,
       t.name AS target,
       (SELECT group_concat(v.text, char(31))
          FROM variant_set_member vsm JOIN variant v ON v.id = vsm.variant_id
         WHERE vsm.variant_set_id = s.variant_set_id) AS variants,
       w.releases
FROM wanted w
JOIN spec s      ON s.id = w.spec_id
JOIN package p   ON p.id = s.package_id
JOIN compiler c  ON c.id = s.compiler_id
JOIN os o        ON o.id = s.os_id
JOIN platform pl ON pl.id = s.platform_id
JOIN target t    ON t.id = s.target_id
WHERE (:package IS NULL OR p.name = :package)
  AND (:version IS NULL OR EXISTS (
        SELECT 1 FROM spec_version sv
         WHERE sv.spec_id = s.id
           AND (sv.version = :version OR substr(sv.version, 1, length(:version) + 1) = :version || '.')))
  AND (:compiler IS NULL OR c.name = :compiler)
  AND (:compiler_version IS NULL OR c.version = :compiler_version
       OR substr(c.version, 1, length(:compiler_version) + 1) = :compiler_version || '.')
  AND (:platform IS NULL OR pl.name = :platform)
  AND (:os IS NULL OR o.name = :os)
  AND (:target IS NULL OR t.name = :target)
  AND (:hash IS NULL OR substr(s.hash, 1, length(:hash)) = :hash)
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
ORDER BY p.name, s.hash;
