#include "parsing/text_limits.h"

#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace cachedb {

namespace {

// Whether every byte is ASCII and none is NUL, eight at a time: the text of an
// index (every string it hands out passes here, millions of them) is nearly
// all ASCII, and two calls (memchr, then the UTF-8 check) cost more than this.
bool ascii_without_nul(std::string_view text) {
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL, kOnes = 0x0101010101010101ULL;
  const char* p = text.data();
  std::size_t n = text.size();
  if (n >= 8) {
    auto clean = [](const char* at) {
      std::uint64_t w;
      std::memcpy(&w, at, 8);
      return ((w & kHigh) | ((w - kOnes) & ~w & kHigh)) == 0;
    };
    for (; n > 8; p += 8, n -= 8)
      if (!clean(p)) return false;
    return clean(p + n - 8);  // the last eight bytes, overlapping those checked
  }
  // Shorter: a byte at a time (assembling a word from them stalls the load).
  unsigned bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    bad |= (c & 0x80u) | static_cast<unsigned>(c == 0);
  }
  return bad == 0;
}

}  // namespace

std::optional<std::string> text_problem(std::string_view text, std::size_t max_bytes) {
  if (text.empty()) return std::nullopt;  // (memchr on a null pointer is undefined, even for 0 bytes)
  if (text.size() > max_bytes) return fmt::format("is {} bytes, over the {}-byte limit", text.size(), max_bytes);
  if (ascii_without_nul(text)) return std::nullopt;
  if (std::memchr(text.data(), '\0', text.size())) return std::string("contains a NUL character");
  if (!is_valid_utf8(text)) return std::string("is not valid UTF-8");
  return std::nullopt;
}

}  // namespace cachedb
