#include "formats/spack_index/variant_text.h"

namespace cachedb::spack_index {

bool is_compiler_flag(std::string_view p) {
  return p == "cflags" || p == "cxxflags" || p == "fflags" || p == "cppflags" || p == "ldflags" || p == "ldlibs";
}

std::string bool_variant(std::string_view name, bool value) {
  std::string text(1, value ? '+' : '~');
  text += name;
  return text;
}

void append_variant_value(std::string& text, std::string_view value, bool first) {
  if (!first) text += ',';
  const bool plain = value.find_first_of(" ,'\"\t") == std::string_view::npos && !value.empty();
  if (plain) {
    text += value;
    return;
  }
  // Quoted: parse_variant strips the quotes and keeps commas inside them.
  const char q = value.find('\'') == std::string_view::npos ? '\'' : '"';
  text += q;
  text += value;
  text += q;
}

std::string_view variant_name(std::string_view text) {
  if (!text.empty() && (text[0] == '+' || text[0] == '~')) return text.substr(1);
  return text.substr(0, text.find('='));
}

}  // namespace cachedb::spack_index
