-- stacks-by-target: distinct specs per stack (rows) and target (columns), over all releases.
--
-- Result rows are (row_value, col_value, count): a cell when both are set, a row
-- total when col_value is NULL, a column total when row_value is NULL, and the
-- grand total when both are. Totals count distinct specs, never sums of cells.
-- Parameters: :include_root (0/1) keeps the 'root' pseudo-stack.
WITH scoped AS (
  SELECT DISTINCT st.name AS row_value, t.name AS col_value, rs.spec_id AS spec_id
  FROM release_spec rs
  JOIN stack_set_member m ON m.stack_set_id = rs.stack_set_id
  JOIN stack st           ON st.id = m.stack_id
  JOIN spec s             ON s.id = rs.spec_id
  JOIN target t           ON t.id = s.target_id
  WHERE :include_root OR st.name <> 'root'
)
SELECT row_value, col_value, COUNT(DISTINCT spec_id) FROM scoped GROUP BY row_value, col_value
UNION ALL
SELECT row_value, NULL, COUNT(DISTINCT spec_id) FROM scoped GROUP BY row_value
UNION ALL
SELECT NULL, col_value, COUNT(DISTINCT spec_id) FROM scoped GROUP BY col_value
UNION ALL
SELECT NULL, NULL, COUNT(DISTINCT spec_id) FROM scoped;
