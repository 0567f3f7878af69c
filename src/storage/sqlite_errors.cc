#include "storage/sqlite_errors.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace cachedb {

SqlError::SqlError(sqlite3* db, int rc, std::string sql, std::string database)
    : SQLite::Exception(db, rc), sql_(std::move(sql)), database_(std::move(database)) {}

SqlError::SqlError(const std::string& message, std::string sql, std::string database)
    : SQLite::Exception(message, SQLITE_MISUSE), sql_(std::move(sql)), database_(std::move(database)) {}

std::string expanded_sql(sqlite3_stmt* stmt) {
  if (!stmt) return {};
  if (char* text = sqlite3_expanded_sql(stmt)) {
    std::string out(text);
    sqlite3_free(text);
    return out;
  }
  const char* plain = sqlite3_sql(stmt);
  return plain ? plain : "";
}

namespace {

// Where SQLite keeps its temporary files (os_unix.c, unixTempFileDir): the
// first of these that is a directory it may write. A full one fails a run as
// a full disk under the database does, and the operator must look there too.
std::string sqlite_temp_dir() {
  const char* candidates[] = {std::getenv("SQLITE_TMPDIR"), std::getenv("TMPDIR"), "/var/tmp", "/usr/tmp", "/tmp"};
  for (const char* dir : candidates) {
    struct stat st {};
    if (dir && *dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && access(dir, W_OK | X_OK) == 0) return dir;
  }
  return ".";
}

std::string no_room(std::string_view what, const std::string& detail) {
  return fmt::format("no room left to write ({}, on the database's file system or on {}, where SQLite keeps its "
                     "temporary files): {}",
                     what, sqlite_temp_dir(), detail);
}

}  // namespace

std::string describe_sqlite_error(const SQLite::Exception& e, sqlite3* handle) {
  const int sys = handle ? sqlite3_system_errno(handle) : 0;
  std::string detail = e.what();
  if (sys != 0) detail += fmt::format(" ({})", std::strerror(sys));
  switch (e.getErrorCode()) {
    case SQLITE_READONLY:
      return "the database is read-only (the file or its directory is not writable): " + detail;
    case SQLITE_FULL:
      return no_room("disk full", detail);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "the database is locked by another process: " + detail;
    case SQLITE_NOTADB:
      return detail;  // "file is not a database" says it all
    default:
      break;
  }
  if (sys == ENOSPC || sys == EDQUOT || sys == EFBIG)
    return no_room("disk full, quota or file-size limit", detail);
  // SQLite does not always keep the OS's reason (a failed write at COMMIT loses it).
  switch (e.getExtendedErrorCode()) {
    case SQLITE_IOERR_WRITE:
    case SQLITE_IOERR_FSYNC:
    case SQLITE_IOERR_TRUNCATE:
      return "could not write to the disk (full, over a file-size limit, or failing): " + detail;
    default:
      break;
  }
  if (sys == EACCES || sys == EPERM || sys == EROFS)
    return "the database is read-only (the file or its directory is not writable): " + detail;
  return detail;
}

}  // namespace cachedb
