#pragma once
// The dimensions a matrix can have (stack, target, os, ...), as one fixed table,
// generated at build time from queries/dimensions.toml (scripts/gen_queries.py).
// Every piece of SQL a generic matrix or a scope is made of comes from this
// table, never from the user's text: users only choose rows of it by name.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cachedb {

struct Dimension {
  std::string_view name;    // singular, as in CSV headers and --filter: 'stack'
  std::string_view plural;  // 'stacks'; also accepted wherever a name is
  std::string_view title;   // how matrix names spell it as rows: 'stacks', but 'os'
  // SQL over the CTE `scoped` (one row per spec per release in scope, with the
  // columns of release_spec): a small integer key per row...
  std::string_view key;
  // ...and the joins turning that key, spelled {k}, into the value {v}.value.
  // {v} and {m} are replaced by aliases unique to the row or column side.
  std::string_view expand;
  // Does some release row hold the value (its table keeps names no row
  // holds any more)? One bound parameter; for the warning on a --filter
  // value that matches nothing.
  std::string_view exists;
  // Every value a release row holds, once each, one a row (not in order):
  // the candidates a warning suggests for a value that matches nothing.
  std::string_view names;
};

// Every dimension, in the order the README lists them.
const std::vector<Dimension>& dimensions();

// By singular or plural name ('stack', 'stacks', 'os', 'oss'); nullptr if none.
const Dimension* find_dimension(std::string_view name);

// Same, but throws Error naming the known dimensions.
const Dimension& dimension(std::string_view name);

// 'stacks-by-target', 'os-by-targets', 'stack-by-platform' -> (rows, columns).
// Throws Error for an unknown dimension, a malformed name or twice the same one.
std::pair<const Dimension*, const Dimension*> parse_matrix_name(std::string_view name);

// The one spelling of a matrix: '<row title>-by-<column name>', e.g. 'stacks-by-target'.
std::string matrix_name(const Dimension& rows, const Dimension& cols);

}  // namespace cachedb
