#pragma once
// How many specs, and strings in their lists, a large spec_details holds,
// counted before it is read so that the reader makes room for exactly them.
#include <cstddef>
#include <string_view>

namespace cachedb {

// The smallest spec that is accepted, {"hash":"h","os":"","platform":"","target":"","stacks":[]},
// is 55 bytes with its comma: no value holds more than size / 55 + 1 specs.
constexpr std::size_t kMinSpecBytes = 55;

struct SpecDetailsCount {
  std::size_t specs = 0, items = 0;
};

// The specs and list items of `value`, the JSON text of a page's spec_details.
// Exact for valid JSON whose key names are written without escapes (as every
// page is); never fewer than the reader keeps for any valid JSON; on broken
// JSON a guess, no more specs than the value could hold.
SpecDetailsCount count_spec_details(std::string_view value);

}  // namespace cachedb
