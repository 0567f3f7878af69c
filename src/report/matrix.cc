#include "report/matrix.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>

#include "error.h"
#include "report/dimension.h"
#include "report/matrix_query.h"
#include "report/target_tree.h"

namespace cachedb {
namespace {

// The labels of one side of the matrix, numbered as they first arrive: a cell
// refers to its labels by number, and only at the end are they sorted (a
// package matrix has tens of thousands of labels and a hundred thousand cells).
struct Labels {
  // Looked up by string_view: a label is found without building a string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> number;
  std::vector<std::string> names;
  std::vector<std::int64_t> totals;
  std::vector<bool> has_total;

  std::size_t last = std::string::npos;  // the label looked up last: rows often repeat it

  std::size_t of(std::string_view text) {
    if (last != std::string::npos && names[last] == text) return last;
    if (auto it = number.find(text); it != number.end()) return last = it->second;
    const std::size_t n = names.size();
    number.emplace(std::string(text), n);
    names.emplace_back(text);
    totals.push_back(0);
    has_total.push_back(false);
    return last = n;
  }
  // A total may come in parts, counting different specs: they add up.
  void total(std::string_view text, std::int64_t count) {
    const auto n = of(text);
    totals[n] += count;
    has_total[n] = true;
  }
  // Sorted labels (those with a total) into `out`, their totals into
  // `out_totals`; returns each number's position, or npos for a label without
  // a total.
  // Moves the names out: call it last.
  std::vector<std::size_t> sorted(std::vector<std::string>& out, std::vector<std::int64_t>& out_totals) {
    // Sorted as (view, number) pairs side by side: tens of thousands of
    // labels compare without chasing an index into `names` each time.
    std::vector<std::pair<std::string_view, std::size_t>> order;
    for (std::size_t n = 0; n < names.size(); ++n)
      if (has_total[n]) order.emplace_back(names[n], n);
    std::sort(order.begin(), order.end());
    std::vector<std::size_t> position(names.size(), std::string::npos);
    out.reserve(out.size() + order.size());
    out_totals.reserve(out_totals.size() + order.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      position[order[i].second] = i;
      out.push_back(std::move(names[order[i].second]));
      out_totals.push_back(totals[order[i].second]);
    }
    return position;
  }
};

// Binds a named parameter only when the query uses it: a canned query that has
// no use for :count_packages need not mention it.
// A text column as a view of SQLite's own buffer (valid until the next step).
std::string_view text(const SQLite::Column& c) {
  return {c.getText(), static_cast<std::size_t>(c.getBytes())};
}

template <typename T>
void bind_if_used(SQLite::Statement& st, const char* name, const T& value) {
  if (st.getIndex(name) > 0) st.bind(name, value);
}

Matrix run(SQLite::Database& db, const std::string& name, const MatrixOptions& options, bool allow_canned) {
  const auto [rows, cols] = parse_matrix_name(name);
  const CannedMatrix* canned = allow_canned && options.count == Count::Specs ? find_canned(*rows, *cols) : nullptr;
  const std::string sql = canned ? std::string(canned->sql) : generic_matrix_sql(*rows, *cols);
  spdlog::debug("matrix {}: {} query", name, canned ? "canned" : "generic");
  if (options.warn_unmatched) warn_unmatched(db, options.scope);

  Matrix m;
  m.name = matrix_name(*rows, *cols);
  m.row_dim = rows->name;
  m.col_dim = cols->name;
  m.counted = options.count == Count::Packages ? "packages" : "specs";
  m.scope = options.scope;
  m.include_root = options.include_root;
  m.source = last_committed_run(db);

  SQLite::Statement st(db, sql);
  bind_if_used(st, ":scope", options.scope.query_json());
  bind_if_used(st, ":families", TargetTree::spack().families_json());
  bind_if_used(st, ":include_root", options.include_root ? 1 : 0);
  bind_if_used(st, ":count_packages", options.count == Count::Packages ? 1 : 0);
  struct Cell {
    std::size_t row, col;
    std::int64_t count;
  };
  std::vector<Cell> cells;
  Labels rows_seen, cols_seen;
  while (st.executeStep()) {
    const auto row = st.getColumn(0), col = st.getColumn(1);
    const std::int64_t count = st.getColumn(2).getInt64();
    if (count == 0) continue;  // only values with at least one counted spec appear
    const bool has_row = !row.isNull(), has_col = !col.isNull();
    if (has_row && has_col) cells.push_back({rows_seen.of(text(row)), cols_seen.of(text(col)), count});
    else if (has_row) rows_seen.total(text(row), count);
    else if (has_col) cols_seen.total(text(col), count);
    else m.grand_total += count;
  }
  const auto row_at = rows_seen.sorted(m.rows, m.row_totals), col_at = cols_seen.sorted(m.cols, m.col_totals);
  m.cells.assign(m.rows.size(), std::vector<std::int64_t>(m.cols.size(), 0));
  for (const auto& c : cells) {
    const auto r = row_at[c.row], k = col_at[c.col];
    if (r == std::string::npos || k == std::string::npos)
      // (The labels with a total have been moved out; this one has none.)
      throw Error(fmt::format("matrix {}: {} '{}' has a cell but no total; the query is inconsistent", name,
                              r == std::string::npos ? "row" : "column",
                              r == std::string::npos ? rows_seen.names[c.row] : cols_seen.names[c.col]));
    m.cells[r][k] += c.count;  // a cell may come in parts too
  }
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
