#include "formats/spack_index/variant_text.h"

#include <cstdint>

#include <fmt/format.h>

#include "util/equals_literal.h"

namespace cachedb::spack_index {

bool is_compiler_flag(std::string_view p) {
  return equals_literal(p, "cflags") || equals_literal(p, "cxxflags") || equals_literal(p, "fflags") ||
         equals_literal(p, "cppflags") || equals_literal(p, "ldflags") || equals_literal(p, "ldlibs");
}

std::string bool_variant(std::string_view name, bool value) {
  std::string text(1, value ? '+' : '~');
  text += name;
  return text;
}

std::string_view printed_value(std::string_view name, std::string_view value) {
  // Spack prints a patch by the start of its sha256, not all 64 characters.
  return equals_literal(name, "patches") ? value.substr(0, 7) : value;
}

bool needs_quotes(std::string_view joined) {
  if (joined.empty()) return true;
  for (const char c : joined) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ',' ||
                       c == '/' || c == '_' || c == '.' || c == '-';
    if (!plain) return true;
  }
  return false;
}

namespace {

// Python's json.dumps of a str (ensure_ascii): what Spack writes for a value
// holding a single quote. The text is valid UTF-8 (the reader checks it).
std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20) out += fmt::format("\\u{:04x}", c);
          else out += static_cast<char>(c);
      }
      continue;
    }
    const int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
    std::uint32_t cp = c & (0x3Fu >> extra);
    for (int k = 1; k <= extra && i + static_cast<std::size_t>(k) < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3Fu);
    i += static_cast<std::size_t>(extra) + 1;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
    } else {
      out += fmt::format("\\u{:04x}", cp);
    }
  }
  out += '"';
  return out;
}

}  // namespace

void quote_variant_value(std::string& text, std::size_t value_at) {
  const std::string_view value = std::string_view(text).substr(value_at);
  if (!needs_quotes(value)) return;
  if (value.find('\'') != std::string_view::npos) {
    std::string quoted = json_string(value);
    text.replace(value_at, std::string::npos, quoted);
    return;
  }
  text.insert(value_at, 1, '\'');
  text += '\'';
}

std::string_view variant_name(std::string_view text) {
  if (!text.empty() && (text[0] == '+' || text[0] == '~')) return text.substr(1);
  return text.substr(0, text.find('='));
}

}  // namespace cachedb::spack_index
