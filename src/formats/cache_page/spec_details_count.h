#pragma once
// How many specs, and strings in their lists, a large spec_details holds,
// counted before it is read so that the reader makes room for exactly them.
#include <cstddef>
#include <string_view>

namespace cachedb {

// Fewer bytes than any accepted spec takes: the smallest,
// {"hash":"h","os":"","platform":"","target":"","stacks":[]}, is 59 with its
// comma. No value that is accepted holds more than size / 55 + 1 specs.
constexpr std::size_t kMinSpecBytes = 55;

struct SpecDetailsCount {
  std::size_t specs = 0, items = 0;
};

// The specs and list items of `value`, the JSON text of a page's spec_details.
// Exact for a page that is accepted and whose key names are written without
// escapes (as every page is); never fewer than the reader keeps of a page it
// accepts; on any other text a guess, held to what an accepted page of its
// size could hold (the room made is never more than 4/3 of the value).
SpecDetailsCount count_spec_details(std::string_view value);

}  // namespace cachedb
