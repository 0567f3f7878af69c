#include "report/dimension.h"

#include <fmt/format.h>

#include "error.h"

namespace cachedb {
namespace {

// Scalar dimensions are columns of release_spec (copied from spec there, so no
// join to spec is needed); the key is the small id and the value its name.
// Stacks are keyed by the stack set, expanded to stacks only after the facts
// have been aggregated, so the expansion runs over a few thousand rows rather
// than a million. Versions are per spec, in spec_version.
// A target's family comes from Spack's microarchitecture tree (TargetTree),
// which the queries that have a family dimension take as the parameter
// :families ({"TARGET": "FAMILY"}); a target the tree does not know is its own.
// --filter family=... never reaches SQL as such: Scope::query_json reads it as
// the targets of the family, and so do `exists` and `names` here (the warning
// on a value that matches nothing maps target names to families itself).
#define CACHEDB_FAMILY_OF_TARGET \
  "(SELECT t.id, coalesce((SELECT f.value FROM json_each(:families) f WHERE f.key = t.name), t.name) AS name " \
  "FROM target t)"

const std::vector<Dimension> kDimensions = {
    {"stack", "stacks", "stacks", true, "stack_set_id",
     "JOIN stack_set_member {m} ON {m}.stack_set_id = {k} "
     "JOIN stack {v} ON {v}.id = {m}.stack_id AND (:include_root OR {v}.name <> 'root')",
     "SELECT 1 FROM stack WHERE name = ?", "SELECT name FROM stack"},
    {"target", "targets", "targets", false, "target_id", "JOIN target {v} ON {v}.id = {k}",
     "SELECT 1 FROM target WHERE name = ?", "SELECT name FROM target"},
    {"family", "families", "families", false, "target_id", "JOIN " CACHEDB_FAMILY_OF_TARGET " {v} ON {v}.id = {k}",
     "SELECT 1 FROM target WHERE name = ?", "SELECT name FROM target"},
    {"os", "oss", "os", false, "os_id", "JOIN os {v} ON {v}.id = {k}", "SELECT 1 FROM os WHERE name = ?",
     "SELECT name FROM os"},
    {"platform", "platforms", "platforms", false, "platform_id", "JOIN platform {v} ON {v}.id = {k}",
     "SELECT 1 FROM platform WHERE name = ?", "SELECT name FROM platform"},
    {"compiler", "compilers", "compilers", false, "compiler_id",
     "JOIN (SELECT id, label AS name FROM compiler) {v} ON {v}.id = {k}",
     "SELECT 1 FROM compiler WHERE label = ?", "SELECT label FROM compiler"},
    {"release", "releases", "releases", false, "release_id", "JOIN release {v} ON {v}.id = {k}",
     "SELECT 1 FROM release WHERE name = ?", "SELECT name FROM release"},
    {"package", "packages", "packages", false, "package_id", "JOIN package {v} ON {v}.id = {k}",
     "SELECT 1 FROM package WHERE name = ?", "SELECT name FROM package"},
    {"version", "versions", "versions", true, "spec_id",
     "JOIN (SELECT spec_id, version AS name FROM spec_version) {v} ON {v}.spec_id = {k}",
     "SELECT 1 FROM spec_version WHERE version = ?", "SELECT DISTINCT version FROM spec_version"},
};

#undef CACHEDB_FAMILY_OF_TARGET

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
