#include "report/dimension.h"

#include <fmt/format.h>

#include "error.h"

namespace cachedb {
namespace {

// Written at build time from queries/dimensions.toml, the one description of
// the dimensions the canned report SQL is generated from too: a dimension's
// key and value there are the ones the generic query and the scope use here.
// A family's values are looked up as targets: --filter family=... never
// reaches SQL as such, Scope::query_json reads it as the targets of the family
// (and the warning on a value that matches nothing maps them to families).
const std::vector<Dimension> kDimensions = {
#include "dimension_table.inc"
};

std::string known_names() {
  std::vector<std::string_view> names;
  for (const auto& d : kDimensions) names.push_back(d.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

const std::vector<Dimension>& dimensions() { return kDimensions; }

const Dimension* find_dimension(std::string_view name) {
  for (const auto& d : kDimensions)
    if (name == d.name || name == d.plural || name == d.title) return &d;
  return nullptr;
}

const Dimension& dimension(std::string_view name) {
  if (const auto* d = find_dimension(name)) return *d;
  throw Error(fmt::format("unknown dimension '{}' (known: {}; plurals work too)", name, known_names()));
}

std::pair<const Dimension*, const Dimension*> parse_matrix_name(std::string_view name) {
  constexpr std::string_view by = "-by-";
  const auto at = name.find(by);
  if (at == std::string_view::npos)
    throw Error(fmt::format("unknown matrix '{}': expected ROWS-by-COLUMNS, e.g. stacks-by-target "
                            "(dimensions: {}; see 'cachedb report --list')",
                            name, known_names()));
  const auto* rows = find_dimension(name.substr(0, at));
  const auto* cols = find_dimension(name.substr(at + by.size()));
  if (!rows || !cols)
    throw Error(fmt::format("unknown matrix '{}': unknown dimension '{}' (known: {}; plurals work too)", name,
                            rows ? name.substr(at + by.size()) : name.substr(0, at), known_names()));
  if (rows == cols) throw Error(fmt::format("matrix '{}' has the same dimension twice", name));
  return {rows, cols};
}

std::string matrix_name(const Dimension& rows, const Dimension& cols) {
  return fmt::format("{}-by-{}", rows.title, cols.name);
}

}  // namespace cachedb
