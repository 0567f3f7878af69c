-- The indexes an ingest into an empty database drops and builds again once
-- loaded (storage/bulk_load.h): every index declared with CREATE INDEX on a
-- table the page or index writer fills, but those the writer names (:kept, the
-- names each between commas, ",a,b,": the page writer reads spec_by_package; the index
-- writer keeps release_spec's, filled while it waits for its readers); UNIQUE
-- constraints (sqlite_autoindex_*) stay too, as the writers look those up. In the order
-- the schema made them (rowid), so that built again in this order they keep
-- their order: when a query could use either of two indexes, SQLite takes the
-- one made last.
SELECT name, sql FROM sqlite_master
WHERE type = 'index' AND sql IS NOT NULL
  AND tbl_name IN ('source', 'spec', 'spec_version', 'release_spec', 'stack_set_member', 'variant_set_member',
                   'index_listing', 'dependency')
  AND instr(:kept, ',' || name || ',') = 0
ORDER BY rowid
