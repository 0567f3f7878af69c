#pragma once
// Variants in Spack's spec syntax, as pages list them:
//   +x / ~x        boolean, value 'true' / 'false'
//   ++x / ~~x      boolean propagated to dependencies
//   k=v, k=a,b     single- or multi-valued; one value per comma-separated item
//   k==v           propagated to dependencies
//   k:=v           ':=' pins the exact set of values
//   k='a b'        quotes are syntax, not part of the value; every comma
//                  separates values, inside quotes too (k='a,b+' is a, b+)
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

// What Spack prints of a variant's values, all of them joined by commas
// (its quote_if_needed): as it is when it has only letters, digits and
// ",/_.-"; else in single quotes ('dm+sm', 'c,c++,fortran'), or in double
// quotes with JSON's escapes when it holds a single quote.
bool needs_quotes(std::string_view joined);
std::string quoted_value(std::string_view joined);

// One value as Spack prints it in variant `name`: a patch by the first 7
// characters of its sha256, any other value whole.
std::string_view printed_value(std::string_view name, std::string_view value);

}  // namespace cachedb
