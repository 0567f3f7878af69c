#pragma once
// A matrix report: counts of distinct specs by a row dimension and a column
// dimension, computed by a canned query from queries/.
#include <cstdint>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

namespace cachedb {

struct Matrix {
  std::string name;        // 'stacks-by-target'
  std::string row_dim;     // singular: 'stack'
  std::string col_dim;     // singular: 'target'
  std::vector<std::string> rows, cols;         // sorted by byte order
  std::vector<std::vector<std::int64_t>> cells;  // [row][col]
  // Distinct counts over each row, each column and everything.
  std::vector<std::int64_t> row_totals, col_totals;
  std::int64_t grand_total = 0;
};

struct MatrixOptions {
  bool include_root = false;
};

// The canned matrices, by name.
std::vector<std::string> canned_matrices();

// Runs a canned matrix query. Throws Error for an unknown name.
Matrix run_matrix(SQLite::Database& db, const std::string& name, const MatrixOptions& options);

}  // namespace cachedb
