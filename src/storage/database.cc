#include "storage/database.h"

#include <cstdlib>
#include <optional>

#include <fmt/format.h>
#include <sqlite3.h>
#include <SQLiteCpp/Exception.h>

#include "error.h"
#include "storage/migrations.h"
#include "storage/sqlite_errors.h"

namespace cachedb {

void configure_sqlite() { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

std::filesystem::path resolve_db_path(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("CACHEDB_DB"); env && *env) return env;
  return "cachedb.sqlite";
}

SQLite::Database open_database(const std::filesystem::path& path, OpenMode mode) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw Error(fmt::format("{}: is a directory, not a database file", path.string()));
  if (mode == OpenMode::ReadOnly && !fs::exists(path, ec))
    throw Error(fmt::format("{}: no database here; create it with 'cachedb ingest'", path.string()));
  auto fail = [&](const SQLite::Exception& e, sqlite3* handle) {
    return Error(fmt::format("{}: cannot open database: {}", path.string(), describe_sqlite_error(e, handle)));
  };
  // One connection is only ever used by one thread at a time: skip SQLite's mutexes.
  const int flags = SQLite::OPEN_NOMUTEX | (mode == OpenMode::ReadOnly ? SQLite::OPEN_READONLY
                                                                       : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  std::optional<SQLite::Database> opened;
  try {
    // A busy timeout lets readers and writers wait out each other's short locks.
    opened.emplace(path.string(), flags, /*busyTimeoutMs=*/5000);
  } catch (const SQLite::Exception& e) {
    throw fail(e, nullptr);
  }
  SQLite::Database& db = *opened;
  try {
    // SQLite quietly opens a file it cannot write read-only; say so now rather
    // than at the first write.
    if (mode == OpenMode::ReadWrite && sqlite3_db_readonly(db.getHandle(), "main") == 1)
      throw Error(fmt::format("{}: the database is read-only (the file is not writable)", path.string()));
    // Reading the schema first turns "not a database" into an error right here.
    const int version = schema_version(db);
    db.exec("PRAGMA foreign_keys = ON");
    if (mode == OpenMode::ReadWrite) {
      // WAL lets reports and the sqlite3 shell read while an ingest writes.
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      // Statement journals in memory cost no file writes.
      db.exec("PRAGMA temp_store = MEMORY");
      // 8 MiB of page cache. The writer's lookups stay within a few pages (a
      // page's package's specs, the tails of the tables it appends to), so a
      // bigger cache buys no speed (32 MiB measured the same at 1M spec rows),
      // only memory; and a cache that an ingest of 100k rows already fills
      // keeps the peak memory of larger ingests where it is.
      db.exec("PRAGMA cache_size = -8192");
      migrate(db);
    } else if (version != latest_schema_version()) {
      throw Error(fmt::format(
          "{}: schema version {} but this cachedb reads version {}; run 'cachedb ingest' to upgrade it",
          path.string(), version, latest_schema_version()));
    }
  } catch (const SQLite::Exception& e) {
    throw fail(e, db.getHandle());
  }
  return std::move(*opened);
}

}  // namespace cachedb
