-- packages-by-stack: binaries of each package, per stack
--
-- Result rows are (row_value, col_value, count): a cell when both are set, a row
-- total when col_value is NULL, a column total when row_value is NULL, and the
-- grand total when both are. Counts are of distinct specs, and totals are never
-- sums of cells a spec could be in twice.
-- Parameters: :scope (see queries/scope.sql), :include_root (0/1) keeps the 'root'
-- pseudo-stack.
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
shown AS MATERIALIZED (
  SELECT id, name FROM stack WHERE :include_root OR name <> 'root'
),
-- Several releases (scoped_releases): one row per spec first, the releases of a
-- spec collapsing here. GROUP BY spec_id streams the spec-ordered covering index
-- release_spec_by_spec rather than sorting a million rows. A spec's package is the
-- same in every release, its stack set may not be: lo <> hi marks a spec whose
-- stacks changed.
per_spec AS MATERIALIZED (
  SELECT spec_id, package_id AS ok, min(stack_set_id) AS lo, max(stack_set_id) AS hi
  FROM scoped_releases GROUP BY spec_id
),
-- Those with one stack set, counted per (set, package) before the sets expand to
-- their stacks.
by_set AS MATERIALIZED (
  SELECT lo AS set_id, ok, count(*) AS n FROM per_spec WHERE lo = hi GROUP BY lo, ok
),
-- Specs whose stacks changed between releases are in the union of their sets:
-- expanded one by one, distinct, so such a spec counts once per stack.
changed AS MATERIALIZED (
  SELECT DISTINCT m.stack_id AS sk, p.ok, p.spec_id
  FROM per_spec p
  JOIN scoped_releases s  ON s.spec_id = p.spec_id
  JOIN stack_set_member m ON m.stack_set_id = s.stack_set_id
  WHERE p.lo <> p.hi AND m.stack_id IN (SELECT id FROM shown)
),
-- Over every release (scoped_specs, where the set is the union of the spec's
-- sets) and within one (scoped_release) a spec has one row and one set: its rows
-- expand to stacks directly and go through one sort, the GROUP BY below (counting
-- per (set, package) first would be a second sort of a hundred thousand rows). The member is the outer loop (CROSS JOIN keeps it there): each shown
-- (set, stack) then reads the set's range of a covering index.
cells AS MATERIALIZED (
  SELECT sk, ok, sum(n) AS n FROM (
    SELECT m.stack_id AS sk, s.package_id AS ok, 1 AS n
    FROM stack_set_member m CROSS JOIN scoped_specs s ON s.stack_set_id = m.stack_set_id
    WHERE m.stack_id IN (SELECT id FROM shown)
    UNION ALL
    SELECT m.stack_id, s.package_id, 1
    FROM stack_set_member m CROSS JOIN scoped_release s ON s.stack_set_id = m.stack_set_id
    WHERE m.stack_id IN (SELECT id FROM shown)
    UNION ALL
    SELECT m.stack_id, b.ok, b.n
    FROM by_set b JOIN stack_set_member m ON m.stack_set_id = b.set_id
    WHERE m.stack_id IN (SELECT id FROM shown)
    UNION ALL
    SELECT sk, ok, 1 FROM changed
  ) GROUP BY sk, ok
),
-- The sets with at least one shown stack (a few hundred at most).
shown_sets AS MATERIALIZED (
  SELECT DISTINCT stack_set_id AS set_id FROM stack_set_member WHERE stack_id IN (SELECT id FROM shown)
),
-- Per package: the specs in at least one shown stack (a spec in two stacks once).
package_totals AS MATERIALIZED (
  SELECT ok, sum(n) AS n FROM (
    SELECT package_id AS ok, count(*) AS n FROM scoped_specs
    WHERE stack_set_id IN (SELECT set_id FROM shown_sets) GROUP BY package_id
    UNION ALL
    SELECT package_id, count(*) FROM scoped_release
    WHERE stack_set_id IN (SELECT set_id FROM shown_sets) GROUP BY package_id
    UNION ALL
    SELECT ok, n FROM by_set WHERE set_id IN (SELECT set_id FROM shown_sets)
    UNION ALL
    SELECT ok, count(DISTINCT spec_id) FROM changed GROUP BY ok
  ) GROUP BY ok
),
-- Per stack: a spec has one package, so a stack's cells hold disjoint specs and
-- its total is their sum, summed here per set first (a few hundred rows, not a
-- row per cell) and then expanded.
set_totals AS MATERIALIZED (
  SELECT stack_set_id AS set_id, count(*) AS n FROM scoped_specs GROUP BY stack_set_id
  UNION ALL
  SELECT stack_set_id, count(*) FROM scoped_release GROUP BY stack_set_id
  UNION ALL
  SELECT set_id, sum(n) FROM by_set GROUP BY set_id
),
stack_totals AS MATERIALIZED (
  SELECT sk, sum(n) AS n FROM (
    SELECT m.stack_id AS sk, t.n FROM set_totals t JOIN stack_set_member m ON m.stack_set_id = t.set_id
    WHERE m.stack_id IN (SELECT id FROM shown)
    UNION ALL
    SELECT sk, count(*) FROM changed GROUP BY sk
  ) GROUP BY sk
)
-- The sum of the package totals is the distinct count for the same reason.
SELECT x.name, st.name, n FROM cells JOIN shown st ON st.id = sk JOIN package x ON x.id = ok
UNION ALL
SELECT x.name, NULL, n FROM package_totals JOIN package x ON x.id = ok
UNION ALL
SELECT NULL, st.name, n FROM stack_totals JOIN shown st ON st.id = sk
UNION ALL
SELECT NULL, NULL, sum(n) FROM package_totals;
