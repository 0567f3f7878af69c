  SELECT stack_set_id AS set_id, count(*) AS n FROM scoped_specs GROUP BY stack_set_id
  UNION ALL
  SELECT stack_set_id, count(*) FROM scoped_release GROUP BY stack_set_id
  UNION ALL
  SELECT lo, count(*) FROM per_spec WHERE lo = hi GROUP BY lo
