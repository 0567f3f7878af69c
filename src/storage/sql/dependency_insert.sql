-- One dependency edge; an edge stored already is left as it is (a spec's
-- edges are fixed by its hash).
INSERT INTO dependency(spec_id, dependency_hash, package_id, deptypes, virtuals)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (spec_id, dependency_hash) DO NOTHING
