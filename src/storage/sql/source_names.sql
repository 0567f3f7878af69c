-- A stored page's release, package and path, to name it in a message.
SELECT r.name, p.name, s.path
FROM source s
JOIN release r ON r.id = s.release_id
JOIN package p ON p.id = s.key_id
WHERE s.id = ? AND s.kind = 'page'
