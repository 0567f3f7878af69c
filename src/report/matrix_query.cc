#include "report/matrix_query.h"

#include <algorithm>

#include <fmt/format.h>

#include "error.h"
#include "storage/embedded_sql.h"

namespace cachedb {
namespace {

constexpr std::string_view kBegin = "-- scope:begin\n", kEnd = "-- scope:end\n";

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// A dimension's expansion joins, with its key and aliases filled in.
std::string expand(const Dimension& d, std::string_view key, std::string_view side) {
  auto sql = replace_all(std::string(d.expand), "{k}", key);
  sql = replace_all(std::move(sql), "{v}", fmt::format("{}_v", side));
  return replace_all(std::move(sql), "{m}", fmt::format("{}_m", side));
}

// A side's values joined to the facts, LEFT: an item with no value on one
// side (a spec with no version) still counts in the other side's totals, as
// the canned queries count it, and the row it is in is one of zeros, which
// --show-empty shows. The stack side stays an inner join: a spec in the root
// pseudo-stack alone is out of the scope, not a spec without a stack.
std::string side_join(const Dimension& d, std::string_view key, std::string_view side) {
  std::string sql = expand(d, key, side);
  if (d.name != "stack" && sql.starts_with("JOIN ")) sql.insert(0, "LEFT ");
  return sql;
}

std::vector<CannedMatrix> load_canned() {
  std::vector<CannedMatrix> out;
  for (const auto& f : embedded_sql()) {
    constexpr std::string_view dir = "queries/", ext = ".sql";
    if (!f.name.starts_with(dir) || !f.name.ends_with(ext)) continue;
    const auto name = f.name.substr(dir.size(), f.name.size() - dir.size() - ext.size());
    if (name.find("-by-") == std::string_view::npos) continue;  // scope.sql and other helpers
    const auto [rows, cols] = parse_matrix_name(name);
    // The first line is '-- <name>: <description>'.
    const auto first = f.text.substr(0, f.text.find('\n'));
    const auto prefix = fmt::format("-- {}: ", name);
    if (!first.starts_with(prefix))
      throw Error(fmt::format("queries/{}.sql: the first line must be '{}<description>'", name, prefix));
    out.push_back({std::string(name), std::string(first.substr(prefix.size())), rows, cols, f.text});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace

const std::vector<CannedMatrix>& canned_matrices() {
  static const std::vector<CannedMatrix> canned = load_canned();
  return canned;
}

const CannedMatrix* find_canned(const Dimension& rows, const Dimension& cols) {
  for (const auto& m : canned_matrices())
    if (m.rows == &rows && m.cols == &cols) return &m;
  return nullptr;
}

std::string_view scope_block() {
  static const std::string_view block = [] {
    const auto text = find_embedded_sql("queries/scope.sql");
    if (!text) throw Error("queries/scope.sql is not embedded");
    const auto begin = text->find(kBegin), end = text->find(kEnd);
    if (begin == std::string_view::npos || end == std::string_view::npos || end < begin)
      throw Error("queries/scope.sql: no '-- scope:begin' ... '-- scope:end' block");
    return text->substr(begin, end + kEnd.size() - begin);
  }();
  return block;
}

std::string generic_matrix_sql(const Dimension& rows, const Dimension& cols) {
  if (&rows == &cols) throw Error(fmt::format("a matrix needs two different dimensions, not {} twice", rows.name));
  // Exact for every pair and both counts, at the price of distinct passes over
  // all facts; the canned queries are the tuned ones. First the releases of an
  // item collapse onto its (row key, column key) pairs, then keys expand to
  // values (a stack set to its stacks, a spec to its versions), then each
  // count is of distinct items, so a spec in two stacks is one spec in a total.
  //
  // Without a release dimension the facts are read from the three views of the
  // scope (only one of which has rows for a given scope): over every release
  // that is one row per spec from spec, its stacks all_stack_set_id, which
  // expands to the same (value, value, item) triples as the spec's fact rows do
  // (the union of its sets). spec has no release_id, so with a release
  // dimension the facts are `scoped` itself.
  const bool by_release = rows.name == "release" || cols.name == "release";
  const auto facts_from = [&](std::string_view select, std::string_view view) {
    return fmt::format(
        "  {} CASE WHEN :count_packages THEN package_id ELSE spec_id END AS item, {} AS rk, {} AS ck\n"
        "  FROM {}\n",
        select, rows.key, cols.key, view);
  };
  // UNION, not UNION ALL: it is the DISTINCT.
  const std::string facts =
      by_release ? facts_from("SELECT DISTINCT", "scoped")
                 : fmt::format("{}  UNION\n{}  UNION\n{}", facts_from("SELECT", "scoped_specs"),
                               facts_from("SELECT", "scoped_release"), facts_from("SELECT", "scoped_releases"));
  return fmt::format(
      "-- generic: {rows_name} by {cols_name}\n"
      "WITH\n{scope},\n"
      "facts AS MATERIALIZED (\n"
      "{facts}"
      "),\n"
      "pairs AS MATERIALIZED (\n"
      "  SELECT DISTINCT r_v.name AS row_value, c_v.name AS col_value, f.item\n"
      "  FROM facts f\n"
      "  {rexpand}\n"
      "  {cexpand}\n"
      ")\n"
      "SELECT row_value, col_value, count(*) FROM pairs\n"
      "  WHERE row_value IS NOT NULL AND col_value IS NOT NULL GROUP BY row_value, col_value\n"
      "UNION ALL SELECT row_value, NULL, count(DISTINCT item) FROM pairs WHERE row_value IS NOT NULL GROUP BY row_value\n"
      "UNION ALL SELECT NULL, col_value, count(DISTINCT item) FROM pairs WHERE col_value IS NOT NULL GROUP BY col_value\n"
      "UNION ALL SELECT NULL, NULL, count(DISTINCT item) FROM pairs\n",
      fmt::arg("rows_name", rows.name), fmt::arg("cols_name", cols.name), fmt::arg("scope", scope_block()),
      fmt::arg("facts", facts),
      fmt::arg("rexpand", side_join(rows, "f.rk", "r")), fmt::arg("cexpand", side_join(cols, "f.ck", "c")));
}

std::string values_sql(const Dimension& d) {
  // As the generic matrix's facts, with one key: a spec's releases collapse
  // onto its key (over the three views of the scope, only one of which has
  // rows), then the key expands to values and each value counts its specs.
  const bool by_release = d.name == "release";
  const auto facts_from = [&](std::string_view view) {
    return fmt::format("  SELECT spec_id AS item, {} AS k FROM {}\n", d.key, view);
  };
  const std::string facts = by_release ? facts_from("scoped")
                                       : fmt::format("{}  UNION\n{}  UNION\n{}", facts_from("scoped_specs"),
                                                     facts_from("scoped_release"), facts_from("scoped_releases"));
  return fmt::format(
      "-- values: {name}\n"
      "WITH\n{scope},\n"
      "facts AS MATERIALIZED (\n"
      "{facts}"
      "),\n"
      "pairs AS MATERIALIZED (\n"
      "  SELECT DISTINCT v_v.name AS value, f.item FROM facts f\n"
      "  {expand}\n"
      ")\n"
      "SELECT value AS {name}, count(*) AS specs FROM pairs GROUP BY value ORDER BY value\n",
      fmt::arg("name", d.name), fmt::arg("scope", scope_block()), fmt::arg("facts", facts),
      fmt::arg("expand", expand(d, "f.k", "v")));
}

}  // namespace cachedb
