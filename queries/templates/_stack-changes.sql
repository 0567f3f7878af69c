shown AS MATERIALIZED (
  SELECT id, name FROM stack WHERE :include_root OR name <> 'root'
),
-- Several releases (scoped_releases): one row per spec first, the releases of a
-- spec collapsing here. GROUP BY spec_id streams the spec-ordered covering index
-- release_spec_by_spec rather than sorting a million rows. A spec's {{other}} is
-- the same in every release, its stack set may not be: lo <> hi marks a spec
-- whose stacks changed.
per_spec AS MATERIALIZED (
  SELECT spec_id, {{other_key}} AS ok, min(stack_set_id) AS lo, max(stack_set_id) AS hi
  FROM scoped_releases GROUP BY spec_id
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
