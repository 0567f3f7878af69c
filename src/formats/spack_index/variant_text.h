#pragma once
// A node's `parameters` written as Spack writes variants, and so as cache
// pages list them: `+x` / `~x` for booleans, `k=v` for one value, `k=a,b` for
// several; the value, all of it joined, in quotes when Spack would quote it
// (anything but letters, digits and `,/_.-`: `languages='c,c++,fortran'`,
// `build_type='dm+sm'`), and a patch by the first 7 characters of its sha256.
// One spec read from a page and from an index then has the same variants.
#include <cstddef>
#include <string>
#include <string_view>

namespace cachedb::spack_index {

// The compiler-flag lists that share `parameters` with the variants.
bool is_compiler_flag(std::string_view parameter);

std::string bool_variant(std::string_view name, bool value);

// The text of one value of variant `name` as Spack prints it in a list ("patches" are shortened).
std::string_view printed_value(std::string_view name, std::string_view value);

// Whether Spack quotes a variant's (joined) value: when it is empty or has a
// character other than a letter, a digit or one of ",/_.-".
bool needs_quotes(std::string_view joined);

// Quotes text[value_at..] in place when needs_quotes() says so: in single
// quotes, or, when it holds one, in double quotes with the JSON escapes
// Spack's quote_if_needed gives it.
void quote_variant_value(std::string& text, std::size_t value_at);

// The name a variant text sorts by: "x" for "+x", "k" for "k=v".
std::string_view variant_name(std::string_view text);

}  // namespace cachedb::spack_index
