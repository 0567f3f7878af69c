#include "storage/database.h"

#include <cstdlib>
#include <optional>

#include <fmt/format.h>
#include <SQLiteCpp/Exception.h>

#include "error.h"
#include "storage/migrations.h"
#include "storage/sqlite_errors.h"

namespace cachedb {

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
  const int flags = mode == OpenMode::ReadOnly ? SQLite::OPEN_READONLY
                                               : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE;
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
