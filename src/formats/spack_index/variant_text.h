#pragma once
// A node's `parameters` written as Spack writes variants, and so as cache
// pages list them: `+x` / `~x` for booleans, `k=v` for one value, `k:=a,b` for
// a list (as Spack 1.0 on prints it); the value, all of it joined, in quotes
// when Spack would quote it
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

// Quotes text[value_at..] in place as Spack would (parsing/variant.h quoted_value).
void quote_variant_value(std::string& text, std::size_t value_at);

// The name a variant text sorts by: "x" for "+x", "k" for "k=v" and "k:=a,b".
std::string_view variant_name(std::string_view text);

// A parameter that gives no variant (null, an empty list), held among the
// record's variants until it ends: named after a variant of its name, it
// drops that one, as the last of a name is the node's. `name` becomes the mark.
void mark_no_variant(std::string& name);
bool is_no_variant(std::string_view text);

}  // namespace cachedb::spack_index
