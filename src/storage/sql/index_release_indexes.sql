-- A release's indexes, in the order that decides which one holds a spec's
-- release row (the first listing it): its root index first, then its stacks
-- by name. An order of names, not of ids: ids follow the order the indexes
-- first came in, and the database must not depend on that history.
SELECT src.id, src.key_id
FROM source src
JOIN stack st ON st.id = src.key_id
WHERE src.kind = 'index' AND src.release_id = ?
ORDER BY st.name <> 'root', st.name
