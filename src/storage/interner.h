#pragma once
// Maps the distinct values of one dimension table (package, os, target...) to
// their ids, inserting new ones. Ids are cached in memory: a page repeats the
// same few values hundreds of times, and a corpus has only thousands of them.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include <SQLiteCpp/Database.h>
#include "storage/statement.h"

namespace cachedb {

class Interner {
 public:
  // `table` must have columns (id INTEGER PRIMARY KEY, name TEXT UNIQUE); it is
  // one of a fixed set of names from the code, never user text.
  Interner(SQLite::Database& db, const std::string& table);

  std::int64_t id(std::string_view name);

  static constexpr std::size_t kMaxCached = 1u << 16;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  SQLite::Database& db_;
  std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> cache_;
  Statement select_;
  Statement insert_;
};

}  // namespace cachedb
