-- scope: the rows of release_spec a report counts, chosen by --release and --filter.
--
-- :scope is one JSON object of value lists by dimension, e.g.
--   {"release":["develop"],"os":["rhel8","sles15"],"stack":["e4s"]}
-- Values of one dimension are alternatives; different dimensions must all hold;
-- a spec matches a list-valued dimension (stack, version) when any of its values
-- does. '{}' means everything. Values only ever reach SQL as this bound JSON.
--
-- Every canned matrix query begins with the block between the markers, and the
-- generic matrix query (src/report/matrix_query.cc) is built around it too;
-- tests/matrix_test.cc checks both, so canned and generic matrices cannot
-- disagree on what is in scope. Each view tests every dimension of
-- queries/dimensions.toml, in its order; scripts/gen_queries.py writes the tests
-- out from there (the filters, seeks and unless_named directives of the template,
-- queries/templates/scope.sql).
-- NOT MATERIALIZED: queries read it twice (a scan, and lookups by spec_id), and
-- copying a million rows into a temporary table would cost more than both.
-- scope:begin
scoped AS NOT MATERIALIZED (
  SELECT rs.release_id, rs.spec_id, rs.stack_set_id, rs.package_id, rs.compiler_id,
         rs.os_id, rs.platform_id, rs.target_id
  FROM release_spec rs
  WHERE {{filters rs}}
),
scoped_specs AS NOT MATERIALIZED (
  SELECT s.id AS spec_id, s.all_stack_set_id AS stack_set_id, s.package_id, s.compiler_id,
         s.os_id, s.platform_id, s.target_id
  FROM spec s
  -- A spec in no release (a dependency only, from build-cache indexes) has
  -- the stack set keyed '-', and is in no report.
  WHERE s.all_stack_set_id IS NOT (SELECT x.id FROM stack_set x WHERE x.key = '-')
    AND {{unless_named not_per_spec}}
    AND {{filters s per_spec}}
),
-- One release: its rows of release_spec, read from release_spec_by_release
-- (release_id, stack_set_id, target_id, os_id, ...). Stack set, target and os
-- are each an IN list (every value when the scope names none) rather than an
-- "unless unfiltered" test: SQLite then seeks each (release, set, target, os)
-- in the index instead of reading the whole release and testing every row, so
-- --filter os=... or target=... or stack=... reads only what it counts, and the
-- rows still come in index order for GROUP BY stack_set_id, target_id.
scoped_release AS NOT MATERIALIZED (
  SELECT rs.release_id, rs.spec_id, rs.stack_set_id, rs.package_id, rs.compiler_id,
         rs.os_id, rs.platform_id, rs.target_id
  FROM release_spec rs
  WHERE json_array_length(:scope, '$.release') IS 1
    AND rs.release_id = (SELECT x.id FROM release x WHERE x.name = json_extract(:scope, '$.release[0]'))
    AND {{seeks rs}}
    AND {{filters rs not_indexed}}
),
scoped_releases AS NOT MATERIALIZED (
  SELECT * FROM scoped
  WHERE json_array_length(:scope, '$.release') IS NOT 1
    AND (json_type(:scope, '$.release') IS NOT NULL OR json_type(:scope, '$.stack') IS NOT NULL)
)
-- scope:end
