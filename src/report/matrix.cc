#include "report/matrix.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>

#include "error.h"
#include "report/dimension.h"
#include "report/matrix_query.h"

namespace cachedb {
namespace {

// Position of each label in its sorted list.
std::map<std::string, std::size_t> index_of(std::vector<std::string>& labels) {
  std::sort(labels.begin(), labels.end());
  std::map<std::string, std::size_t> out;
  for (std::size_t i = 0; i < labels.size(); ++i) out.emplace(labels[i], i);
  return out;
}

// Binds a named parameter only when the query uses it: a canned query that has
// no use for :count_packages need not mention it.
template <typename T>
void bind_if_used(SQLite::Statement& st, const char* name, const T& value) {
  if (st.getIndex(name) > 0) st.bind(name, value);
}

Matrix run(SQLite::Database& db, const std::string& name, const MatrixOptions& options, bool allow_canned) {
  const auto [rows, cols] = parse_matrix_name(name);
  const CannedMatrix* canned = allow_canned && options.count == Count::Specs ? find_canned(*rows, *cols) : nullptr;
  const std::string sql = canned ? std::string(canned->sql) : generic_matrix_sql(*rows, *cols);
  spdlog::debug("matrix {}: {} query", name, canned ? "canned" : "generic");
  warn_unmatched(db, options.scope);

  Matrix m;
  m.name = matrix_name(*rows, *cols);
  m.row_dim = rows->name;
  m.col_dim = cols->name;
  m.counted = options.count == Count::Packages ? "packages" : "specs";
  m.scope = options.scope;
  m.include_root = options.include_root;

  SQLite::Statement st(db, sql);
  bind_if_used(st, ":scope", options.scope.json());
  bind_if_used(st, ":include_root", options.include_root ? 1 : 0);
  bind_if_used(st, ":count_packages", options.count == Count::Packages ? 1 : 0);
  struct Cell {
    std::string row, col;
    std::int64_t count;
  };
  std::vector<Cell> cells;
  std::map<std::string, std::int64_t> row_totals, col_totals;
  while (st.executeStep()) {
    const bool has_row = !st.getColumn(0).isNull(), has_col = !st.getColumn(1).isNull();
    const std::int64_t count = st.getColumn(2).getInt64();
    if (count == 0) continue;  // only values with at least one counted spec appear
    if (has_row && has_col) cells.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(), count});
    else if (has_row) row_totals[st.getColumn(0).getString()] = count;
    else if (has_col) col_totals[st.getColumn(1).getString()] = count;
    else m.grand_total = count;
  }
  for (const auto& [label, total] : row_totals) m.rows.push_back(label);
  for (const auto& [label, total] : col_totals) m.cols.push_back(label);
  const auto row_index = index_of(m.rows), col_index = index_of(m.cols);
  m.cells.assign(m.rows.size(), std::vector<std::int64_t>(m.cols.size(), 0));
  for (const auto& c : cells) {
    const auto r = row_index.find(c.row), k = col_index.find(c.col);
    if (r == row_index.end() || k == col_index.end())
      throw Error(fmt::format("matrix {}: cell ({}, {}) has no total; the query is inconsistent", name, c.row, c.col));
    m.cells[r->second][k->second] = c.count;
  }
  for (const auto& r : m.rows) m.row_totals.push_back(row_totals[r]);
  for (const auto& c : m.cols) m.col_totals.push_back(col_totals[c]);
  return m;
}

}  // namespace

Matrix run_matrix(SQLite::Database& db, const std::string& name, const MatrixOptions& options) {
  return run(db, name, options, true);
}

Matrix run_generic_matrix(SQLite::Database& db, const std::string& name, const MatrixOptions& options) {
  return run(db, name, options, false);
}

}  // namespace cachedb
