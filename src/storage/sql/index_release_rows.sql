-- The release rows an index release has now, by spec. Materialized: all of
-- them are read before the writer changes the first (it replaces rows as it
-- compares them), whatever index SQLite would otherwise walk.
WITH now_stored AS MATERIALIZED (
  SELECT spec_id, source_id, stack_set_id FROM release_spec WHERE release_id = ?
)
SELECT spec_id, source_id, stack_set_id FROM now_stored ORDER BY spec_id
