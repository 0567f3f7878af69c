-- os-by-target: binaries built for each operating system, per target
--
-- Result rows are (row_value, col_value, count): a cell when both are set, a row
-- total when col_value is NULL, a column total when row_value is NULL, and the
-- grand total when both are. Counts are of distinct specs, and totals are never
-- sums of cells a spec could be in twice.
-- Parameters: :scope (see queries/scope.sql).
-- cachedb runs this file to count specs; --count packages goes through the
-- generic query (src/report/matrix_query.cc), which tests check agrees with it.
WITH
-- scope:begin
scoped AS NOT MATERIALIZED (
  SELECT rs.release_id, rs.spec_id, rs.stack_set_id, rs.package_id, rs.compiler_id,
         rs.os_id, rs.platform_id, rs.target_id
  FROM release_spec rs
  WHERE (json_array_length(:scope, '$.release') IS NULL OR rs.release_id IN
          (SELECT x.id FROM release x JOIN json_each(:scope, '$.release') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.package') IS NULL OR rs.package_id IN
          (SELECT x.id FROM package x JOIN json_each(:scope, '$.package') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.compiler') IS NULL OR rs.compiler_id IN
          (SELECT x.id FROM compiler x JOIN json_each(:scope, '$.compiler') j ON x.label = j.value))
    AND (json_array_length(:scope, '$.os') IS NULL OR rs.os_id IN
          (SELECT x.id FROM os x JOIN json_each(:scope, '$.os') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.platform') IS NULL OR rs.platform_id IN
          (SELECT x.id FROM platform x JOIN json_each(:scope, '$.platform') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.target') IS NULL OR rs.target_id IN
          (SELECT x.id FROM target x JOIN json_each(:scope, '$.target') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.stack') IS NULL OR rs.stack_set_id IN
          (SELECT m.stack_set_id FROM stack_set_member m JOIN stack x ON x.id = m.stack_id
           JOIN json_each(:scope, '$.stack') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.version') IS NULL OR rs.spec_id IN
          (SELECT v.spec_id FROM spec_version v JOIN json_each(:scope, '$.version') j ON v.version = j.value))
),
scoped_specs AS NOT MATERIALIZED (
  SELECT s.id AS spec_id, s.all_stack_set_id AS stack_set_id, s.package_id, s.compiler_id,
         s.os_id, s.platform_id, s.target_id
  FROM spec s
  WHERE json_type(:scope, '$.release') IS NULL AND json_type(:scope, '$.stack') IS NULL
    AND (json_array_length(:scope, '$.package') IS NULL OR s.package_id IN
          (SELECT x.id FROM package x JOIN json_each(:scope, '$.package') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.compiler') IS NULL OR s.compiler_id IN
          (SELECT x.id FROM compiler x JOIN json_each(:scope, '$.compiler') j ON x.label = j.value))
    AND (json_array_length(:scope, '$.os') IS NULL OR s.os_id IN
          (SELECT x.id FROM os x JOIN json_each(:scope, '$.os') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.platform') IS NULL OR s.platform_id IN
          (SELECT x.id FROM platform x JOIN json_each(:scope, '$.platform') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.target') IS NULL OR s.target_id IN
          (SELECT x.id FROM target x JOIN json_each(:scope, '$.target') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.version') IS NULL OR s.id IN
          (SELECT v.spec_id FROM spec_version v JOIN json_each(:scope, '$.version') j ON v.version = j.value))
),
scoped_release AS NOT MATERIALIZED (
  SELECT * FROM scoped
  WHERE json_array_length(:scope, '$.release') IS 1
    AND release_id = (SELECT x.id FROM release x WHERE x.name = json_extract(:scope, '$.release[0]'))
),
scoped_releases AS NOT MATERIALIZED (
  SELECT * FROM scoped
  WHERE json_array_length(:scope, '$.release') IS NOT 1
    AND (json_type(:scope, '$.release') IS NOT NULL OR json_type(:scope, '$.stack') IS NOT NULL)
)
-- scope:end
,
-- Several releases (scoped_releases): one row per spec first, the releases of a
-- spec collapsing here. GROUP BY spec_id streams the spec-ordered covering index
-- release_spec_by_spec rather than sorting a million rows; os and target are the
-- same in every release.
per_spec AS MATERIALIZED (
  SELECT spec_id, os_id AS rk, target_id AS ck FROM scoped_releases GROUP BY spec_id
),
-- Over every release (scoped_specs) and within one (scoped_release) the rows are
-- one per spec already.
cells AS MATERIALIZED (
  SELECT os_id AS rk, target_id AS ck, count(*) AS n FROM scoped_specs GROUP BY os_id, target_id
  UNION ALL
  SELECT os_id, target_id, count(*) FROM scoped_release GROUP BY os_id, target_id
  UNION ALL
  SELECT rk, ck, count(*) FROM per_spec GROUP BY rk, ck
)
-- A spec has one os and one target: the cells of a row (or a column) hold disjoint
-- specs, so their sum is the distinct count.
SELECT r.name, c.name, n FROM cells JOIN os r ON r.id = rk JOIN target c ON c.id = ck
UNION ALL
SELECT r.name, NULL, sum(n) FROM cells JOIN os r ON r.id = rk GROUP BY rk
UNION ALL
SELECT NULL, c.name, sum(n) FROM cells JOIN target c ON c.id = ck GROUP BY ck
UNION ALL
SELECT NULL, NULL, sum(n) FROM cells;
