#include "report/matrix.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <SQLiteCpp/Statement.h>

#include "error.h"
#include "storage/embedded_sql.h"

namespace cachedb {
namespace {

struct CannedMatrix {
  const char* name;
  const char* row_dim;
  const char* col_dim;
};

constexpr CannedMatrix kCanned[] = {
    {"stacks-by-target", "stack", "target"},
};

// Position of each label in its sorted list.
std::map<std::string, std::size_t> index_of(std::vector<std::string>& labels) {
  std::sort(labels.begin(), labels.end());
  std::map<std::string, std::size_t> out;
  for (std::size_t i = 0; i < labels.size(); ++i) out.emplace(labels[i], i);
  return out;
}

}  // namespace

std::vector<std::string> canned_matrices() {
  std::vector<std::string> out;
  for (const auto& m : kCanned) out.emplace_back(m.name);
  return out;
}

Matrix run_matrix(SQLite::Database& db, const std::string& name, const MatrixOptions& options) {
  const CannedMatrix* canned = nullptr;
  for (const auto& m : kCanned)
    if (name == m.name) canned = &m;
  if (!canned) throw Error(fmt::format("unknown matrix '{}' (known: {})", name, fmt::join(canned_matrices(), ", ")));
  auto sql = find_embedded_sql("queries/" + name + ".sql");
  if (!sql) throw Error(fmt::format("matrix '{}' has no query file", name));

  Matrix m;
  m.name = name;
  m.row_dim = canned->row_dim;
  m.col_dim = canned->col_dim;

  SQLite::Statement st(db, std::string(*sql));
  st.bind(":include_root", options.include_root ? 1 : 0);
  struct Cell {
    std::string row, col;
    std::int64_t count;
  };
  std::vector<Cell> cells;
  std::map<std::string, std::int64_t> row_totals, col_totals;
  while (st.executeStep()) {
    const bool has_row = !st.getColumn(0).isNull(), has_col = !st.getColumn(1).isNull();
    const std::int64_t count = st.getColumn(2).getInt64();
    if (has_row && has_col) cells.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(), count});
    else if (has_row) row_totals[st.getColumn(0).getString()] = count;
    else if (has_col) col_totals[st.getColumn(1).getString()] = count;
    else m.grand_total = count;
  }
  // Only values with at least one counted spec appear.
  for (const auto& [label, total] : row_totals) m.rows.push_back(label);
  for (const auto& [label, total] : col_totals) m.cols.push_back(label);
  const auto row_index = index_of(m.rows), col_index = index_of(m.cols);
  m.cells.assign(m.rows.size(), std::vector<std::int64_t>(m.cols.size(), 0));
  for (const auto& c : cells) m.cells[row_index.at(c.row)][col_index.at(c.col)] = c.count;
  for (const auto& r : m.rows) m.row_totals.push_back(row_totals[r]);
  for (const auto& c : m.cols) m.col_totals.push_back(col_totals[c]);
  return m;
}

}  // namespace cachedb
