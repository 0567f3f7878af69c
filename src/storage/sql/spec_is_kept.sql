-- Whether anything still holds a spec: a release lists it, an index lists it
-- (if only as a dependency), or a page claims it.
SELECT 1 FROM release_spec WHERE spec_id = :spec
UNION ALL SELECT 1 FROM index_listing WHERE spec_id = :spec
UNION ALL SELECT 1 FROM spec_claim WHERE spec_id = :spec
LIMIT 1
