#include "storage/bulk_load.h"

#include <optional>

#include <fmt/format.h>
#include <SQLiteCpp/Exception.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "storage/database.h"
#include "storage/embedded_sql.h"
#include "storage/statement.h"
#include "storage/transaction.h"

namespace cachedb {

bool holds_no_documents(SQLite::Database& db) {
  return db.execAndGet("SELECT NOT (EXISTS (SELECT 1 FROM source) OR EXISTS (SELECT 1 FROM spec) "
                       "OR EXISTS (SELECT 1 FROM release_spec))")
             .getInt() != 0;
}

DirectLoadJournal::DirectLoadJournal(SQLite::Database& db) : db_(db) {
  if (db_.execAndGet("PRAGMA journal_mode").getString() != "wal" || !holds_no_documents(db_)) return;
  // Leaving WAL mode needs the database to itself: when another connection
  // holds it, give up at once rather than wait out the busy timeout.
  sqlite3_busy_timeout(db_.getHandle(), 0);
  try {
    // SQLite answers with the mode in force: still "wal" when it could not switch.
    active_ = db_.execAndGet("PRAGMA journal_mode = DELETE").getString() == "delete";
  } catch (const SQLite::Exception& e) {
    spdlog::debug("{}: loading through the write-ahead log: {}", db_.getFilename(), e.what());
  }
  sqlite3_busy_timeout(db_.getHandle(), kBusyTimeoutMs);
  if (active_) spdlog::debug("{}: empty database: loaded with a rollback journal", db_.getFilename());
}

DirectLoadJournal::~DirectLoadJournal() {
  if (!active_) return;
  try {
    if (db_.execAndGet("PRAGMA journal_mode = WAL").getString() != "wal")
      spdlog::warn("{}: could not return to WAL mode; the next ingest does", db_.getFilename());
  } catch (const std::exception& e) {
    spdlog::warn("{}: could not return to WAL mode ({}); the next ingest does", db_.getFilename(), e.what());
  }
}

bool DeferredIndexes::drop_if_empty() {
  if (!dropped_.empty()) return true;
  if (!holds_no_documents(db_)) return false;
  Statement list(db_, required_sql("storage/bulk_load_indexes.sql"));
  std::string kept = ",";
  for (const auto& name : kept_) kept += name + ",";
  for (auto row = list(std::string_view(kept)); row.next();) dropped_.emplace_back(row.text(0), row.text(1));
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
  // order) and the helper threads of sort_; the connection's settings come
  // back after.
  PragmaScope cache(db_, "cache_size", fmt::format("-{}", sort_.cache_kib));
  PragmaScope threads(db_, "threads", std::to_string(sort_.helper_threads));
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
