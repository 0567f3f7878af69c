#pragma once
// What a report counts: --release and --filter DIM=VALUE, turned into one JSON
// parameter (:scope) that every matrix query reads with json_each. Values are
// never spliced into SQL text.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>

namespace cachedb {

struct Scope {
  // Values by singular dimension name, in the order given. Values of one
  // dimension are alternatives; different dimensions must all hold.
  std::map<std::string, std::vector<std::string>> values;

  // Adds a value of a dimension named singular or plural; throws Error for an
  // unknown dimension.
  void add(std::string_view dimension, std::string value);
  // Adds 'DIM=VALUE' (split at the first '='); throws Error when malformed.
  void add_filter(std::string_view filter);

  bool empty() const { return values.empty(); }
  // {"os":["rhel8"],"release":["develop"]}: the values as given.
  std::string json() const;
  // The :scope parameter of the queries: json(), but with target ranges
  // ('target=aarch64:') and families read as the target names they mean, by
  // Spack's microarchitecture tree (TargetTree): one "target" list, the names
  // both a target value and a family value allow when the scope has both.
  std::string query_json() const;
};

// Logs a warning for each value that matches nothing in the database (a typo,
// or a release not ingested yet), naming the nearest values there are; the
// report still runs. Returns how many.
int warn_unmatched(SQLite::Database& db, const Scope& scope);

}  // namespace cachedb
