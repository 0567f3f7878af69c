-- Whether a page lists the spec (a row of it in a release read from pages).
SELECT 1 FROM release_spec r JOIN source s ON s.id = r.source_id
WHERE r.spec_id = ? AND s.kind = 'page' LIMIT 1
