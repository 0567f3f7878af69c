-- scope: the rows of release_spec a report counts, chosen by --release and --filter.
--
-- :scope is one JSON object of value lists by dimension, e.g.
--   {"release":["develop"],"os":["rhel8","sles15"],"stack":["e4s"]}
-- Values of one dimension are alternatives; different dimensions must all hold;
-- a spec matches a list-valued dimension (stack, version) when any of its values
-- does. '{}' means everything. Values only ever reach SQL as this bound JSON.
--
-- Every matrix query in queries/ begins with the block between the markers: a
-- line '-- scope:include' there is replaced by it when the SQL is compiled into
-- the binary (scripts/embed_sql.py), and the generic matrix query is built
-- around it too; tests/matrix_test.cc checks both, so canned and generic
-- matrices cannot disagree on what is in scope.
-- NOT MATERIALIZED: queries read it twice (a scan, and lookups by spec_id), and
-- copying a million rows into a temporary table would cost more than both.
-- scope:begin
scoped AS NOT MATERIALIZED (
  SELECT rs.release_id, rs.spec_id, rs.stack_set_id, rs.package_id, rs.compiler_id,
         rs.os_id, rs.platform_id, rs.target_id
  FROM release_spec rs
  WHERE (json_array_length(:scope, '$.release') IS NULL OR rs.release_id IN
          (SELECT x.id FROM release x JOIN json_each(:scope, '$.release') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.package') IS NULL OR rs.package_id IN
          (SELECT x.id FROM package x JOIN json_each(:scope, '$.package') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.compiler') IS NULL OR rs.compiler_id IN
          (SELECT x.id FROM compiler x JOIN json_each(:scope, '$.compiler') j ON x.label = j.value))
    AND (json_array_length(:scope, '$.os') IS NULL OR rs.os_id IN
          (SELECT x.id FROM os x JOIN json_each(:scope, '$.os') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.platform') IS NULL OR rs.platform_id IN
          (SELECT x.id FROM platform x JOIN json_each(:scope, '$.platform') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.target') IS NULL OR rs.target_id IN
          (SELECT x.id FROM target x JOIN json_each(:scope, '$.target') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.stack') IS NULL OR rs.stack_set_id IN
          (SELECT m.stack_set_id FROM stack_set_member m JOIN stack x ON x.id = m.stack_id
           JOIN json_each(:scope, '$.stack') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.version') IS NULL OR rs.spec_id IN
          (SELECT v.spec_id FROM spec_version v JOIN json_each(:scope, '$.version') j ON v.version = j.value))
),
scoped_specs AS NOT MATERIALIZED (
  SELECT s.id AS spec_id, s.all_stack_set_id AS stack_set_id, s.package_id, s.compiler_id,
         s.os_id, s.platform_id, s.target_id
  FROM spec s
  WHERE json_type(:scope, '$.release') IS NULL AND json_type(:scope, '$.stack') IS NULL
    AND (json_array_length(:scope, '$.package') IS NULL OR s.package_id IN
          (SELECT x.id FROM package x JOIN json_each(:scope, '$.package') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.compiler') IS NULL OR s.compiler_id IN
          (SELECT x.id FROM compiler x JOIN json_each(:scope, '$.compiler') j ON x.label = j.value))
    AND (json_array_length(:scope, '$.os') IS NULL OR s.os_id IN
          (SELECT x.id FROM os x JOIN json_each(:scope, '$.os') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.platform') IS NULL OR s.platform_id IN
          (SELECT x.id FROM platform x JOIN json_each(:scope, '$.platform') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.target') IS NULL OR s.target_id IN
          (SELECT x.id FROM target x JOIN json_each(:scope, '$.target') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.version') IS NULL OR s.id IN
          (SELECT v.spec_id FROM spec_version v JOIN json_each(:scope, '$.version') j ON v.version = j.value))
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
    AND rs.stack_set_id IN (SELECT x.id FROM stack_set x
          WHERE json_array_length(:scope, '$.stack') IS NULL OR x.id IN
            (SELECT m.stack_set_id FROM stack_set_member m JOIN stack y ON y.id = m.stack_id
             JOIN json_each(:scope, '$.stack') j ON y.name = j.value))
    AND rs.target_id IN (SELECT x.id FROM target x
          WHERE json_array_length(:scope, '$.target') IS NULL OR x.name IN (SELECT j.value FROM json_each(:scope, '$.target') j))
    AND rs.os_id IN (SELECT x.id FROM os x
          WHERE json_array_length(:scope, '$.os') IS NULL OR x.name IN (SELECT j.value FROM json_each(:scope, '$.os') j))
    AND (json_array_length(:scope, '$.package') IS NULL OR rs.package_id IN
          (SELECT x.id FROM package x JOIN json_each(:scope, '$.package') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.compiler') IS NULL OR rs.compiler_id IN
          (SELECT x.id FROM compiler x JOIN json_each(:scope, '$.compiler') j ON x.label = j.value))
    AND (json_array_length(:scope, '$.platform') IS NULL OR rs.platform_id IN
          (SELECT x.id FROM platform x JOIN json_each(:scope, '$.platform') j ON x.name = j.value))
    AND (json_array_length(:scope, '$.version') IS NULL OR rs.spec_id IN
          (SELECT v.spec_id FROM spec_version v JOIN json_each(:scope, '$.version') j ON v.version = j.value))
),
scoped_releases AS NOT MATERIALIZED (
  SELECT * FROM scoped
  WHERE json_array_length(:scope, '$.release') IS NOT 1
    AND (json_type(:scope, '$.release') IS NOT NULL OR json_type(:scope, '$.stack') IS NOT NULL)
)
-- scope:end
