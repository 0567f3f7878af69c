{{> _header}}
shown AS MATERIALIZED (
  SELECT id, name FROM stack WHERE :include_root OR name <> 'root'
),
-- Within one release a spec is listed once, under one stack set: count per
-- (release, set), then expand the sets. These give the cells and the releases'
-- totals. GROUP BY streams the covering index release_spec_by_release; with one
-- release in scope, only that release's range of it.
by_release_set AS MATERIALIZED (
  SELECT release_id, stack_set_id AS set_id, count(*) AS n FROM scoped_release GROUP BY release_id, stack_set_id
  UNION ALL
  SELECT release_id, stack_set_id, count(*) FROM scoped
  WHERE json_array_length(:scope, '$.release') IS NOT 1 GROUP BY release_id, stack_set_id
),
cells AS MATERIALIZED (
  SELECT b.release_id, m.stack_id AS sk, sum(b.n) AS n
  FROM by_release_set b JOIN stack_set_member m ON m.stack_set_id = b.set_id
  WHERE m.stack_id IN (SELECT id FROM shown)
  GROUP BY b.release_id, m.stack_id
),
release_totals AS (
  SELECT b.release_id, sum(b.n) AS n FROM by_release_set b
  WHERE EXISTS (SELECT 1 FROM stack_set_member m
                WHERE m.stack_set_id = b.set_id AND m.stack_id IN (SELECT id FROM shown))
  GROUP BY b.release_id
),
-- A stack's total spans releases, where one spec is listed several times. Over
-- every release a spec's stacks are its all_stack_set_id (scoped_specs), within
-- one release its set there (scoped_release); else (scoped_releases) one row per
-- spec first, streaming the spec-ordered index release_spec_by_spec; lo <> hi
-- marks a spec whose stack set changed between releases.
per_spec AS MATERIALIZED (
  SELECT spec_id, min(stack_set_id) AS lo, max(stack_set_id) AS hi FROM scoped_releases GROUP BY spec_id
),
by_set AS MATERIALIZED (
{{> _set-counts}}
),
changed AS MATERIALIZED (
  SELECT DISTINCT m.stack_id AS sk, p.spec_id
  FROM per_spec p
  JOIN scoped_releases s  ON s.spec_id = p.spec_id
  JOIN stack_set_member m ON m.stack_set_id = s.stack_set_id
  WHERE p.lo <> p.hi AND m.stack_id IN (SELECT id FROM shown)
),
stack_totals AS (
  SELECT sk, sum(n) AS n FROM (
    SELECT m.stack_id AS sk, b.n FROM by_set b JOIN stack_set_member m ON m.stack_set_id = b.set_id
    WHERE m.stack_id IN (SELECT id FROM shown)
    UNION ALL
    SELECT sk, 1 FROM changed
  ) GROUP BY sk
),
-- Every spec in at least one shown stack in some release in scope.
grand AS (
  SELECT sum(n) AS n FROM (
    SELECT b.n FROM by_set b
    WHERE EXISTS (SELECT 1 FROM stack_set_member m
                  WHERE m.stack_set_id = b.set_id AND m.stack_id IN (SELECT id FROM shown))
    UNION ALL
    SELECT count(DISTINCT spec_id) FROM changed
  )
)
SELECT r.name AS row_value, st.name AS col_value, n FROM cells JOIN release r ON r.id = release_id JOIN shown st ON st.id = sk
UNION ALL
SELECT r.name, NULL, n FROM release_totals JOIN release r ON r.id = release_id
UNION ALL
SELECT NULL, st.name, n FROM stack_totals JOIN shown st ON st.id = sk
UNION ALL
SELECT NULL, NULL, n FROM grand;
