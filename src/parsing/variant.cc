#include "parsing/variant.h"

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
    if (quote && ch == '\\' && i + 1 < value.size() && value[i + 1] == quote) {
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

}  // namespace cachedb
