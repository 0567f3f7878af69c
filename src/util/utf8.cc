#include "util/utf8.h"

#include <cstdint>
#include <cstring>

namespace cachedb {

bool is_valid_utf8(std::string_view text) { return !first_invalid_utf8(text); }

std::size_t control_at(std::string_view text, std::size_t at) {
  const auto c = static_cast<unsigned char>(text[at]);
  if (c < 0x20 || c == 0x7f) return 1;
  if (c == 0xc2 && at + 1 < text.size() && static_cast<unsigned char>(text[at + 1]) >= 0x80 &&
      static_cast<unsigned char>(text[at + 1]) < 0xa0)
    return 2;
  return 0;
}

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // Pages are almost all ASCII: skip it eight bytes at a time.
    if (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, s + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
    else return i;  // a continuation byte first, or C0/C1/F5..FF
    if (n - i < len) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return i;  // overlong
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::nullopt;
}

std::string storable_text(std::string_view raw) {
  if (is_valid_utf8(raw)) return std::string(raw);
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    // Keep each valid sequence of up to four bytes; replace any other byte.
    std::size_t len = 1;
    while (len <= 4 && i + len <= raw.size() && !is_valid_utf8(raw.substr(i, len))) ++len;
    if (len <= 4 && i + len <= raw.size()) {
      out.append(raw, i, len);
      i += len - 1;
    } else {
      out += kReplacementCharacter;
    }
  }
  return out;
}

}  // namespace cachedb
