#pragma once
// The YAML front matter of a cache.spack.io page: the lines between a leading
// '---' and the next '---'. Pages use a small subset of YAML: one 'key: value'
// per top-level key, where a value is a quoted or bare scalar, a flow list, or a
// JSON document (meta, spec_details). Only that subset is read; a value runs
// until the next top-level key, so multi-line JSON is tolerated too.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cachedb {

struct FrontMatterField {
  std::string_view key;
  std::string_view value;  // raw text, trimmed; may span several lines
  std::size_t line = 0;    // 1-based line of the key
  // The line where the value runs on into a second line (one that is neither
  // 'key: value', blank nor a comment), 0 when none; a value may start on the
  // line after its key. JSON may span lines; a one-line field that runs on
  // holds junk (a corrupt page).
  std::size_t runs_on = 0;
};

struct FrontMatter {
  std::vector<FrontMatterField> fields;
  const FrontMatterField* find(std::string_view key) const;
};

// Splits the front matter of `text` (a UTF-8 BOM and CRLF line ends are fine).
// Returns nothing when the text does not open with '---'; throws ParseError
// when the front matter never closes or its first line is not 'key: value'.
// Blank and comment lines after a value are not part of it.
std::optional<FrontMatter> split_front_matter(std::string_view text);

// A YAML scalar: "double quoted" (with escapes), 'single quoted' or bare.
std::string yaml_scalar(std::string_view raw);

// A YAML flow list of scalars: [a, "b", 'c']. Throws ParseError (line 0) when
// `raw` is not a flow list.
std::vector<std::string> yaml_flow_list(std::string_view raw);

}  // namespace cachedb
