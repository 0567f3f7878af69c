#pragma once
// Maps the distinct values of one dimension table (package, os, target...) to
// their ids, inserting new ones. Ids are cached in memory: a page repeats the
// same few values hundreds of times, and a corpus has only thousands of them
// (tens of thousands of packages), each kept as a 128-bit XXH3 fingerprint of
// the name rather than the name: 16 bytes whatever its length.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include <SQLiteCpp/Database.h>
#include "storage/statement.h"
#include "util/fingerprint.h"

namespace cachedb {

class Interner {
 public:
  // `table` must have columns (id INTEGER PRIMARY KEY, name TEXT UNIQUE); it is
  // one of a fixed set of names from the code, never user text. Without
  // `cached`, every call asks the table.
  // `max_cached`: how many ids the cache holds before it is emptied.
  Interner(SQLite::Database& db, const std::string& table, bool cached = true, std::size_t max_cached = kMaxCached);

  static constexpr std::size_t kMaxCached = 1u << 16;

  // The id of `name`; `*inserted` (when given) tells whether this call added it.
  std::int64_t id(std::string_view name, bool* inserted = nullptr);

 private:
  void clear();
  SQLite::Database& db_;
  bool cached_;
  std::size_t max_cached_;
  FingerprintMap<std::int64_t> cache_;
  // In front of cache_, the value met last in each of a few slots: the
  // values asked for come in runs (every edge of an index names its
  // dependency's package, most of them the same few hubs), and a slot is
  // read in the first-level cache where a node of the map is a miss
  // (1 GB of indexes: the package lookups of edges were a tenth of the
  // writer's time while it stored the first release's specs).
  struct Recent {
    Fingerprint key{};
    std::int64_t id = 0;  // 0: empty (ids start at 1)
  };
  static constexpr std::size_t kRecent = 256;
  std::array<Recent, kRecent> recent_{};
  Statement select_;
  Statement insert_;
};

}  // namespace cachedb
