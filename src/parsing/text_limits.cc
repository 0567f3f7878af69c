#include "parsing/text_limits.h"

#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace cachedb {

std::optional<std::string> text_problem(std::string_view text, std::size_t max_bytes) {
  if (text.empty()) return std::nullopt;  // (memchr on a null pointer is undefined, even for 0 bytes)
  if (text.size() > max_bytes) return fmt::format("is {} bytes, over the {}-byte limit", text.size(), max_bytes);
  if (std::memchr(text.data(), '\0', text.size())) return std::string("contains a NUL character");
  if (!is_valid_utf8(text)) return std::string("is not valid UTF-8");
  return std::nullopt;
}

}  // namespace cachedb
