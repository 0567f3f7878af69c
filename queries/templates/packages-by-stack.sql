{{> _header}}
-- About the result: a cell or a package total may
-- come in several rows, each counting different specs: cachedb adds them up
-- (src/report/matrix.cc). The table has some 100k cells; sorting them into one
-- row each cost more than all the rest of the query.
{{> _stack-changes}}
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
-- The sets with at least one shown stack (a few hundred at most).
shown_sets AS MATERIALIZED (
  SELECT DISTINCT stack_set_id AS set_id FROM stack_set_member WHERE stack_id IN (SELECT id FROM shown)
),
-- Per stack: a spec has one package, so a stack's cells hold disjoint specs and
-- its total is their sum, summed here per set first (a few hundred rows, not a
-- row per cell) and then expanded.
set_totals AS MATERIALIZED (
{{> _set-counts}}
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
SELECT x.name AS row_value, st.name AS col_value, p.n
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
