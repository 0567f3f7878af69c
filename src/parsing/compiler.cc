#include "parsing/compiler.h"

#include "error.h"

namespace cachedb {

Compiler parse_compiler(std::string_view text) {
  Compiler c;
  auto at = text.find('@');
  std::string_view name = text.substr(0, at);
  std::string_view version;
  if (at != std::string_view::npos) {
    version = text.substr(at + 1);
    if (!version.empty() && version.front() == '=') version.remove_prefix(1);
  }
  if (name.empty()) throw ParseError(0, "compiler '" + std::string(text) + "' has no name");
  c.name.assign(name);
  c.version.assign(version);
  return c;
}

}  // namespace cachedb
