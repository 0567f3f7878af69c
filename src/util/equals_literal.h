#pragma once
// `text == literal`, with the literal's length known where it is compared:
// a few loads instead of a call to memcmp (std::string_view's == passes the
// length it checked as a variable). For the keys every record of an index is
// matched against, millions of times.
#include <cstddef>
#include <cstring>
#include <string_view>

namespace cachedb {

template <std::size_t N>
inline bool equals_literal(std::string_view text, const char (&literal)[N]) {
  return text.size() == N - 1 && std::memcmp(text.data(), literal, N - 1) == 0;
}

}  // namespace cachedb
