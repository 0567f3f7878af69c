#pragma once
// "Did you mean": the values nearest a misspelt one, by edit distance.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cachedb {

// Levenshtein distance: the fewest one-character insertions, deletions and
// substitutions (of bytes) that turn `a` into `b`.
std::size_t edit_distance(std::string_view a, std::string_view b);

// Up to `most` of `candidates` nearest to `value`, nearest first (ties by
// name), leaving out those too far to be a slip: more edits than a third of the
// longer name, and at least 2 allowed; then, while there is room, those that
// begin with `value` and a separator (-@._/), newest first as Spack orders
// versions ('develop' finds the newest develop-YYYY-MM-DD). A candidate equal
// to `value` is never proposed.
std::vector<std::string> nearest(std::string_view value, const std::vector<std::string>& candidates,
                                 std::size_t most = 3);

}  // namespace cachedb
