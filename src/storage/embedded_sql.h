#pragma once
// SQL files compiled into the binary (see scripts/embed_sql.py).
#include <optional>
#include <string_view>
#include <vector>

namespace cachedb {

struct EmbeddedSql {
  std::string_view name;  // "<folder>/<file>", e.g. "queries/stacks-by-target.sql"
  std::string_view text;
};

// All embedded files, sorted by name.
const std::vector<EmbeddedSql>& embedded_sql();

// The text of one embedded file, or nothing when there is no such file.
inline std::optional<std::string_view> find_embedded_sql(std::string_view name) {
  for (const auto& f : embedded_sql())
    if (f.name == name) return f.text;
  return std::nullopt;
}

// The text of an embedded file the code names itself (a missing one is a
// fault of the build, not of the input).
std::string_view required_sql(std::string_view name);

}  // namespace cachedb
