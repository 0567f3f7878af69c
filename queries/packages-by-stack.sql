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
-- scope:include
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
