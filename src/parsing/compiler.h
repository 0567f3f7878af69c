#pragma once
// Compiler strings as pages write them: 'gcc@=11.4.0', 'gcc@11.4.0', or 'none'
// (Spack 1.0 made compilers dependencies, so newer pages name none).
#include <string>
#include <string_view>

namespace cachedb {

struct Compiler {
  std::string name;     // 'gcc'; 'none' when the spec names no compiler
  std::string version;  // '11.4.0'; empty when none is given
  // How reports show it: 'gcc@11.4.0', 'gcc' or 'none'.
  std::string label() const { return version.empty() ? name : name + "@" + version; }
};

// Splits a compiler string; '@=' (exact version) and '@' mean the same here.
// Throws ParseError (line 0) on an empty name.
Compiler parse_compiler(std::string_view text);

}  // namespace cachedb
