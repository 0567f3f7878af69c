#pragma once
// UTF-8 validity, for text read from files (names, JSON values) and for paths
// that must become TEXT in the database.
#include <cstddef>
#include <optional>
#include <string_view>

namespace cachedb {

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or
// code points above U+10FFFF).
bool is_valid_utf8(std::string_view text);
// The offset of the first byte that does not start a valid UTF-8 sequence, or
// nothing when all of `text` is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

}  // namespace cachedb
