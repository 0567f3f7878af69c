#include "parsing/variant.h"

#include <cstdint>

#include <fmt/format.h>

#include "error.h"

namespace cachedb {
namespace {

[[noreturn]] void fail(std::string_view text, const char* why) {
  throw ParseError(0, "variant '" + std::string(text) + "': " + why);
}

// Splits a variant's value into its values, as Spack reads it: quotes are
// syntax, never part of a value ('dm+sm' is dm+sm; inside them \' or \" is
// the quote itself), and every comma separates two values, inside quotes too
// (Spack quotes a list's values joined: languages='c,c++,fortran' is three).
std::vector<std::string> split_values(std::string_view whole, std::string_view value) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char ch = value[i];
    // \' inside quotes is the quote itself, but not as the value's last
    // character: Spack quotes a value ending in a backslash as 'a\', which
    // closes there.
    if (quote && ch == '\\' && i + 2 < value.size() && value[i + 1] == quote) {
      cur += quote;
      ++i;
    } else if (quote && ch == quote) {
      quote = 0;
    } else if (!quote && (ch == '\'' || ch == '"')) {
      quote = ch;
    } else if (ch == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += ch;
    }
  }
  if (quote) fail(whole, "unbalanced quote");
  out.push_back(std::move(cur));
  return out;
}

}  // namespace

Variant parse_variant(std::string_view text) {
  Variant v;
  if (text.empty()) fail(text, "empty");
  if (text[0] == '+' || text[0] == '~') {
    const char sign = text[0];
    std::string_view name = text.substr(1);
    if (!name.empty() && name[0] == sign) {
      v.propagate = true;
      name.remove_prefix(1);
    }
    if (name.empty()) fail(text, "boolean variant without a name");
    v.name.assign(name);
    v.values.emplace_back(sign == '+' ? "true" : "false");
    return v;
  }
  auto eq = text.find('=');
  if (eq == std::string_view::npos) fail(text, "neither '+name', '~name' nor 'name=value'");
  std::string_view name = text.substr(0, eq);
  std::string_view value = text.substr(eq + 1);
  if (!name.empty() && name.back() == ':') {
    v.exact = true;
    name.remove_suffix(1);
  } else if (!value.empty() && value.front() == '=') {
    v.propagate = true;
    value.remove_prefix(1);
  }
  if (name.empty()) fail(text, "no name before '='");
  v.name.assign(name);
  v.values = split_values(text, value);
  return v;
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

// Python's json.dumps of a str (ensure_ascii), which Spack writes for a value
// holding a single quote. The text is valid UTF-8 (what cachedb stores is).
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

std::string quoted_value(std::string_view joined) {
  if (!needs_quotes(joined)) return std::string(joined);
  if (joined.find('\'') != std::string_view::npos) return json_string(joined);
  std::string out;
  out.reserve(joined.size() + 2);
  out += '\'';
  out += joined;
  out += '\'';
  return out;
}

std::string_view printed_value(std::string_view name, std::string_view value) {
  return name == "patches" ? value.substr(0, 7) : value;
}

}  // namespace cachedb
