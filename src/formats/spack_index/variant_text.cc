#include "formats/spack_index/variant_text.h"

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

namespace {

// The quote a value is written in ('\0' for none): parse_variant strips the
// quotes and keeps commas inside them.
char quote_of(std::string_view value) {
  if (value.find_first_of(" ,'\"\t") == std::string_view::npos && !value.empty()) return '\0';
  return value.find('\'') == std::string_view::npos ? '\'' : '"';
}

}  // namespace

void append_variant_value(std::string& text, std::string_view value, bool first) {
  if (!first) text += ',';
  const char q = quote_of(value);
  if (q) text += q;
  text += value;
  if (q) text += q;
}

std::size_t variant_value_bytes(std::string_view value, bool first) {
  return (first ? 0 : 1) + value.size() + (quote_of(value) ? 2 : 0);
}

std::string_view variant_name(std::string_view text) {
  if (!text.empty() && (text[0] == '+' || text[0] == '~')) return text.substr(1);
  return text.substr(0, text.find('='));
}

}  // namespace cachedb::spack_index
