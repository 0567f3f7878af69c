-- One dependency edge; an edge stored already is left as it is (a spec's
-- edges are fixed by its hash). OR IGNORE rather than ON CONFLICT DO NOTHING:
-- the writer inserts several edges per statement, and a statement that could
-- fail half-way (a NOT NULL column) first copies every page it changes to a
-- statement journal, which for edges written by the hundred thousand was
-- most of the journal's writes. The writer binds no NULL.
INSERT OR IGNORE INTO dependency(spec_id, dependency_hash, package_id, deptypes, virtuals)
VALUES (?, ?, ?, ?, ?)
