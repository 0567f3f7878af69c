#pragma once
// A node's `parameters` written as the variants cache pages list: `+x` / `~x`
// for booleans, `k=v` for one value, `k=a,b` for several. Values that Spack
// would quote (a space, a comma, a quote) are quoted the way parse_variant
// reads them back, so one spec read from a page and from an index has the
// same variants.
#include <cstddef>
#include <string>
#include <string_view>

namespace cachedb::spack_index {

// The compiler-flag lists that share `parameters` with the variants.
bool is_compiler_flag(std::string_view parameter);

std::string bool_variant(std::string_view name, bool value);

// Appends one value to `text` ("k=" or "k=a"), with a comma when it is not the first.
void append_variant_value(std::string& text, std::string_view value, bool first);

// How many bytes append_variant_value adds: a list's length is held to its
// limit even where its text is not built.
std::size_t variant_value_bytes(std::string_view value, bool first);

// The name a variant text sorts by: "x" for "+x", "k" for "k=v".
std::string_view variant_name(std::string_view text);

}  // namespace cachedb::spack_index
