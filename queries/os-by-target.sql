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
-- scope:include
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
