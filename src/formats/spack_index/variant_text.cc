#include "formats/spack_index/variant_text.h"

#include "parsing/variant.h"
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

void quote_variant_value(std::string& text, std::size_t value_at) {
  const std::string_view value = std::string_view(text).substr(value_at);
  if (!needs_quotes(value)) return;
  std::string quoted = quoted_value(value);
  text.replace(value_at, std::string::npos, quoted);
}

// "=name": no variant's text starts with '=' (the reader refuses names that are empty or hold '=').
void mark_no_variant(std::string& name) { name.insert(0, 1, '='); }

bool is_no_variant(std::string_view text) { return !text.empty() && text[0] == '='; }

std::string_view variant_name(std::string_view text) {
  if (is_no_variant(text)) return text.substr(1);
  if (!text.empty() && (text[0] == '+' || text[0] == '~')) return text.substr(1);
  std::string_view name = text.substr(0, text.find('='));
  if (!name.empty() && name.back() == ':') name.remove_suffix(1);  // k:=a,b
  return name;
}

}  // namespace cachedb::spack_index
