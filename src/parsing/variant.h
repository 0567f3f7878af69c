#pragma once
// Variants in Spack's spec syntax, as pages list them:
//   +x / ~x        boolean, value 'true' / 'false'
//   ++x / ~~x      boolean propagated to dependencies
//   k=v, k=a,b     single- or multi-valued; one value per comma-separated item
//   k==v           propagated to dependencies
//   k:=v           ':=' pins the exact set of values
//   k='a b'        quotes are syntax, not part of the value
#include <string>
#include <string_view>
#include <vector>

namespace cachedb {

struct Variant {
  std::string name;
  std::vector<std::string> values;
  bool propagate = false;
  bool exact = false;
};

// Throws ParseError (line 0) when the text is not a variant (empty name, empty
// value list, unbalanced quote).
Variant parse_variant(std::string_view text);

}  // namespace cachedb
