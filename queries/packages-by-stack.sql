-- packages-by-stack: binaries of each package, per stack
--
-- Result rows are (row_value, col_value, count): a cell when both are set, a row
-- total when col_value is NULL, a column total when row_value is NULL, and the
-- grand total when both are. Counts are of distinct specs, and totals are never
-- sums of cells a spec could be in twice. Here a cell or a package total may
-- come in several rows, each counting different specs: cachedb adds them up
-- (src/report/matrix.cc). The table has some 100k cells; sorting them into one
-- row each cost more than all the rest of the query.
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
-- The specs with one stack set, counted per (package, set) before the sets
-- expand to their stacks: over every release (scoped_specs, where the set is
-- the union of the spec's sets) GROUP BY streams the index spec_by_package
-- (package_id, all_stack_set_id, ...); within one release (scoped_release)
-- and over several (per_spec, lo = hi) it is a sort.
package_sets AS MATERIALIZED (
  SELECT package_id AS ok, stack_set_id AS set_id, count(*) AS n FROM scoped_specs
  GROUP BY package_id, stack_set_id
  UNION ALL
  SELECT package_id, stack_set_id, count(*) FROM scoped_release GROUP BY package_id, stack_set_id
  UNION ALL
  SELECT ok, lo, count(*) FROM per_spec WHERE lo = hi GROUP BY ok, lo
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
-- The sets with at least one shown stack (a few hundred at most).
shown_sets AS MATERIALIZED (
  SELECT DISTINCT stack_set_id AS set_id FROM stack_set_member WHERE stack_id IN (SELECT id FROM shown)
),
-- Per stack: a spec has one package, so a stack's cells hold disjoint specs and
-- its total is their sum, summed here per set first (a few hundred rows, not a
-- row per cell) and then expanded.
set_totals AS MATERIALIZED (
  SELECT stack_set_id AS set_id, count(*) AS n FROM scoped_specs GROUP BY stack_set_id
  UNION ALL
  SELECT stack_set_id, count(*) FROM scoped_release GROUP BY stack_set_id
  UNION ALL
  SELECT lo, count(*) FROM per_spec WHERE lo = hi GROUP BY lo
),
stack_totals AS MATERIALIZED (
  SELECT sk, sum(n) AS n FROM (
    SELECT m.stack_id AS sk, t.n FROM set_totals t JOIN stack_set_member m ON m.stack_set_id = t.set_id
    WHERE m.stack_id IN (SELECT id FROM shown)
    UNION ALL
    SELECT sk, count(*) FROM changed GROUP BY sk
  ) GROUP BY sk
)
-- Cells, in parts: each (package, set) count under each shown stack of its set
-- (the set is the outer loop, its members read by primary key: the unary +
-- keeps SQLite from seeking every shown stack for each set instead), then the
-- specs whose stacks changed.
SELECT x.name, st.name, p.n
FROM package_sets p CROSS JOIN stack_set_member m ON m.stack_set_id = p.set_id
JOIN shown st ON st.id = +m.stack_id JOIN package x ON x.id = p.ok
UNION ALL
SELECT x.name, st.name, c.n FROM (SELECT sk, ok, count(*) AS n FROM changed GROUP BY sk, ok) c
JOIN shown st ON st.id = c.sk JOIN package x ON x.id = c.ok
UNION ALL
-- Package totals, in parts: the specs in at least one shown stack (a spec in
-- two stacks once), those with one set and those whose stacks changed.
SELECT x.name, NULL, p.n FROM package_sets p JOIN package x ON x.id = p.ok
WHERE p.set_id IN (SELECT set_id FROM shown_sets)
UNION ALL
SELECT x.name, NULL, c.n FROM (SELECT ok, count(DISTINCT spec_id) AS n FROM changed GROUP BY ok) c
JOIN package x ON x.id = c.ok
UNION ALL
SELECT NULL, st.name, n FROM stack_totals JOIN shown st ON st.id = sk
UNION ALL
-- The sum of the package totals is the distinct count: a spec has one package.
SELECT NULL, NULL, (SELECT coalesce(sum(n), 0) FROM package_sets WHERE set_id IN (SELECT set_id FROM shown_sets))
                 + (SELECT count(DISTINCT spec_id) FROM changed);
