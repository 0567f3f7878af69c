-- Every index stored, with its release and stack by name: what --prune sets
-- against the (release, stack) pairs a listing names.
SELECT s.id, s.release_id, r.name, k.name
FROM source s
JOIN release r ON r.id = s.release_id
JOIN stack k ON k.id = s.key_id
WHERE s.kind = 'index'
ORDER BY s.id
