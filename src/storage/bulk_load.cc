#include "storage/bulk_load.h"

#include <optional>

#include <fmt/format.h>
#include <SQLiteCpp/Exception.h>

#include "storage/embedded_sql.h"
#include "storage/statement.h"
#include "storage/transaction.h"

namespace cachedb {

bool DeferredIndexes::drop_if_empty() {
  if (!dropped_.empty()) return true;
  if (db_.execAndGet("SELECT EXISTS (SELECT 1 FROM source) OR EXISTS (SELECT 1 FROM spec) "
                     "OR EXISTS (SELECT 1 FROM release_spec)")
          .getInt())
    return false;
  Statement list(db_, required_sql("storage/bulk_load_indexes.sql"));
  for (auto row = list(std::string_view(kept_)); row.next();) dropped_.emplace_back(row.text(0), row.text(1));
  for (const auto& [name, sql] : dropped_) exec(db_, fmt::format("DROP INDEX \"{}\"", name));
  return !dropped_.empty();
}

void DeferredIndexes::build() {
  if (dropped_.empty()) return;
  // CREATE INDEX sorts the table's keys. With temp_store = MEMORY SQLite sorts
  // them all in memory (as much as the index is big: ~90 MB at 1M spec rows);
  // with temporary files it sorts runs of cache_size bytes and merges them,
  // one run on a helper thread while the next is read. So, for the build: a
  // temporary file, a small cache (the index pages are written once, in
  // order) and one helper thread; the connection's settings come back after.
  PragmaScope cache(db_, "cache_size", fmt::format("-{}", kSortCacheKiB));
  PragmaScope threads(db_, "threads", "1");
  std::optional<PragmaScope> temp_store;
  try {
    temp_store.emplace(db_, "temp_store", "FILE");
  } catch (const SQLite::Exception&) {
    // Refused while the connection has temporary tables or triggers (only a
    // program using the library can have them): the sort stays in memory.
  }
  for (const auto& [name, sql] : dropped_) exec(db_, sql);
  dropped_.clear();
}

}  // namespace cachedb
