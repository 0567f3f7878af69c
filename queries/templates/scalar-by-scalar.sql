{{> _header}}
-- Several releases (scoped_releases): one row per spec first, the releases of a
-- spec collapsing here. GROUP BY spec_id streams the spec-ordered covering index
-- release_spec_by_spec rather than sorting a million rows; {{row}} and {{col}}
-- are the same in every release.
per_spec AS MATERIALIZED (
  SELECT spec_id, {{row_key}} AS rk, {{col_key}} AS ck FROM scoped_releases GROUP BY spec_id
),
-- Over every release (scoped_specs) and within one (scoped_release) the rows are
-- one per spec already.
cells AS MATERIALIZED (
  SELECT {{row_key}} AS rk, {{col_key}} AS ck, count(*) AS n FROM scoped_specs GROUP BY {{row_key}}, {{col_key}}
  UNION ALL
  SELECT {{row_key}}, {{col_key}}, count(*) FROM scoped_release GROUP BY {{row_key}}, {{col_key}}
  UNION ALL
  SELECT rk, ck, count(*) FROM per_spec GROUP BY rk, ck
)
-- A spec has one {{row}} and one {{col}}: the cells of a row (or a column) hold
-- disjoint specs, so their sum is the distinct count.
SELECT r.{{row_value}} AS row_value, c.{{col_value}} AS col_value, n FROM cells JOIN {{row_table}} r ON r.id = rk JOIN {{col_table}} c ON c.id = ck
UNION ALL
SELECT r.{{row_value}}, NULL, sum(n) FROM cells JOIN {{row_table}} r ON r.id = rk GROUP BY rk
UNION ALL
SELECT NULL, c.{{col_value}}, sum(n) FROM cells JOIN {{col_table}} c ON c.id = ck GROUP BY ck
UNION ALL
SELECT NULL, NULL, sum(n) FROM cells;
