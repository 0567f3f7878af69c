{{> _header}}
{{> _stack-changes}}
-- Specs with one stack set, counted per (set, {{col}}) before the few hundred
-- sets expand to their stacks. Over every release (scoped_specs, where the set is
-- the union of the spec's sets) and within one (scoped_release) every spec has one.
by_set AS MATERIALIZED (
  SELECT stack_set_id AS set_id, {{col_key}} AS ok, count(*) AS n FROM scoped_specs GROUP BY stack_set_id, {{col_key}}
  UNION ALL
  SELECT stack_set_id, {{col_key}}, count(*) FROM scoped_release GROUP BY stack_set_id, {{col_key}}
  UNION ALL
  SELECT lo, ok, count(*) FROM per_spec WHERE lo = hi GROUP BY lo, ok
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
-- Per {{col}}: the specs in at least one shown stack (a spec in two stacks once).
{{col}}_totals AS MATERIALIZED (
  SELECT ok, sum(n) AS n FROM (
    SELECT b.ok, b.n FROM by_set b
    WHERE EXISTS (SELECT 1 FROM stack_set_member m
                  WHERE m.stack_set_id = b.set_id AND m.stack_id IN (SELECT id FROM shown))
    UNION ALL
    SELECT ok, count(DISTINCT spec_id) FROM changed GROUP BY ok
  ) GROUP BY ok
)
-- A spec has one {{col}}: the cells of a stack's row hold disjoint specs, so
-- their sum is the distinct count; so is the sum of the {{col}} totals.
SELECT st.name AS row_value, x.{{col_value}} AS col_value, n FROM cells JOIN shown st ON st.id = sk JOIN {{col_table}} x ON x.id = ok
UNION ALL
SELECT st.name, NULL, sum(n) FROM cells JOIN shown st ON st.id = sk GROUP BY sk
UNION ALL
SELECT NULL, x.{{col_value}}, n FROM {{col}}_totals JOIN {{col_table}} x ON x.id = ok
UNION ALL
SELECT NULL, NULL, sum(n) FROM {{col}}_totals;
