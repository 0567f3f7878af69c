-- stacks-by-os: binaries in each stack, per operating system
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
-- release_spec_by_spec rather than sorting a million rows. A spec's os is the
-- same in every release, its stack set may not be: lo <> hi marks a spec whose
-- stacks changed.
per_spec AS MATERIALIZED (
  SELECT spec_id, os_id AS ok, min(stack_set_id) AS lo, max(stack_set_id) AS hi
  FROM scoped_releases GROUP BY spec_id
),
-- Specs with one stack set, counted per (set, os) before the few hundred sets
-- expand to their stacks. Over every release (scoped_specs, where the set is the
-- union of the spec's sets) and within one (scoped_release) every spec has one.
by_set AS MATERIALIZED (
  SELECT stack_set_id AS set_id, os_id AS ok, count(*) AS n FROM scoped_specs GROUP BY stack_set_id, os_id
  UNION ALL
  SELECT stack_set_id, os_id, count(*) FROM scoped_release GROUP BY stack_set_id, os_id
  UNION ALL
  SELECT lo, ok, count(*) FROM per_spec WHERE lo = hi GROUP BY lo, ok
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
cells AS MATERIALIZED (
  SELECT sk, ok, sum(n) AS n FROM (
    SELECT m.stack_id AS sk, b.ok, b.n
    FROM by_set b JOIN stack_set_member m ON m.stack_set_id = b.set_id
    WHERE m.stack_id IN (SELECT id FROM shown)
    UNION ALL
    SELECT sk, ok, 1 FROM changed
  ) GROUP BY sk, ok
),
-- Per os: the specs in at least one shown stack (a spec in two stacks once).
os_totals AS MATERIALIZED (
  SELECT ok, sum(n) AS n FROM (
    SELECT b.ok, b.n FROM by_set b
    WHERE EXISTS (SELECT 1 FROM stack_set_member m
                  WHERE m.stack_set_id = b.set_id AND m.stack_id IN (SELECT id FROM shown))
    UNION ALL
    SELECT ok, count(DISTINCT spec_id) FROM changed GROUP BY ok
  ) GROUP BY ok
)
-- A spec has one os: the cells of a stack's row hold disjoint specs, so their
-- sum is the distinct count; so is the sum of the os totals.
SELECT st.name, x.name, n FROM cells JOIN shown st ON st.id = sk JOIN os x ON x.id = ok
UNION ALL
SELECT st.name, NULL, sum(n) FROM cells JOIN shown st ON st.id = sk GROUP BY sk
UNION ALL
SELECT NULL, x.name, n FROM os_totals JOIN os x ON x.id = ok
UNION ALL
SELECT NULL, NULL, sum(n) FROM os_totals;
