-- Gives the specs waiting for a compiler node the compiler it turned out to be.
UPDATE spec SET compiler_id = ?
WHERE id IN (SELECT spec_id FROM temp.index_late_compiler WHERE compiler_hash = ?)
