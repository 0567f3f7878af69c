-- The stacks a spec is in over every release, for spec.all_stack_set_id.
SELECT DISTINCT ssm.stack_id
FROM release_spec rs
JOIN stack_set_member ssm ON ssm.stack_set_id = rs.stack_set_id
WHERE rs.spec_id = ?
ORDER BY 1
