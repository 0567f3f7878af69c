#pragma once
// The SQL behind a matrix: a canned file from queries/ when there is one, else
// the generic query assembled from the fixed dimension table. Either returns
// rows (row_value, col_value, count) with NULL marking totals, and reads the
// parameters :scope, :include_root and :count_packages.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/dimension.h"

namespace cachedb {

struct CannedMatrix {
  std::string name;         // 'stacks-by-target', the file queries/<name>.sql
  std::string description;  // from the file's first line: '-- <name>: <description>'
  const Dimension* rows;
  const Dimension* cols;
  std::string_view sql;
};

// Every canned matrix, sorted by name.
const std::vector<CannedMatrix>& canned_matrices();

// The canned matrix for these dimensions, if any.
const CannedMatrix* find_canned(const Dimension& rows, const Dimension& cols);

// The block every matrix query starts with: the CTEs of the scope (the embedded
// queries/scope.sql, generated from queries/templates/scope.sql).
std::string_view scope_block();

// The distinct values of one dimension in scope, each with the number of
// distinct specs that have it: rows (value, specs), sorted by byte order.
// Reads :scope, and :include_root for stacks, :families for families.
std::string values_sql(const Dimension& d);

// The generic query for any two different dimensions. Built only from the
// dimension table's fragments: nothing the user typed goes into it.
std::string generic_matrix_sql(const Dimension& rows, const Dimension& cols);

}  // namespace cachedb
