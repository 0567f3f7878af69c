#include "report/matrix_shape.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "report/dimension.h"
#include "report/version_order.h"

namespace cachedb {
namespace {

void transpose(Matrix& m) {
  std::vector<std::vector<std::int64_t>> cells(m.cols.size(), std::vector<std::int64_t>(m.rows.size(), 0));
  for (std::size_t r = 0; r < m.rows.size(); ++r)
    for (std::size_t c = 0; c < m.cols.size(); ++c) cells[c][r] = m.cells[r][c];
  m.cells = std::move(cells);
  std::swap(m.rows, m.cols);
  std::swap(m.row_dim, m.col_dim);
  std::swap(m.row_totals, m.col_totals);
  // stacks-by-target turned on its side is targets-by-stack.
  m.name = matrix_name(dimension(m.row_dim), dimension(m.col_dim));
}

// Positions ordered: by total (largest first) or by name, ties by name.
// Each label is read once (a package matrix has tens of thousands).
std::vector<std::size_t> ordered(std::vector<std::size_t> at, const std::vector<std::string>& names,
                                 const std::vector<std::int64_t>& totals, SortBy sort) {
  std::vector<LabelKey> keys;
  keys.reserve(names.size());
  for (const auto& n : names) keys.emplace_back(n);
  std::sort(at.begin(), at.end(), [&](std::size_t a, std::size_t b) {
    if (sort == SortBy::Total && totals[a] != totals[b]) return totals[a] > totals[b];
    return keys[a] < keys[b];
  });
  return at;
}

}  // namespace

void shape_matrix(Matrix& m, const ShapeOptions& options) {
  if (options.transpose) transpose(m);

  std::vector<std::size_t> rows(m.rows.size());
  std::iota(rows.begin(), rows.end(), 0);
  if (options.top > 0 && options.top < rows.size()) {
    rows = ordered(std::move(rows), m.rows, m.row_totals, SortBy::Total);
    m.omitted.top_rows = rows.size() - options.top;
    rows.resize(options.top);
  }
  if (!options.show_empty) {
    const auto before = rows.size();
    std::erase_if(rows, [&](std::size_t r) {
      if (options.totals && m.row_totals[r] != 0) return false;
      return std::all_of(m.cells[r].begin(), m.cells[r].end(), [](std::int64_t v) { return v == 0; });
    });
    m.omitted.empty_rows = before - rows.size();
  }
  std::vector<std::size_t> cols;
  for (std::size_t c = 0; c < m.cols.size(); ++c) {
    const bool empty = !(options.totals && m.col_totals[c] != 0) &&
                       std::all_of(rows.begin(), rows.end(), [&](std::size_t r) { return m.cells[r][c] == 0; });
    if (empty && !options.show_empty) ++m.omitted.empty_cols;
    else cols.push_back(c);
  }
  rows = ordered(std::move(rows), m.rows, m.row_totals, options.sort);
  cols = ordered(std::move(cols), m.cols, m.col_totals, options.sort);

  std::vector<std::vector<std::int64_t>> cells;
  cells.reserve(rows.size());
  for (auto r : rows) {
    std::vector<std::int64_t> line;
    line.reserve(cols.size());
    for (auto c : cols) line.push_back(m.cells[r][c]);
    cells.push_back(std::move(line));
  }
  auto pick = [](auto& list, const std::vector<std::size_t>& at) {
    std::remove_reference_t<decltype(list)> out;
    out.reserve(at.size());
    for (auto i : at) out.push_back(std::move(list[i]));
    list = std::move(out);
  };
  pick(m.rows, rows);
  pick(m.row_totals, rows);
  pick(m.cols, cols);
  pick(m.col_totals, cols);
  m.cells = std::move(cells);
  m.sorted_by = options.sort == SortBy::Total ? "total" : "name";
}

std::size_t cell_count(const Matrix& m) { return m.rows.size() * m.cols.size(); }

void keep_first_rows(Matrix& m, std::size_t rows) {
  if (rows >= m.rows.size()) return;
  m.omitted.limit_rows += m.rows.size() - rows;
  m.rows.resize(rows);
  m.row_totals.resize(rows);
  m.cells.resize(rows);
}

std::string omitted_note(const Matrix& m) {
  const auto& o = m.omitted;
  auto plural = [](std::size_t n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); };
  std::vector<std::string> parts;
  if (o.top_rows) parts.push_back(fmt::format("{} with smaller totals (--top)", plural(o.top_rows, "row")));
  if (o.empty_rows || o.empty_cols) {
    std::string what = o.empty_rows && o.empty_cols
                           ? fmt::format("{} and {}", plural(o.empty_rows, "row"), plural(o.empty_cols, "column"))
                           : o.empty_rows ? plural(o.empty_rows, "row") : plural(o.empty_cols, "column");
    parts.push_back(what + " of zeros (--show-empty shows them)");
  }
  if (o.limit_rows)
    parts.push_back(fmt::format("the last {} past the cell limit (--max-cells 0 shows every row; --csv or --json "
                                "give the whole matrix to other programs)",
                                plural(o.limit_rows, "row")));
  if (parts.empty()) return {};
  return fmt::format("Left out: {}.", fmt::join(parts, "; "));
}

}  // namespace cachedb
