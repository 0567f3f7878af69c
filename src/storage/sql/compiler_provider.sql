-- The compiler of a spec whose compiler is a dependency: its direct build
-- dependency providing c, else cxx, else fortran (the index reader's rule),
-- as the edge names it, and that node's name and version when a spec stored
-- has its hash (NULL when none has). (One node provides a virtual to a spec,
-- so the order of equals is moot; by hash, to be sure of one answer.)
SELECT p.name, np.name, n.version
FROM (SELECT dependency_hash, package_id,
             CASE WHEN instr(',' || virtuals || ',', ',c,') > 0 THEN 0
                  WHEN instr(',' || virtuals || ',', ',cxx,') > 0 THEN 1
                  WHEN instr(',' || virtuals || ',', ',fortran,') > 0 THEN 2 END AS rank
      FROM dependency
      WHERE spec_id = ? AND instr(',' || deptypes || ',', ',build,') > 0) e
JOIN package p ON p.id = e.package_id
LEFT JOIN spec n ON n.hash = e.dependency_hash
LEFT JOIN package np ON np.id = n.package_id
WHERE e.rank IS NOT NULL
ORDER BY e.rank, e.dependency_hash
LIMIT 1
